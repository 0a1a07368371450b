"""Benchmarks of the offline cache and the outbox.

    .venv/bin/python tests/benchmarks/bench_offline.py [--quick] [--only screenpop|drain|durability]

1. Screen pop from the cache: everything a conversation tab reads before its first paint (customer
   record with freshness, latest 200 history events, notes and unsent edits, transcript), for a
   customer with 10,000 events in a cache of 1,000,000 events (2,000 customers), on a real file.
2. Outbox drain: 10,000 replies queued while offline, then the sender delivers them to the reference
   backend on loopback (in its own process, as a remote backend; and embedded in the same process,
   as by default). Writes per second from the first send to the empty outbox.
3. Durability: the cost of committing one write to the outbox with synchronous=FULL (the setting)
   against NORMAL.

Prints medians and p95s next to the targets; measures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import httpx  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from tests.benchmarks.stats import row  # noqa: E402
from workstation.client.api import BackendApi  # noqa: E402
from workstation.client.events import Backoff  # noqa: E402
from workstation.domain.models import Customer, Message, utcnow  # noqa: E402
from workstation.services.customer_context import CustomerContextService  # noqa: E402
from workstation.services.records import RecordsService  # noqa: E402
from workstation.services.session import SessionService  # noqa: E402
from workstation.services.sync import SyncService  # noqa: E402
from workstation.store.cache import CacheStore, CustomerRow, TimelineEventRow, new_key, open_engine  # noqa: E402

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


# --- 1. screen pop ------------------------------------------------------------------------------


def build_cache(path: Path, total: int, target_events: int, customers: int) -> str:
    store = CacheStore(open_engine(path))
    rng = random.Random(8)
    target = "c-target"
    kinds = ("page_view", "order_placed", "contact", "payment_failed", "parcel_delayed")
    with store.engine.begin() as connection:
        connection.execute(
            insert(CustomerRow.__table__),
            [
                {
                    "id": cid,
                    "data": Customer(id=cid, name=f"Kunde {cid}", email=f"{cid}@example.org").model_dump(
                        mode="json"
                    ),
                    "fetched_at": T0,
                }
                for cid in [target, *(f"c-{i}" for i in range(customers - 1))]
            ],
        )
    others = total - target_events
    batch: list[dict[str, Any]] = []
    written = 0
    for n in range(total):
        cid = target if n < target_events else f"c-{(n - target_events) % (customers - 1)}"
        at = T0 - timedelta(minutes=n if cid == target else rng.randrange(0, 525_600))
        kind = kinds[n % len(kinds)]
        batch.append(
            {
                "id": f"e-{n}",
                "customer_id": cid,
                "at": at,
                "data": {
                    "id": f"e-{n}",
                    "customer_id": cid,
                    "at": at.isoformat(),
                    "channel": "web",
                    "kind": kind,
                    "summary": f"{kind} {n}",
                    "data": {"order_id": f"o-{n % 977}"},
                },
            }
        )
        if len(batch) == 20_000 or n == total - 1:
            with store.engine.begin() as connection:
                connection.execute(insert(TimelineEventRow.__table__), batch)
            written += len(batch)
            batch = []
            if written % 200_000 == 0:
                print(f"  building the cache: {written:,} of {total:,} events", flush=True)
    print(f"\r  built: {total:,} events ({target_events:,} of one customer, {others:,} of the others)")
    store.close()
    return target


def bench_screen_pop(quick: bool) -> None:
    total = 100_000 if quick else 1_000_000
    print(f"\n1. screen pop from the cache ({total:,} events)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cache.sqlite3"
        started = time.perf_counter()
        target = build_cache(path, total, 10_000, 200 if quick else 2_000)
        size = path.stat().st_size / 2**20
        print(f"  (building took {time.perf_counter() - started:.0f} s; file {size:.0f} MiB)")
        store = CacheStore(open_engine(path))
        http = httpx.AsyncClient(base_url="http://127.0.0.1:9", trust_env=False)
        api = BackendApi(http)
        sync = SyncService(api, store)
        context = CustomerContextService(api, store, sync)
        records = RecordsService(api, store, sync, SessionService(api, None))
        for i in range(20):  # a few unsent edits, as after an offline stretch
            store.enqueue("note_create", {"text": f"n{i}"}, target=f"c-{i}")

        def screen_pop(customer_id: str) -> int:
            cached = context.cached(customer_id)
            records.customer(customer_id)
            records.notes(customer_id)
            store.transcript("cv-none")
            return len(cached.events)

        first = time.perf_counter()
        assert screen_pop(target) == 200
        first_ms = (time.perf_counter() - first) * 1000
        times = []
        rng = random.Random(1)
        for _ in range(30 if quick else 200):
            t = time.perf_counter()
            screen_pop(target)
            times.append((time.perf_counter() - t) * 1000)
            screen_pop(f"c-{rng.randrange(0, 199)}")  # other customers in between, as in life
        row("screen-pop read, customer with 10,000 events", times, "≤ 10 ms")
        print(f"  first read after opening the file: {first_ms:.1f} ms")
        asyncio.new_event_loop().run_until_complete(http.aclose())
        store.close()


# --- 2. outbox drain ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare_backend(url: str, service_token: str | None, seed: Any) -> tuple[str, str]:
    """An agent with an accepted chat: (agent token, conversation id)."""
    http = httpx.Client(base_url=url, trust_env=False, timeout=30)
    if seed is not None:
        seed()
    login = http.post("/api/v1/auth/login", json={"username": "demo", "password": "demo"}).json()
    headers = {"Authorization": f"Bearer {login['token']}"}
    http.put("/api/v1/me/presence", json={"presence": "available"}, headers=headers)
    if service_token is not None:
        http.post(
            "/api/v1/customer/chats",
            json={"customer_id": "c-bench", "text": "Hallo"},
            headers={"Authorization": f"Bearer {service_token}"},
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        offers = http.get("/api/v1/offers", headers=headers).json()
        if offers:
            conv = http.post(f"/api/v1/offers/{offers[0]['id']}/accept", headers=headers).json()
            http.close()
            return login["token"], conv["id"]
        time.sleep(0.1)
    raise RuntimeError("no chat was offered to the benchmark agent")


def drain(url: str, token: str, conv: str, count: int, cache: Path) -> float:
    store = CacheStore(open_engine(cache))
    for i in range(count):
        key = new_key()
        local = Message(
            id=f"local:{key}",
            conversation_id=conv,
            sender="agent",
            text=f"offline {i}",
            at=utcnow(),
            client_key=key,
        )
        store.enqueue("message", {"text": f"offline {i}"}, target=conv, local_message=local)

    async def run() -> float:
        http = httpx.AsyncClient(base_url=url, trust_env=False, timeout=30)
        sync = SyncService(BackendApi(http, token=token), store, backoff=Backoff(initial=0.05, maximum=0.2))
        started = time.perf_counter()
        sync.start()
        while store.count_pending():
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - started
        await sync.stop()
        await http.aclose()
        return elapsed

    elapsed = asyncio.new_event_loop().run_until_complete(run())
    store.close()
    return elapsed


def bench_drain(quick: bool) -> None:
    count = 1_000 if quick else 10_000
    print(f"\n2. outbox drain: {count:,} replies queued offline, then delivered")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        # a) the backend in its own process (a remote backend, on loopback)
        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "workstation.server",
                "--demo",  # demo users and simulated chats
                "--port",
                str(port),
                "--data-dir",
                str(base / "remote"),
                "--chat-interval",
                "1",
                "--offer-timeout",
                "600",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            # (terminated in `finally`, also when the benchmark fails half way)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{url}/api/v1/health", trust_env=False).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            token, conv = _prepare_backend(url, None, None)
            elapsed = drain(url, token, conv, count, base / "cache-remote.sqlite3")
            rate = count / elapsed
            print(f"  backend in its own process: {rate:8,.0f} writes/s ({elapsed:.2f} s)   target ≥ 1,000/s")
        finally:
            server.terminate()
            server.wait(30)
        # b) embedded, in the same process (the default)
        from tests.helpers.backend import start_server
        from workstation.domain.models import Customer as C

        embedded = start_server(base / "embedded")
        try:
            backend = embedded.backend
            assert backend is not None
            service = embedded.call(lambda: backend.issue_token(backend.service_principal()))
            token, conv = _prepare_backend(
                embedded.url,
                service,
                lambda: embedded.call(lambda: backend.upsert_customer(C(id="c-bench", name="B"))),
            )
            elapsed = drain(embedded.url, token, conv, count, base / "cache-embedded.sqlite3")
            print(f"  backend embedded (same process): {count / elapsed:8,.0f} writes/s   ({elapsed:.2f} s)")
        finally:
            embedded.stop()


# --- 3. durability ------------------------------------------------------------------------------


def bench_durability(quick: bool) -> None:
    count = 300 if quick else 2_000
    print(f"\n3. committing one write to the outbox ({count:,} writes each)")
    for mode in ("NORMAL", "FULL"):
        with tempfile.TemporaryDirectory() as tmp:
            store = CacheStore(open_engine(Path(tmp) / "cache.sqlite3", synchronous=mode))
            times = []
            for i in range(count):
                t = time.perf_counter()
                store.enqueue("presence", {"presence": "away" if i % 2 else "available"})
                times.append((time.perf_counter() - t) * 1000)
            row(f"enqueue, synchronous={mode}", times, "—", digits=2)
            store.close()


def main() -> int:
    from PySide6.QtCore import QCoreApplication

    # The services are QObjects; as in the app, a Qt application object exists while they run.
    app = QCoreApplication.instance() or QCoreApplication([])  # noqa: F841
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small counts, for a smoke run")
    parser.add_argument("--only", choices=["screenpop", "drain", "durability"])
    args = parser.parse_args()
    if args.only in (None, "durability"):
        bench_durability(args.quick)
    if args.only in (None, "screenpop"):
        bench_screen_pop(args.quick)
    if args.only in (None, "drain"):
        bench_drain(args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
