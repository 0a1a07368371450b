"""Benchmarks of the walking skeleton: start-up, screen pop, GUI-thread stalls under chat load.

    .venv/bin/python tests/benchmarks/bench_skeleton.py [--quick] [--only startup|screenpop|stall]

Prints medians and p95s next to the targets; measures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks import desk_harness  # noqa: E402
from tests.benchmarks.desk_harness import (  # noqa: E402
    Customers,
    Harness,
    Heartbeat,
    open_chat,
    paint_watch,
    run_on_qasync,
)
from tests.benchmarks.stats import pct, row  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")


# --- 1. process start to window shown -------------------------------------------------------------


def bench_startup(runs: int) -> None:
    print(
        f"\nStart-up: process spawn → main window first painted ({runs} runs each, alternating, "
        f"embedded backend, --temp-basedir, {os.cpu_count()} CPUs)"
    )
    from tests.benchmarks.startup_timing import bare_qt_command, bytecode_env, time_to_window

    app_command = [sys.executable, str(ROOT / "main.py"), "--temp-basedir", "--log-level", "info"]
    bare_command = bare_qt_command(sys.executable)
    with bytecode_env() as env:
        time_to_window(bare_command, ROOT, env), time_to_window(app_command, ROOT, env)  # warm-up
        bare: list[float] = []
        app: list[float] = []
        in_process: list[float] = []
        stalls: list[float] = []
        for _ in range(runs):
            bare.append(time_to_window(bare_command, ROOT, env)[0])
            spawn_ms, own_ms, stall_ms = time_to_window(app_command, ROOT, env, until_signed_in=True)
            app.append(spawn_ms)
            in_process.append(own_ms)
            assert stall_ms is not None
            stalls.append(stall_ms)
    row("bare Qt: import, QApplication, empty QMainWindow", bare, "—")
    row("main.py (embedded backend)", app, "≤ 2.0 × bare (median)")
    row("  main.py's own figure (first line → paint)", in_process, "—")
    row("  GUI thread's longest stall, first paint → signed in", stalls, "—")
    ratio = statistics.median(app) / statistics.median(bare)
    print(f"  main.py / bare Qt: median {ratio:.2f}, p95 {pct(app, 95) / pct(bare, 95):.2f}")
    result = subprocess.run(
        [sys.executable, "-X", "importtime", str(ROOT / "main.py"), "--self-test", "--log-level", "warning"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    heavy = sorted({m for m in ("QtWebEngine", "pyqtgraph") if m in result.stderr})
    print(f"  heavy modules imported during a full self-test run: {', '.join(heavy) or 'none'}")
    report = [ln for ln in result.stdout.splitlines() if ln.startswith("{")]
    print(f"  self-test timings: {report[-1] if report else 'n/a'}")


# --- 2. offer received → conversation painted from the cache; reply confirmed ----------------------


def bench_screen_pop(offers: int) -> None:
    print(
        f"\nScreen pop: offer received → conversation painted from the cache ({offers} offers, "
        "200 events per customer); reply → confirmed by the backend on loopback"
    )

    async def main() -> None:
        import httpx

        from workstation.services.waiting import next_emission
        from workstation.ui.conversation_view import ConversationView

        harness = Harness(events_per_customer=200)
        await harness.open()
        window, ws = harness.window, harness.ws
        # How long ranking plus painting the relevance panel took at its first paint (from the cache).
        ranked: set[str] = set()
        paint_cost: list[float] = []
        show_ranking = ConversationView.show_ranking

        def timed_show_ranking(view: ConversationView, ranking: Any) -> None:
            start = time.perf_counter()
            show_ranking(view, ranking)
            if view.conversation.id not in ranked:
                ranked.add(view.conversation.id)
                paint_cost.append((time.perf_counter() - start) * 1000 + ranking.elapsed_ms)

        ConversationView.show_ranking = timed_show_ranking  # type: ignore[method-assign]
        # Times are taken in slots, when the signal fires, not when the awaiting coroutine resumes.
        offered_at: dict[str, float] = {}
        confirmed_at: list[float] = []
        shown_at: dict[str, float] = {}
        window.conversation_shown.connect(lambda cid: shown_at.setdefault(cid, time.perf_counter()))
        ws.inbox.offer_received.connect(
            lambda p: offered_at.setdefault(p.offer.conversation_id, time.perf_counter())
        )
        ws.sync.write_completed.connect(
            lambda kind, _target: kind == "message" and confirmed_at.append(time.perf_counter())
        )
        watch = paint_watch()
        parts = ("customer header", "relevance panel", "history")

        def watch_view(conv_id: str) -> None:
            view = window.views[conv_id]
            watch.watch(view.customer_header, (conv_id, parts[0]))
            watch.watch(view.relevance_panel, (conv_id, parts[1]))
            watch.watch(view.history.view.viewport(), (conv_id, parts[2]))

        # The tab joins the window when the conversation service's read is done (the window's slot runs
        # first: it was connected at sign-in); its first paints come after.
        assert ws.conversations is not None
        ws.conversations.conversation_ready.connect(
            lambda ready: ready.conversation.id in window.views and watch_view(ready.conversation.id)
        )
        pop: list[float] = []
        painted: list[float] = []
        by_part: dict[str, list[float]] = {part: [] for part in parts}
        refreshed: list[float] = []
        confirmed: list[float] = []
        with_timeline = 0
        async with httpx.AsyncClient(base_url=harness.server.url, trust_env=False, timeout=10) as http:
            for i in range(offers):
                customer = ("c-1", "c-2", "c-3")[i % 3]
                offered = next_emission(ws.inbox.offer_received, timeout=15)
                response = await http.post(
                    "/api/v1/customer/chats",
                    json={"customer_id": customer, "text": f"Frage {i}", "topic": "delivery"},
                    headers={"Authorization": f"Bearer {harness.service_token}"},
                )
                conv_id = response.json()["conversation"]["id"]
                (pending,) = await offered
                t0 = offered_at[conv_id]
                shown = next_emission(window.conversation_shown, lambda cid, c=conv_id: cid == c, timeout=15)
                fresh = next_emission(
                    ws.context.context_refreshed, lambda cid, c=customer: cid == c, timeout=15
                )
                window.accept_offer(pending.offer.id)
                await shown
                pop.append((shown_at[conv_id] - t0) * 1000)
                deadline = time.monotonic() + 5
                while any((conv_id, p) not in watch.first for p in parts) and time.monotonic() < deadline:
                    await asyncio.sleep(0.001)
                missing = [p for p in parts if (conv_id, p) not in watch.first]
                if missing:
                    raise RuntimeError(f"never painted: {', '.join(missing)}")
                for part in parts:
                    by_part[part].append((watch.first[conv_id, part] - t0) * 1000)
                painted.append((max(watch.first[conv_id, p] for p in parts) - t0) * 1000)
                view = window.views[conv_id]
                assert view.transcript_model.rowCount() >= 1
                with_timeline += view.timeline_model.rowCount() > 0
                await fresh
                refreshed.append((time.perf_counter() - t0) * 1000)
                delivered = next_emission(
                    ws.sync.write_completed, lambda kind, _t: kind == "message", timeout=15
                )
                confirmed_at.clear()
                sent = time.perf_counter()
                ws.inbox.send(conv_id, f"Antwort {i}")
                await delivered
                confirmed.append((confirmed_at[0] - sent) * 1000)
                closed = next_emission(ws.sync.write_completed, lambda kind, _t: kind == "close", timeout=15)
                ws.inbox.close(conv_id, "resolved")
                await closed
        row("offer received → tab shown (accept round trip incl.)", pop, "≤ 100 ms (p95)")
        row("offer received → header, relevance, history painted", painted, "≤ 50 ms (p95)")
        for part in parts:
            row(f"  … {part} first painted", by_part[part], "—")
        row("  ranking + painting the relevance panel", paint_cost, "—")
        row("offer received → customer context refreshed", refreshed, "—")
        row("reply sent → confirmed by the backend (loopback)", confirmed, "≤ 30 ms (p95)")
        print(f"  tabs with a timeline at first paint (from the cache): {with_timeline}/{offers}")
        await harness.close()

    run_on_qasync(main)


# --- 3. GUI-thread stalls while 20 conversations get 10 messages/s each -------------------------------


def bench_stall(seconds: float, conversations: int = 20, rate: float = 10.0) -> None:
    print(
        f"\nGUI stall: {conversations} conversations × {rate:.0f} messages/s for {seconds:.0f} s "
        f"(10 ms heartbeat lateness, {os.cpu_count()} CPUs)"
    )

    async def main() -> None:
        import httpx

        harness = Harness(events_per_customer=50, max_chats=conversations)
        await harness.open()
        window = harness.window
        chats: list[dict[str, Any]] = []
        async with httpx.AsyncClient(base_url=harness.server.url, trust_env=False, timeout=10) as http:
            for i in range(conversations):
                _conv_id, chat = await open_chat(
                    harness, http, ("c-1", "c-2", "c-3")[i % 3], f"Hallo {i}", None
                )
                chats.append(chat)

        heartbeat = Heartbeat()

        async def measure(duration: float) -> list[float]:
            heartbeat.start()
            await asyncio.sleep(duration)
            return heartbeat.stop()

        idle = await measure(5.0)
        customers = Customers(harness.server.url, chats, rate, seconds)
        await asyncio.sleep(1.0)  # let the workers import and connect before measuring
        loaded = await measure(seconds)
        sent, refused = await customers.finish()
        expected = sent + conversations  # plus each chat's opening message

        def shown() -> int:
            return sum(v.transcript_model.rowCount() for v in window.views.values())

        deadline = time.monotonic() + 20
        while shown() < expected and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        row("heartbeat lateness, idle", idle, "—")
        row("heartbeat lateness under load", loaded, "≤ 50 ms (max)")
        over = sum(1 for v in loaded if v > 50)
        print(
            f"  longest stall under load: {max(loaded):.1f} ms; p99 {pct(loaded, 99):.1f} ms; "
            f"beats later than 50 ms: {over} of {len(loaded)}"
        )
        print(
            f"  messages sent {sent} ({sent / seconds:.0f}/s, {refused} refused), "
            f"shown in transcripts {shown() - conversations}"
        )
        await harness.close()

    run_on_qasync(main)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small counts, for a smoke run")
    parser.add_argument("--only", choices=["startup", "screenpop", "stall"])
    desk_harness.add_world_nice_option(parser)
    args = parser.parse_args()
    desk_harness.use_options(args)
    if args.only in (None, "startup"):
        bench_startup(5 if args.quick else 15)
    if args.only in (None, "screenpop"):
        bench_screen_pop(10 if args.quick else 50)
    if args.only in (None, "stall"):
        bench_stall(5 if args.quick else 30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
