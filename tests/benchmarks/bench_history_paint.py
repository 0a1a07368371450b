"""The history's fast scroll in GUI-thread CPU time (not wall time, which a loaded machine blurs).

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. .venv/bin/python tests/benchmarks/bench_history_paint.py [events]

A real SQLite cache with `events` events (default 10,000), the history panel offscreen, three
scrolls from top to bottom dragging the scroll bar to the end; per turn: the paint, and the whole
turn (scroll bar, paint, queued page append and layout)."""

from __future__ import annotations

import statistics
import sys
import time


def main() -> None:
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from tests.ui.test_history import CacheSource, _many
    from workstation.domain.models import utcnow
    from workstation.store.cache import CacheStore, open_engine
    from workstation.ui.history_panel import HistoryPanel

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    store = CacheStore(open_engine(":memory:"))
    store.apply(events=_many(n, utcnow()))
    figures: dict[str, list[float]] = {"turn": [], "paint": []}
    for _ in range(3):
        panel = HistoryPanel()
        panel.resize(700, 500)
        panel.show()
        panel.bind(CacheSource(store), "c-1")
        app.processEvents()
        bar = panel.view.verticalScrollBar()
        while not panel.model.complete() or bar.value() < bar.maximum():
            t0 = time.thread_time()
            bar.setValue(bar.maximum())
            t1 = time.thread_time()
            panel.view.viewport().repaint()
            t2 = time.thread_time()
            app.processEvents()
            figures["turn"].append((time.thread_time() - t0) * 1000)
            figures["paint"].append((t2 - t1) * 1000)
        panel.deleteLater()
        app.processEvents()
    for name, values in figures.items():
        ordered = sorted(values)
        p95 = ordered[int(len(ordered) * 0.95)]
        print(
            f"{name:<6} n={len(values)} CPU ms: median {statistics.median(values):.1f}"
            f" p95 {p95:.1f} max {ordered[-1]:.1f}"
        )


if __name__ == "__main__":
    main()
