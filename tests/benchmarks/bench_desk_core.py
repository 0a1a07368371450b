"""Benchmarks of the desktop's core paths: screen pop, reply confirmed, GUI-thread stalls with 20 busy chats.

    .venv/bin/python tests/benchmarks/bench_desk_core.py [--quick] [--only screenpop|reply|stall]

Against the real backend on loopback (embedded, as by default) and a real cache file, signed in
through the app's own `connect`/`attach`:

- screen pop: offer received → the conversation tab shown with customer header, history and
  relevance panel painted from the cache (the accept round trip to the backend included), and the
  part of it after the backend's answer to the accept;
- reply confirmed: `inbox.send` → the reply shown pending (committed to the outbox) → the backend's
  answer stored (`write_completed`), one reply at a time;
- stall: 20 conversations whose customers write 10 messages/s each while the agent replies in all
  of them in turn (every reply a cache write): the lateness of a 10 ms heartbeat on the GUI thread,
  and how many cache commits ran on the GUI thread.

Prints medians and p95s (tests/benchmarks/stats.py); measures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.bench_skeleton import Harness, load_worker, run_on_qasync  # noqa: E402
from tests.benchmarks.stats import pct, row  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

CUSTOMERS = ("c-1", "c-2", "c-3")


class CommitThreads:
    """Counts the cache's commits by thread (SQLAlchemy's `commit` event on the store's engine)."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.gui = threading.get_ident()
        self.on_gui = 0
        self.elsewhere = 0
        event.listen(engine, "commit", self._commit)

    def _commit(self, _connection: Any) -> None:
        if threading.get_ident() == self.gui:
            self.on_gui += 1
        else:
            self.elsewhere += 1

    def report(self) -> None:
        total = self.on_gui + self.elsewhere
        print(f"  cache commits on the GUI thread: {self.on_gui} of {total}")


def _set_chat_capacity(backend: Any, agent_id: str, count: int) -> None:
    """The agent takes `count` chats at once (the routing's capacity, which the seeded demo sets to 3)."""
    from sqlalchemy.orm import Session

    from workstation.server.db import AgentRoutingRow, AgentRow

    with Session(backend.engine) as db:
        agent = db.get(AgentRow, agent_id)
        agent.max_chats = count
        routing = db.get(AgentRoutingRow, agent_id)
        if routing is not None:
            routing.capacity = {**routing.capacity, "chat": count}
        db.commit()
    backend.wake_router()


async def _open_chat(
    harness: Harness, http: Any, customer: str, text: str, topic: str | None = "delivery"
) -> tuple[str, Any]:
    from workstation.services.waiting import next_emission

    ws, window = harness.ws, harness.window
    offered = next_emission(ws.inbox.offer_received, timeout=15)
    response = await http.post(
        "/api/v1/customer/chats",
        json={"customer_id": customer, "text": text, **({"topic": topic} if topic else {})},
        headers={"Authorization": f"Bearer {harness.service_token}"},
    )
    chat = response.json()
    (pending,) = await offered
    shown = next_emission(window.conversation_shown, timeout=15)
    window.accept_offer(pending.offer.id)
    await shown
    return chat["conversation"]["id"], chat


# --- 1. screen pop ---------------------------------------------------------------------------------


