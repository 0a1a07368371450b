"""The main window at first paint: shown before the event loop and before anything heavy is imported.

This module and what it imports (Qt widgets, `workstation.ui.main_window`, which defers its services
and views) are all that stands between the process start and the first paint: keep them light.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Signal

if TYPE_CHECKING:
    from pathlib import Path

    from workstation.config import EffectiveConfig
    from workstation.ui.main_window import MainWindow

log = logging.getLogger("workstation")


class FirstPaint(QObject):
    """Watches a window for its first paint, logs "window shown after N ms" (counted from `started`,
    the process's first line) and emits `painted(ms)` once.

    That log line is what the start-up benchmarks wait for; their bare-Qt comparison prints the same
    line at the same moment.
    """

    painted = Signal(float)

    def __init__(self, window: QObject, started: float) -> None:
        super().__init__(window)
        self._started = started
        self.shown_ms: float | None = None
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.shown_ms is None and event.type() == QEvent.Type.Paint:
            self.shown_ms = (time.perf_counter() - self._started) * 1000
            watched.removeEventFilter(self)
            log.info("window shown after %.0f ms", self.shown_ms)
            self.painted.emit(self.shown_ms)
        return False


def show_main_window(
    effective: EffectiveConfig, started: float, *, window_state: Path | None = None
) -> tuple[MainWindow, FirstPaint]:
    """The main window in its "connecting…" state, shown and (as far as the platform allows) painted;
    with `window_state`, its geometry, splitters and last tab as the user left them (QSettings file)."""
    from PySide6.QtWidgets import QApplication

    from workstation.ui.main_window import MainWindow

    config = effective.config
    window = MainWindow(sound=config.offer_sound, popup=config.offer_popup)
    window.connection_label.setText(QCoreApplication.translate("MainWindow", "Connecting…"))
    if window_state is not None:
        from workstation.ui import desk_habits

        desk_habits.use_file(window_state)
        desk_habits.restore_window(window)
    first_paint = FirstPaint(window, started)
    window.show()
    # Before the event loop runs: lets the platform deliver the expose and paint now, ahead of the
    # imports that follow (not a nested loop: no coroutine is running yet).
    QApplication.processEvents()
    return window, first_paint


class StallWatch(QObject):
    """A 10 ms heartbeat on the GUI thread: how late it came at worst is how long the window could not
    repaint or react (start-up reports it in the log: the loading after the first paint must not
    freeze the window)."""

    INTERVAL_MS = 10

    def __init__(self, parent: QObject | None = None) -> None:
        from PySide6.QtCore import QElapsedTimer, Qt, QTimer

        super().__init__(parent)
        self.longest_ms = 0.0
        self.beats = 0
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._last = 0

    def start(self) -> None:
        self._clock.start()
        self._last = 0
        self._timer.start()

    def stop(self) -> float:
        """Stops; returns the longest stall in ms (lateness beyond the interval)."""
        self._timer.stop()
        self._on_timer_timeout()
        return self.longest_ms

    def _on_timer_timeout(self) -> None:
        now = self._clock.elapsed()
        self.longest_ms = max(self.longest_ms, float(now - self._last - self.INTERVAL_MS))
        self._last = now
        self.beats += 1
