"""Benchmark of the team lead's queue monitor: 50 queues and 200 agents updating at 1 Hz.

    .venv/bin/python tests/benchmarks/bench_queue_monitor.py              # 5 minutes
    .venv/bin/python tests/benchmarks/bench_queue_monitor.py --quick      # 60 s smoke run
    .venv/bin/python tests/benchmarks/bench_queue_monitor.py --seconds 120

The backend runs in its own process (a team lead's desktop talks to the shared backend) with 50
queues, 200 simulated agents on a compressed day (waves, bursts, breaks, abandons) and pushes
statistics every second. The desktop shows the monitor (1400×900, six queues charted, roster and
waiting list filled) and measures: GUI-thread stalls (10 ms heartbeat lateness), chart repaint
times (the chart view times its own paints), resident memory growth after a 20 s warm-up.
Prints medians and p95s; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.stats import pct, row  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

QUEUES = 50
AGENTS = 200
SKILLS = ("delivery", "payment", "return", "product", "checkout", "complaint", "device", "cancellation")


def routing_config(customer_ids: list[str]) -> dict[str, Any]:
    """50 queues by skill and language; customers spread over them by id (a filter per queue)."""
    queues, filters = [], []
    for i in range(QUEUES):
        queue_id = f"q{i + 1:02d}"
        language = "de" if i % 2 == 0 else "en"
        skill = SKILLS[i % len(SKILLS)]
        queues.append(
            {
                "id": queue_id,
                "name": f"{skill.capitalize()} {language.upper()} {i // len(SKILLS) + 1}",
                "target_workers": f"skills HAS '{skill}' OR languages HAS '{language}' AND level >= 3",
            }
        )
        mine = [c for n, c in enumerate(customer_ids) if n % QUEUES == i]
        filters.append(
            {
                "name": f"to {queue_id}",
                "expression": "customer.id IN [" + ", ".join(f"'{c}'" for c in mine) + "]",
                "steps": [{"queue": queue_id}],
            }
        )
    return {"queues": queues, "workflow": {"default_queue": "q01", "filters": filters}}


# --- the backend process --------------------------------------------------------------------------


def serve(data_dir: Path, day_seconds: float) -> None:
    from workstation.demo.day_simulator import DayConfig
    from workstation.demo.simulator import SimulatorConfig
    from workstation.server.backend import BackendConfig
    from workstation.server.runner import ServerOptions, ServerThread

    server = ServerThread(
        ServerOptions(
            data_dir=data_dir,
            backend=BackendConfig(offer_timeout_s=30),
            simulator=SimulatorConfig(chat_interval_s=0, seed=11),
            day=DayConfig(
                agents=AGENTS,
                customers=400,
                day_length_s=day_seconds,
                peak_chats_per_min=220,
                patience_median_s=60,
                handle_median_s=90,
                seed=11,
            ),
        )
    )
    server.start(timeout=120)
    backend = server.backend
    assert backend is not None
    ids = server.call(backend.list_customer_ids)
    server.call(lambda: backend.replace_routing_config(backend.service_principal(), routing_config(ids)))
    print(json.dumps({"url": server.url}), flush=True)
    try:
        sys.stdin.read()  # until the benchmark closes our stdin
    finally:
        server.stop()


# --- the desktop ----------------------------------------------------------------------------------


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def bench(seconds: float, warmup: float) -> None:
    import qasync
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    data = Path(tempfile.mkdtemp(prefix="bench-monitor-"))
    backend = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve",
            str(data / "backend"),
            "--day-seconds",
            str(max(600.0, seconds)),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert backend.stdout is not None
    url = json.loads(backend.stdout.readline())["url"]
    print(
        f"\nQueue monitor: {QUEUES} queues, {AGENTS} simulated agents, backend in its own process, "
        f"{seconds:.0f} s after {warmup:.0f} s warm-up ({os.cpu_count()} CPUs)"
    )

    app = QApplication.instance() or QApplication([])

    async def main() -> None:
        from workstation.boot.qt import install_qt_message_handler as _install_qt_message_handler
        from workstation.boot.wiring import attach, connect, settle_memory
        from workstation.paths import Paths
        from workstation.ui.main_window import MainWindow
        from workstation.ui.notifier import Notifier

        _install_qt_message_handler()
        paths = Paths.under(data / "desk").create()
        window = MainWindow(sound=False, popup=False)
        window.resize(1400, 900)
        window.show()

        async def login(session: Any) -> Any:
            return await session.login("lead", "demo", remember=False)

        ws = await connect(paths, url, login, secrets=None)
        attach(window, ws, Notifier(window, paths.cache, sound=False, popup=False))
        view = window.monitor_view
        monitor = ws.monitor
        assert monitor is not None
        while monitor.snapshot is None or len(monitor.snapshot.queues) != QUEUES:
            await asyncio.sleep(0.2)
        snap = monitor.snapshot
        view._select([q.queue_id for q in snap.queues[:6]])
        settle_memory()

        lateness: list[float] = []
        last = [time.perf_counter()]
        heartbeat = QTimer()
        heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
        heartbeat.setInterval(10)

        def beat() -> None:
            now = time.perf_counter()
            lateness.append(max(0.0, (now - last[0]) * 1000 - 10))
            last[0] = now

        heartbeat.timeout.connect(beat)
        gc_pauses: list[tuple[int, float]] = []
        gc_started = [0.0]

        def on_gc(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                gc_started[0] = time.perf_counter()
            else:
                gc_pauses.append((info["generation"], (time.perf_counter() - gc_started[0]) * 1000))

        import gc

        gc.callbacks.append(on_gc)
        await asyncio.sleep(warmup)
        gc_pauses.clear()
        canvas = view.charts.canvas
        canvas.paint_ms.clear()
        frames0, rss0 = monitor.frames, rss_mb()
        last[0] = time.perf_counter()
        profiler = None
        if os.environ.get("BENCH_PROFILE"):
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        heartbeat.start()
        started = time.perf_counter()
        samples = []
        while time.perf_counter() - started < seconds:
            await asyncio.sleep(5)
            samples.append(rss_mb())
        heartbeat.stop()
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        elapsed = time.perf_counter() - started
        frames, rss1 = monitor.frames - frames0, rss_mb()
        paints = list(canvas.paint_ms)
        snap = monitor.snapshot
        assert snap is not None
        print(
            f"  pushed updates received: {frames} in {elapsed:.0f} s ({frames / elapsed:.2f}/s); "
            f"stale at the end: {monitor.stale}; waiting now {snap.total.waiting}, "
            f"answered {snap.total.answered}, abandoned {snap.total.abandoned} (window)"
        )
        row("GUI-thread heartbeat lateness", lateness[1:], "≤ 50 ms (max)")
        print(f"  longest GUI-thread stall: {max(lateness[1:]):.1f} ms; p99 {pct(lateness[1:], 99):.1f} ms")
        worst_gc = max(gc_pauses, key=lambda p: p[1], default=(0, 0.0))
        print(
            f"  garbage collections: {len(gc_pauses)}, longest {worst_gc[1]:.1f} ms "
            f"(generation {worst_gc[0]}); stalls over 50 ms: {sum(1 for v in lateness[1:] if v > 50)}"
        )
        row("chart repaint (3 plots, 6 queues + stacked area)", paints, "≤ 16 ms (median)")
        print(
            f"  memory (RSS): {rss0:.1f} MB after warm-up → {rss1:.1f} MB at the end: "
            f"growth {rss1 - rss0:+.1f} MB (target ≤ 20 MB); peak {max(samples, default=rss1):.1f} MB"
        )
        await window.shutdown()
        await ws.close()
        window.close()

    try:
        qasync.run(main())
    finally:
        assert backend.stdin is not None
        backend.stdin.close()
        backend.wait(30)
        shutil.rmtree(data, ignore_errors=True)
    del app


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="60 s instead of 5 minutes")
    parser.add_argument("--seconds", type=float, help="measured seconds (default 300)")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--day-seconds", type=float, default=600.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.day_seconds)
        return 0
    seconds = args.seconds or (60.0 if args.quick else 300.0)
    bench(seconds, warmup=10.0 if args.quick else 20.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
