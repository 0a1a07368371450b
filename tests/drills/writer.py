"""The desktop's write path in a child process, for SIGKILL drills (run by tests/drills/test_crash.py).

    python -m tests.drills.writer CACHE URL CONVERSATION FIRST COUNT [--kill-at N]

Queues COUNT replies ("drill-<i>") through the real SyncService and outbox into the real backend,
printing "committed <i>" once each is committed locally, then waits until the outbox is empty and
prints "drained". With --kill-at N it SIGKILLs itself at the N-th instrumented point: before any SQL
statement, before a commit, or when the backend's answer to a write arrives (before it is stored).
The token comes in the DRILL_TOKEN environment variable.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import event

from workstation.client.api import BackendApi
from workstation.client.events import Backoff
from workstation.domain.models import Message
from workstation.services.sync import SyncService
from workstation.store.cache import CacheStore, new_key, open_engine

_points = 0
_kill_at = 0


def point(_name: str, *_args: Any) -> None:
    global _points
    _points += 1
    if _points == _kill_at:
        os.kill(os.getpid(), signal.SIGKILL)


async def main() -> int:
    global _kill_at
    parser = argparse.ArgumentParser()
    parser.add_argument("cache")
    parser.add_argument("url")
    parser.add_argument("conversation")
    parser.add_argument("first", type=int)
    parser.add_argument("count", type=int)
    parser.add_argument("--kill-at", type=int, default=0)
    args = parser.parse_args()
    _kill_at = args.kill_at
    engine = open_engine(args.cache)
    event.listen(engine, "before_cursor_execute", lambda *a: point("sql"))
    event.listen(engine, "commit", lambda *a: point("commit"))

    async def on_response(_response: httpx.Response) -> None:
        point("answer")

    http = httpx.AsyncClient(base_url=args.url, trust_env=False, event_hooks={"response": [on_response]})
    api = BackendApi(http, token=os.environ["DRILL_TOKEN"])
    store = CacheStore(engine)
    sync = SyncService(api, store, backoff=Backoff(initial=0.05, maximum=0.2))
    sync.start()
    rng = random.Random(args.first)
    for i in range(args.first, args.first + args.count):
        key = new_key()
        text = f"drill-{i}"
        local = Message(
            id=f"local:{key}",
            conversation_id=args.conversation,
            sender="agent",
            text=text,
            at=datetime.now(UTC),
            client_key=key,
        )
        # Reported once the writer thread committed it, as the UI shows it pending only then.
        sync.submit(
            "message",
            {"text": text},
            target=args.conversation,
            local_message=local,
            then=lambda i=i: print(f"committed {i}", flush=True),
        )
        await asyncio.sleep(rng.choice((0, 0, 0.001, 0.005)))
    await asyncio.wrap_future(store.writes.barrier())  # every submitted write is committed
    await asyncio.sleep(0)  # and its `then` has run
    while store.count_pending():
        await asyncio.sleep(0.02)
    print("drained", flush=True)
    print(f"points {_points}", flush=True)  # how many kill points this run passed
    await sync.stop()
    await http.aclose()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
