"""Benchmark of the Tryton connector against a real trytond.

    .venv/bin/python -u tests/benchmarks/bench_connectors.py [--parties N --sales-each M] [--samples K]
    .venv/bin/python -u tests/benchmarks/bench_connectors.py --quick

1. Initial import: N parties with M confirmed sales each (N*M history records) created in Tryton
   (with trytond's Python API in a process of its own, `tryton_bulk.py`; `--seeding rpc`: through
   JSON-RPC as a user would, the same records), then imported by the connector into a backend on
   a SQLite file: records/s and the process's peak memory growth during the import.
2. Change → desk: a new complaint created in Tryton, timed until the agent holding a chat with that
   customer can read it in the customer's history (GET /customers/ID/events, what the desktop's
   history and relevance panel load), with the default polling interval and a shorter one.
Measures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.stats import row  # noqa: E402
from tests.helpers.backend import Backend as BackendHelper  # noqa: E402
from tests.server.connectors.helpers import backend_on, run, seed, sync_for  # noqa: E402
from tests.server.connectors.tryton_bulk import bulk_seed  # noqa: E402
from tests.server.connectors.tryton_server import ADMIN_PASSWORD, TrytonSeed, TrytonServer, initialise  # noqa: E402
from workstation.server.backend import BackendConfig  # noqa: E402
from workstation.server.connectors.config import DEFAULT_POLL_S, parse  # noqa: E402
from workstation.server.runner import ServerOptions, ServerThread  # noqa: E402

#: Sales per seeding call: Tryton quotes and confirms a call's sales in one transaction, and
#: 2,500 of them (50 parties x 50 sales) outlasted the seeding client's 60 s timeout on a busy machine.
SALES_PER_CALL = 500
#: Sales per transaction of the bulk seeder: trytond's record instantiation checks every id of a
#: batch for every record (quadratic); 1,000 sales took 11 s in batches of 200, 19 s in 500.
BULK_BATCH = 200


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_import(
    server: TrytonServer, db: str, parties: int, sales_each: int, work: Path, *, seeding: str
) -> None:
    if seeding == "api":
        _seed_with_api(server, db, parties, sales_each)
    else:
        _seed_with_rpc(server, db, parties, sales_each)
    backend = backend_on(work / "import.sqlite")
    sync = sync_for(backend, server, db)
    before = _rss_mb()
    t0 = time.perf_counter()
    counts = run(sync.sync_once())
    elapsed = time.perf_counter() - t0
    records = counts.events + counts.customers
    print(f"  initial import: {counts.customers} customers + {counts.events} events in {elapsed:.1f} s")
    print(f"  {'records/s':<44} {records / elapsed:10.0f}")
    print(
        f"  {'peak RSS growth during the import':<44} {max(0.0, _rss_mb() - before):10.0f} MB "
        f"(peak {_rss_mb():.0f} MB)"
    )


def _seed_with_rpc(server: TrytonServer, db: str, parties: int, sales_each: int) -> None:
    chunk = max(1, SALES_PER_CALL // max(1, sales_each))  # parties per seeding call
    t_seed = time.perf_counter()

    async def volume(s: TrytonSeed) -> None:
        for start in range(0, parties, chunk):
            await s.parties_with_sales(min(chunk, parties - start), sales_each, prefix=f"P{start}")
            done = min(parties, start + chunk)
            if done * 10 // parties != start * 10 // parties:  # about every tenth
                print(f"  ... {done} parties seeded, {time.perf_counter() - t_seed:.0f} s", flush=True)

    seed(server, db, volume, setup=True)
    print(
        f"  seeded {parties} parties, {parties * sales_each} sales in Tryton through JSON-RPC "
        f"in {time.perf_counter() - t_seed:.0f} s"
    )


def _seed_with_api(server: TrytonServer, db: str, parties: int, sales_each: int) -> None:
    async def company(_s: TrytonSeed) -> None:
        return None

    seed(server, db, company, setup=True)  # the company and accounts, through JSON-RPC as always
    t0 = time.perf_counter()
    bulk_seed(server, db, parties, sales_each, prefix="P", batch=BULK_BATCH)
    print(
        f"  seeded {parties} parties, {parties * sales_each} sales in Tryton with trytond's API "
        f"in {time.perf_counter() - t0:.0f} s"
    )


def bench_latency(server: TrytonServer, db: str, poll_s: float, samples: int, work: Path) -> None:
    async def one(s: TrytonSeed) -> tuple[int, int]:
        party = await s.party("Latency Customer", email="lat@example.org")
        return party, await s.sale(party, 10.0)

    party, sale = seed(server, db, one, setup=True)
    os.environ["ERP_BENCH_PASSWORD"] = ADMIN_PASSWORD
    erp = parse(
        "erp",
        {
            "type": "tryton",
            "url": server.url,
            "database": db,
            "login": "admin",
            "password_env": "ERP_BENCH_PASSWORD",
            "poll_interval_s": poll_s,
        },
    )
    backend = ServerThread(
        ServerOptions(
            data_dir=work / f"latency-{poll_s}",
            simulator=None,
            connectors=[erp],
            backend=BackendConfig(router_tick_s=0.05),
        )
    )
    backend.start()
    helper = BackendHelper(backend)
    try:
        customer = f"erp-party-{party}"
        helper.wait_for(
            lambda: (
                helper.http.get(f"/api/v1/customers/{customer}", headers=helper.login("lead")).status_code
                == 200
            ),
            60,
        )
        agent, _chat, _conv = helper.accepted_chat("demo", customer)
        latencies = []
        rng = random.Random(11)
        for i in range(samples):
            # At a random point of the polling cycle, as changes happen in life (right after the
            # previous sample was seen would always be just after a pass: the worst case).
            time.sleep(rng.uniform(0, poll_s))
            # The clock starts when Tryton has committed the complaint (the create call returned),
            # not before the seeding client's own login.
            new = seed(
                server,
                db,
                lambda s, i=i: s.complaint(party, sale, "Damaged goods", f"Sample {i}"),
                setup=False,
            )
            t0 = time.perf_counter()
            wanted = f"sale.complaint,{new}"

            def seen(wanted: str = wanted) -> bool:
                events = helper.http.get(f"/api/v1/customers/{customer}/events", headers=agent).json()[
                    "events"
                ]
                return any(e["data"].get("source_id") == wanted for e in events)

            helper.wait_for(seen, timeout=poll_s * 3 + 30)
            latencies.append((time.perf_counter() - t0) * 1000)
        row(
            f"new complaint → agent's history, poll {poll_s:g} s",
            latencies,
            f"≤ {poll_s:g} s + sync",
            "ms",
            0,
        )
    finally:
        helper.http.close()
        backend.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parties", type=int, default=2000)
    parser.add_argument("--sales-each", type=int, default=50)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument(
        "--seeding",
        choices=["api", "rpc"],
        default="api",
        help="create the volume with trytond's Python API in a process of its own (default, faster) "
        "or through JSON-RPC",
    )
    parser.add_argument("--quick", action="store_true", help="200 parties x 5 sales, 5 samples")
    args = parser.parse_args()
    if args.quick:
        args.parties, args.sales_each, args.samples = 200, 5, 5
    with tempfile.TemporaryDirectory(prefix="bench-connectors-") as tmp:
        work = Path(tmp)
        print("initialising a Tryton database (trytond-admin)...", flush=True)
        template = initialise(work / "template")
        server = TrytonServer(work / "tryton", template, ["volume", "lat1", "lat2"])
        server.start()
        try:
            print(
                f"Initial import ({args.parties} parties, {args.parties * args.sales_each} history records):"
            )
            bench_import(server, "volume", args.parties, args.sales_each, work, seeding=args.seeding)
            print("Change in Tryton → visible on the agent's desk:")
            bench_latency(server, "lat1", DEFAULT_POLL_S, args.samples, work)
            bench_latency(server, "lat2", 1.0, args.samples, work)
        finally:
            server.stop()


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    main()
