"""Health-check latency while wrong sign-ins or heavy timeline reads load the backend; the JSON scan's cost.

    python tests/benchmarks/bench_login_flood.py [--quick]

Issue 18, item 7: with scrypt on the event loop, 80 concurrent wrong logins pushed health checks
from ~55 ms to ~380 ms. Here scrypt runs on two worker threads (throttling is turned off so every
attempt really hashes), and the health check should stay near its idle latency.

Issue 17 ("no database work on the event loop"): section 3 does the same with timeline reads (a
customer with a long history, full pages with a text filter), whose SQLAlchemy work ran on the
event loop until the read routes moved to worker threads.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.stats import row
from workstation.server.backend import BackendConfig
from workstation.server.http_limits import JsonDepthScanner
from workstation.server.login_guard import LoginPolicy
from workstation.server.runner import ServerOptions, ServerThread

NO_LOCKOUT = LoginPolicy(user_failures=10**9, address_failures=10**9, max_waiting=1000)


async def _health_latencies(url: str, count: int) -> list[float]:
    out = []
    async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=30) as http:
        for _ in range(count):
            start = time.perf_counter()
            await http.get("/api/v1/health")
            out.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(0.02)
    return out


async def _flood(url: str, logins: int, probes: int) -> list[float]:
    limits = httpx.Limits(max_connections=logins + 10)
    async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=120, limits=limits) as http:
        flood = [
            asyncio.create_task(
                http.post("/api/v1/auth/login", json={"username": f"u{i}", "password": "wrong"})
            )
            for i in range(logins)
        ]
        await asyncio.sleep(0.05)
        latencies = await _health_latencies(url, probes)
        await asyncio.gather(*flood)
    return latencies


def bench_flood(quick: bool) -> None:
    logins, probes = (40, 20) if quick else (80, 50)
    print(f"\n1. GET /health while {logins} wrong sign-ins are hashed (lockouts off)")
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerThread(
            ServerOptions(data_dir=Path(tmp), simulator=None, backend=BackendConfig(), login=NO_LOCKOUT)
        )
        server.start()
        try:
            row("health, idle", asyncio.run(_health_latencies(server.url, probes)), "-")
            row(
                f"health, {logins} sign-ins in flight",
                asyncio.run(_flood(server.url, logins, probes)),
                "< 100 ms",
            )
        finally:
            server.stop()


async def _read_flood(url: str, token: str, customer_id: str, readers: int, probes: int) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=readers + 10)
    async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=120, limits=limits) as http:
        stop = asyncio.Event()

        async def reader(i: int) -> None:
            while not stop.is_set():
                response = await http.get(
                    f"/api/v1/customers/{customer_id}/events",
                    params={"limit": 1000, "q": "e" if i % 2 else ""},
                    headers=headers,
                )
                response.raise_for_status()

        tasks = [asyncio.create_task(reader(i)) for i in range(readers)]
        await asyncio.sleep(0.2)
        latencies = await _health_latencies(url, probes)
        stop.set()
        await asyncio.gather(*tasks)
    return latencies


def bench_reads(quick: bool) -> None:
    from workstation.demo import journeys
    from workstation.domain.models import Customer, TimelineEvent, utcnow

    readers, probes, events = (8, 20, 5000) if quick else (16, 50, 20_000)
    print(f"\n3. GET /health while {readers} clients read a {events}-event timeline (1000 a page)")
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerThread(ServerOptions(data_dir=Path(tmp), simulator=None, backend=BackendConfig()))
        server.start()
        try:
            backend = server.backend
            assert backend is not None
            rng = random.Random(7)
            raw = journeys.make_customer(rng, "c-big")
            history = journeys.make_long_history(rng, raw, utcnow(), events)

            def seed() -> None:
                backend.upsert_customer(Customer.model_validate(raw))
                backend.add_customer_events(
                    [TimelineEvent.model_validate({**ev, "customer_id": "c-big"}) for ev in history],
                    push=False,
                )

            server.call(seed, timeout=300)
            token = httpx.post(
                f"{server.url}/api/v1/auth/login",
                json={"username": "lead", "password": "demo"},
                trust_env=False,
            ).json()["token"]
            row("health, idle", asyncio.run(_health_latencies(server.url, probes)), "-")
            row(
                f"health, {readers} timeline readers",
                asyncio.run(_read_flood(server.url, token, "c-big", readers, probes)),
                "< 100 ms",
            )
        finally:
            server.stop()


def bench_scan(quick: bool) -> None:
    events = 300 if quick else 1000
    body = json.dumps(
        {
            "events": [
                {"id": f"e{i}", "summary": "x" * 200, "data": {"text": "[" + "y" * 14_000}}
                for i in range(events)
            ]
        }
    ).encode()
    print(
        f"\n2. JSON depth scan (on the event loop, chunk by chunk) of a {len(body) / 1e6:.1f} MB ingest body"
    )
    times = []
    for _ in range(5):
        start = time.perf_counter()
        scanner = JsonDepthScanner(64)
        for offset in range(0, len(body), 65536):
            scanner.feed(body[offset : offset + 65536])
        times.append((time.perf_counter() - start) * 1000)
    chunks = -(-len(body) // 65536)
    row("scan, whole body", times, "-")
    # The scan runs per chunk as the body arrives: what one chunk holds up the event loop for.
    row("scan, per 64 KiB chunk", [t / chunks for t in times], "< 1 ms", digits=3)
    parse = []
    for _ in range(5):
        start = time.perf_counter()
        json.loads(body)
        parse.append((time.perf_counter() - start) * 1000)
    row("json.loads, for comparison", parse, "-")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=("flood", "reads", "scan"), help="run one section")
    args = parser.parse_args()
    if args.only in (None, "flood"):
        bench_flood(args.quick)
    if args.only in (None, "reads"):
        bench_reads(args.quick)
    if args.only in (None, "scan"):
        bench_scan(args.quick)


if __name__ == "__main__":
    main()
