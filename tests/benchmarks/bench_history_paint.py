"""The history's fast scroll, per turn of the GUI thread: its CPU time and its wall time.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. .venv/bin/python tests/benchmarks/bench_history_paint.py \
        [events] [--runs N] [--scrolls S]

A real SQLite cache with `events` events (default 10,000), the history panel offscreen, under the
desktop's garbage-collection regime (workstation/app.py: collection on the GUI thread's timer,
survivors of full collections frozen; start-up frozen once set up, as after sign-in). Each run is a
fresh process (imports, fonts and caches cold as in a new desktop): S scrolls from top to bottom,
dragging the scroll bar to the end again and again while pages are appended. Per turn (scroll bar,
paint, the queued page append and layout): the GUI thread's CPU time (time.thread_time, what this
code costs, less blurred by a loaded machine) and the wall time (what the agent waits for), and the
paint alone in CPU time. Prints median, p95 and max per run and over all runs. Measures, asserts
nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.benchmarks.stats import row  # noqa: E402

FIGURES = {
    "cpu_turn": ("GUI-thread CPU per turn", "≤ 16 ms"),
    "wall_turn": ("wall time per turn", "≤ 16 ms"),
    "cpu_paint": ("GUI-thread CPU per paint", ""),
}


def measure(n: int, scrolls: int) -> dict[str, list[float]]:
    """One run's turns (this process)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from tests.ui.test_history import CacheSource, _many
    from workstation.boot.wiring import settle_memory
    from workstation.domain.models import utcnow
    from workstation.store.cache import CacheStore, open_engine
    from workstation.ui.collector import GuiThreadCollector
    from workstation.ui.history_panel import HistoryPanel

    collector = GuiThreadCollector(app, freeze_survivors=True)
    store = CacheStore(open_engine(":memory:"))
    store.apply(events=_many(n, utcnow()))
    settle_memory()
    figures: dict[str, list[float]] = {name: [] for name in FIGURES}
    for _ in range(scrolls):
        panel = HistoryPanel()
        panel.resize(700, 500)
        panel.show()
        panel.bind(CacheSource(store), "c-1")
        app.processEvents()
        bar = panel.view.verticalScrollBar()
        while not panel.model.complete() or bar.value() < bar.maximum():
            w0, t0 = time.perf_counter(), time.thread_time()
            bar.setValue(bar.maximum())
            t1 = time.thread_time()
            panel.view.viewport().repaint()
            t2 = time.thread_time()
            app.processEvents()
            figures["cpu_turn"].append((time.thread_time() - t0) * 1000)
            figures["wall_turn"].append((time.perf_counter() - w0) * 1000)
            figures["cpu_paint"].append((t2 - t1) * 1000)
        panel.deleteLater()
        app.processEvents()
    collector.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("events", nargs="?", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1, help="fresh processes, one after the other")
    parser.add_argument("--scrolls", type=int, default=3, help="scrolls top → bottom per run")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.events, args.scrolls)))
        return
    print(f"History fast scroll, {args.events:,} events, {args.runs} run(s) of {args.scrolls} scrolls")
    every: dict[str, list[float]] = {name: [] for name in FIGURES}
    for run in range(args.runs):
        out = subprocess.run(
            [sys.executable, __file__, str(args.events), "--scrolls", str(args.scrolls), "--child"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        figures = json.loads(out.strip().splitlines()[-1])
        print(f" run {run + 1}, load average {os.getloadavg()[0]:.1f}:")
        for name, (label, target) in FIGURES.items():
            row(label, figures[name], target)
            every[name] += figures[name]
    if args.runs > 1:
        print(" all runs:")
        for name, (label, target) in FIGURES.items():
            row(label, every[name], target)


if __name__ == "__main__":
    main()
