"""`python -m workstation.server connectors status`: each connector's sync state, from the database."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import platformdirs
from sqlalchemy import select
from sqlalchemy.orm import Session

from workstation.server.connectors.sync import connector_status
from workstation.server.db import ConnectorStateRow, make_engine

DB_FILE = "backend.sqlite3"
COLUMNS = (
    "name",
    "state",
    "last_sync_at",
    "lag_s",
    "records_imported",
    "dead_letters",
    "conflicts",
    "last_error",
)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m workstation.server connectors")
    sub = parser.add_subparsers(dest="command", required=True)
    status = sub.add_parser("status", help="last sync, lag, records imported, dead letters, last error")
    status.add_argument(
        "--data-dir",
        type=Path,
        default=Path(platformdirs.user_data_dir("workstation-server", appauthor=False)),
    )
    status.add_argument("--db-url", help="SQLAlchemy database URL (overrides --data-dir)")
    status.add_argument("--json", action="store_true", help="one JSON object per connector")
    args = parser.parse_args(argv)
    url = args.db_url or f"sqlite:///{args.data_dir / DB_FILE}"
    if not args.db_url and not (args.data_dir / DB_FILE).exists():
        print(f"error: no backend database in {args.data_dir}")
        return 2
    engine = make_engine(url)
    with Session(engine) as db:
        names = list(db.scalars(select(ConnectorStateRow.name).order_by(ConnectorStateRow.name)))
    rows = [connector_status(engine, name) for name in names]
    engine.dispose()
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    if not rows:
        print("No connectors have run on this backend.")
        return 0
    table = [COLUMNS] + [tuple("-" if row[c] is None else str(row[c])[:60] for c in COLUMNS) for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    for line in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
    return 0 if all(row["state"] != "down" for row in rows) else 1