def bench_screen_pop(offers: int) -> None:
    print(f"\nScreen pop: offer received → tab with header, history and relevance panel ({offers} offers)")

    async def main() -> None:
        import httpx

        from workstation.services.waiting import next_emission

        harness = Harness(events_per_customer=200)
        await harness.open()
        window, ws = harness.window, harness.ws
        commits = CommitThreads(ws.store.engine)
        answered: dict[str, float] = {}
        accept = ws.api.accept

        async def timed_accept(offer_id: str) -> Any:
            conv = await accept(offer_id)
            answered[conv.id] = time.perf_counter()
            return conv

        ws.api.accept = timed_accept  # type: ignore[method-assign]
        pop: list[float] = []
        local: list[float] = []
        complete = 0
        async with httpx.AsyncClient(base_url=harness.server.url, trust_env=False, timeout=10) as http:
            for i in range(offers):
                customer = CUSTOMERS[i % 3]
                offered = next_emission(ws.inbox.offer_received, timeout=15)
                response = await http.post(
                    "/api/v1/customer/chats",
                    json={"customer_id": customer, "text": f"Frage {i}", "topic": "delivery"},
                    headers={"Authorization": f"Bearer {harness.service_token}"},
                )
                conv_id = response.json()["conversation"]["id"]
                (pending,) = await offered
                t0 = time.perf_counter()
                painted: list[float] = []  # taken when the tab says it is shown, not when this resumes

                def at_emission(cid: str, c: str = conv_id, mark: list[float] = painted) -> bool:
                    mark.append(time.perf_counter())
                    return cid == c

                shown = next_emission(window.conversation_shown, at_emission, timeout=15)
                fresh = next_emission(
                    ws.context.context_refreshed, lambda cid, c=customer: cid == c, timeout=15
                )
                window.accept_offer(pending.offer.id)
                await shown
                t1 = painted[-1]
                pop.append((t1 - t0) * 1000)
                local.append((t1 - answered[conv_id]) * 1000)
                view = window.views[conv_id]
                header = customer in view.customer_header.facts_label.text() or bool(
                    view.customer_header.facts_label.text()
                )
                complete += (
                    header
                    and view.timeline_model.rowCount() > 0
                    and view.transcript_model.rowCount() >= 1
                    and bool(view.relevance_panel.visible_cards())
                )
                await fresh
                closed = next_emission(ws.sync.write_completed, lambda kind, _t: kind == "close", timeout=15)
                ws.inbox.close(conv_id, "resolved")
                await closed
        row("offer received → tab painted (accept round trip incl.)", pop, "≤ 50 ms (p95)")
        row("  of which after the backend answered the accept", local, "—")
        print(
            f"  tabs with header, history, transcript and relevance cards at first paint: {complete}/{offers}"
        )
        commits.report()
        await harness.close()

    run_on_qasync(main)


# --- 2. reply confirmed -----------------------------------------------------------------------------


def bench_reply(replies: int) -> None:
    print(
        f"\nReply: send → shown pending → confirmed by the backend on loopback "
        f"({replies} replies, one at a time)"
    )

    async def main() -> None:
        import httpx

        from workstation.services.waiting import next_emission

        harness = Harness(events_per_customer=25)
        await harness.open()
        ws = harness.ws
        async with httpx.AsyncClient(base_url=harness.server.url, trust_env=False, timeout=10) as http:
            conv_id, _chat = await _open_chat(harness, http, "c-1", "Hallo")
        commits = CommitThreads(ws.store.engine)
        shown: list[float] = []
        confirmed: list[float] = []
        # Each time is taken where the signal is emitted (not when this coroutine next runs).
        marks: dict[str, float] = {}

        def on_transcript(cid: str, entries: list[Any]) -> None:
            if cid == conv_id and any(e.delivery == "pending" for e in entries):
                marks.setdefault("pending", time.perf_counter())

        def on_completed(kind: str, target: str) -> None:
            if kind == "message" and target == conv_id:
                marks.setdefault("confirmed", time.perf_counter())

        ws.inbox.transcript_updated.connect(on_transcript)
        ws.sync.write_completed.connect(on_completed)
        for i in range(replies):
            marks.clear()
            done = next_emission(
                ws.sync.write_completed,
                lambda kind, target: kind == "message" and target == conv_id,
                timeout=15,
            )
            t0 = time.perf_counter()
            ws.inbox.send(conv_id, f"Antwort {i}")
            await done
            shown.append((marks["pending"] - t0) * 1000)
            confirmed.append((marks["confirmed"] - t0) * 1000)
            await asyncio.sleep(0.05)  # one at a time: the agent types
        row("send → shown pending (committed to the outbox)", shown, "—")
        row("send → confirmed by the backend (answer stored)", confirmed, "≤ 30 ms (p95)")
        commits.report()
        await harness.close()

    run_on_qasync(main)


