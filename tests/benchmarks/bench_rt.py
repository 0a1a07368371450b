"""Benchmark of the Request Tracker connector against a real RT 5 (rt-server on loopback, SQLite).

    .venv/bin/python tests/benchmarks/bench_rt.py [--tickets N --replies M] [--samples K] [--quick]

1. Initial import: N tickets with M support replies each, created in RT over REST2, then imported by
   the connector into a backend on a SQLite file: tickets/s and events/s.
2. A poll with nothing new (what every polling interval costs RT and the backend).
3. A new reply in RT → stored in the customer's history by one sync pass (the polling interval adds
   on average half an interval to this in a running backend).
Measures, asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.stats import row  # noqa: E402
from tests.server.connectors.helpers import events_of, run  # noqa: E402
from tests.server.connectors.rt_server import RTServer, initialise  # noqa: E402
from tests.server.connectors.test_rt import ANN, rt_sync, with_customers  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--replies", type=int, default=2)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="40 tickets x 1 reply, 5 samples")
    args = parser.parse_args()
    if args.quick:
        args.tickets, args.replies, args.samples = 40, 1, 5
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        database, token = initialise(work / "template")
        server = RTServer(work / "rt", database, token)
        server.start()
        try:
            t0 = time.perf_counter()
            tickets = []
            for i in range(args.tickets):
                ticket = server.create_ticket("Billing", ANN, f"Question {i}", priority=i % 100)
                for j in range(args.replies):
                    server.reply(ticket, f"Answer {j}")
                tickets.append(ticket)
            seeded = time.perf_counter() - t0
            print(f"  seeded {args.tickets} tickets x {args.replies} replies in {seeded:.0f} s")
            backend = with_customers(work / "b.sqlite", ("ann", ANN))
            sync = rt_sync(backend, server)
            t0 = time.perf_counter()
            counts = run(sync.sync_once())
            elapsed = time.perf_counter() - t0
            print(
                f"  initial import: {counts.events} events from {args.tickets} tickets in {elapsed:.1f} s: "
                f"{args.tickets / elapsed:.1f} tickets/s, {counts.events / elapsed:.0f} events/s"
            )
            idle = []
            for _ in range(args.samples):
                t0 = time.perf_counter()
                run(sync.sync_once())
                idle.append((time.perf_counter() - t0) * 1000)
            row("poll with nothing new", idle, "-")
            latency = []
            for i in range(args.samples):
                before = len(events_of(backend, "ann"))
                server.reply(tickets[i % len(tickets)], f"Follow-up {i}")
                t0 = time.perf_counter()
                run(sync.sync_once())
                latency.append((time.perf_counter() - t0) * 1000)
                assert len(events_of(backend, "ann")) == before + 1
            row("new reply -> stored (one pass)", latency, "-")
            run(sync.connector.close())
        finally:
            server.stop()


if __name__ == "__main__":
    main()
