"""`python -m workstation.server connectors status|conflicts`: each connector's sync state, and a
connector's undecided conflicts over every customer, read from the database."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import select
from sqlalchemy.orm import Session

from workstation.server.connectors.sync import connector_status
from workstation.server.connectors.writeback import open_conflicts
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
CONFLICT_COLUMNS = ("customer_id", "record", "field", "before", "theirs", "yours", "at")
#: Widest cell of a table (upstream values are anyone's text; --json has them whole).
CELL_MAX = 60


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m workstation.server connectors")
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument(
        "--data-dir",
        type=Path,
        default=Path(platformdirs.user_data_dir("workstation-server", appauthor=False)),
    )
    where.add_argument("--db-url", help="SQLAlchemy database URL (overrides --data-dir)")
    where.add_argument("--json", action="store_true", help="one JSON object a line")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "status", parents=[where], help="last sync, lag, records imported, dead letters, last error"
    )
    conflicts = sub.add_parser(
        "conflicts", parents=[where], help="a connector's undecided conflicts, every customer's"
    )
    conflicts.add_argument("name", help="the connector, as in [connectors.NAME]")
    conflicts.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    args = parser.parse_args(argv)
    url = args.db_url or f"sqlite:///{args.data_dir / DB_FILE}"
    if not args.db_url and not (args.data_dir / DB_FILE).exists():
        print(f"error: no backend database in {args.data_dir}")
        return 2
    engine = make_engine(url)
    try:
        if args.command == "conflicts":
            if args.limit < 1:
                parser.error("--limit must be at least 1")
            return _conflicts(engine, args.name, args.limit, as_json=args.json)
        return _status(engine, as_json=args.json)
    finally:
        engine.dispose()


def _status(engine: Any, *, as_json: bool) -> int:
    with Session(engine) as db:
        names = list(db.scalars(select(ConnectorStateRow.name).order_by(ConnectorStateRow.name)))
    rows = [connector_status(engine, name) for name in names]
    if as_json:
        for row in rows:
            print(json.dumps(row))
        return 0
    if not rows:
        print("No connectors have run on this backend.")
        return 0
    _table(COLUMNS, rows)
    return 0 if all(row["state"] != "down" for row in rows) else 1


def _conflicts(engine: Any, name: str, limit: int, *, as_json: bool) -> int:
    # One more than asked, to say that there are more (the endpoint pages through them all).
    rows = open_conflicts(engine, name, limit=limit + 1)
    more, rows = len(rows) > limit, rows[:limit]
    if as_json:
        for row in rows:
            print(json.dumps(row))
        return 0
    if not rows:
        print(f"No open conflicts of connector {name!r}.")
        return 0
    _table(CONFLICT_COLUMNS, rows)
    if more:
        print(f"(the first {limit}; --limit N for more)")
    return 0


def _table(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    table = [columns] + [
        tuple("-" if row[c] is None else _cell(str(row[c])) for c in columns) for row in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


def _cell(text: str) -> str:
    # A terminal shows upstream text as text: control characters (escape sequences, new lines)
    # become visible escapes, not commands to the terminal.
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)[:CELL_MAX]
