"""Bulk seeding of a Tryton database with trytond's own Python API, for the full-size benchmark.

JSON-RPC seeding makes ~1,000 sales a minute (100 minutes for the issue's 100,000). This runs the
same calls the RPC seeder makes (`party.party` create, `sale.sale` create, quote, confirm, then the
queued `process` task, as trytond's dispatcher runs it after the commit) in a process of its own
against the same database file, with the same values (`volume_parties`, `volume_sales`), committing
every `--batch` sales. The database must already have the company (`TrytonSeed.setup`).

    python -m tests.server.connectors.tryton_bulk CONFIG DATABASE --parties N --sales-each M
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from tests.server.connectors.tryton_server import TrytonServer, volume_parties, volume_sales

ROOT = Path(__file__).resolve().parents[3]


def bulk_seed(
    server: TrytonServer, db: str, parties: int, sales_each: int, *, prefix: str = "P", batch: int = 2000
) -> None:
    """Seed `parties` x `sales_each` confirmed sales into `db` of `server` (running or not).

    A separate process: trytond's configuration and pool are process globals, and the caller may be
    a test or the benchmark with its own backend."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.server.connectors.tryton_bulk",
            str(server.directory / "trytond.conf"),
            db,
            "--parties",
            str(parties),
            "--sales-each",
            str(sales_each),
            "--prefix",
            prefix,
            "--batch",
            str(batch),
        ],
        cwd=ROOT,
        check=True,
        timeout=3 * 3600,
    )


def _seed(conf: str, db: str, parties: int, sales_each: int, prefix: str, batch: int) -> None:
    from trytond import config

    config.update_etc(conf)  # before the pool: trytond reads its configuration at import
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    from trytond.worker import run_task

    Pool.start()
    pool = Pool(db)
    with Transaction().start(db, 0, readonly=True):
        pool.init()
    with Transaction().start(db, 0, readonly=True):
        company = pool.get("company.company").search([], limit=1)[0]
        company_id, currency_id = company.id, company.currency.id
    per_call = max(1, batch // max(1, sales_each))  # parties per transaction
    t0 = time.perf_counter()
    for start in range(0, parties, per_call):
        count = min(per_call, parties - start)
        with Transaction().start(db, 1, context={"company": company_id}) as transaction:
            Party = pool.get("party.party")
            Address = pool.get("party.address")
            Sale = pool.get("sale.sale")
            party_ids = [p.id for p in Party.create(volume_parties(count, f"{prefix}{start}"))]
            address_of = {a.party.id: a.id for a in Address.search([("party", "in", party_ids)])}
            values = volume_sales(party_ids, address_of, sales_each, company=company_id, currency=currency_id)
            sales = Sale.create(values)
            Sale.quote(sales)
            Sale.confirm(sales)
            transaction.commit()
        # As trytond's dispatcher does after a request's commit (no queue worker configured).
        while transaction.tasks:
            run_task(pool, transaction.tasks.pop())
        done = start + count
        if done * 10 // parties == start * 10 // parties:
            continue  # progress about every tenth
        print(
            f"  ... {done} parties, {done * sales_each} sales seeded (trytond API), "
            f"{time.perf_counter() - t0:.0f} s",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("database")
    parser.add_argument("--parties", type=int, required=True)
    parser.add_argument("--sales-each", type=int, required=True)
    parser.add_argument("--prefix", default="P")
    parser.add_argument("--batch", type=int, default=2000, help="sales per transaction")
    args = parser.parse_args()
    _seed(args.config, args.database, args.parties, args.sales_each, args.prefix, args.batch)


if __name__ == "__main__":
    main()