# --- 3. stalls with 20 busy chats ---------------------------------------------------------------------


def bench_stall(
    seconds: float, conversations: int = 20, rate: float = 10.0, reply_every: float = 0.05
) -> None:
    print(
        f"\nGUI stall: {conversations} conversations × {rate:.0f} customer messages/s, the agent replying "
        f"every {reply_every * 1000:.0f} ms in turn, for {seconds:.0f} s "
        f"(10 ms heartbeat, {os.cpu_count()} CPUs)"
    )

    async def main() -> None:
        import httpx
        from PySide6.QtCore import QElapsedTimer, Qt, QTimer

        harness = Harness(events_per_customer=50)
        backend = harness.server.backend
        harness.server.call(lambda: _set_chat_capacity(backend, "a-demo", conversations))
        await harness.open()
        ws = harness.ws
        chats: list[dict[str, Any]] = []
        conv_ids: list[str] = []
        async with httpx.AsyncClient(base_url=harness.server.url, trust_env=False, timeout=10) as http:
            for i in range(conversations):
                conv_id, chat = await _open_chat(harness, http, CUSTOMERS[i % 3], f"Hallo {i}", topic=None)
                chats.append(chat)
                conv_ids.append(conv_id)
        commits = CommitThreads(ws.store.engine)

        lateness: list[float] = []
        clock = QElapsedTimer()
        heartbeat = QTimer()
        heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
        heartbeat.setInterval(10)
        last = [0]

        def beat() -> None:
            now = clock.elapsed()
            lateness.append(max(0.0, now - last[0] - 10))
            last[0] = now

        heartbeat.timeout.connect(beat)

        async def measure(duration: float, replying: bool) -> tuple[list[float], int]:
            lateness.clear()
            clock.start()
            last[0] = 0
            heartbeat.start()
            sent = 0
            end = time.perf_counter() + duration
            while time.perf_counter() < end:
                await asyncio.sleep(reply_every)
                if replying:
                    ws.inbox.send(conv_ids[sent % len(conv_ids)], f"Antwort {sent}")
                    sent += 1
            heartbeat.stop()
            return list(lateness[1:]), sent

        idle, _ = await measure(3.0, replying=False)
        ctx = multiprocessing.get_context("spawn")
        results = ctx.Queue()
        workers = 2  # more loader processes than cores would starve the GUI by themselves
        plan = [(c["conversation"]["id"], c["customer_token"]) for c in chats]
        procs = [
            ctx.Process(
                target=load_worker,
                args=(harness.server.url, plan[w::workers], rate, seconds, results),
                daemon=True,
            )
            for w in range(workers)
        ]
        for proc in procs:
            proc.start()
        await asyncio.sleep(1.0)  # the workers import and connect before measuring
        loaded, replies = await measure(seconds, replying=True)
        received = 0
        for _ in procs:
            ok, _bad = await asyncio.get_running_loop().run_in_executor(None, results.get)
            received += ok
        for proc in procs:
            proc.join()
        deadline = time.monotonic() + 20
        while ws.store.count_pending() and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        row("heartbeat lateness, idle", idle, "—")
        row("heartbeat lateness under load", loaded, "≤ 16 ms (max)")
        print(
            f"  longest stall under load: {max(loaded):.1f} ms; p99 {pct(loaded, 99):.1f} ms; "
            f"beats later than 16 ms: {sum(1 for v in loaded if v > 16)} of {len(loaded)}"
        )
        print(
            f"  customer messages {received}, agent replies {replies} "
            f"(left unsent at the end: {ws.store.count_pending()})"
        )
        commits.report()
        await harness.close()

    run_on_qasync(main)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small counts, for a smoke run")
    parser.add_argument("--only", choices=["screenpop", "reply", "stall"])
    args = parser.parse_args()
    if args.only in (None, "screenpop"):
        bench_screen_pop(15 if args.quick else 60)
    if args.only in (None, "reply"):
        bench_reply(30 if args.quick else 200)
    if args.only in (None, "stall"):
        bench_stall(5 if args.quick else 30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
