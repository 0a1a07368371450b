"""The main window at first paint: shown before the event loop and before anything heavy is imported.

This module and what it imports (Qt widgets, `workstation.ui.main_window`, which defers its services
and views) are all that stands between the process start and the first paint: keep them light.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Signal

if TYPE_CHECKING:
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


def show_main_window(effective: EffectiveConfig, started: float) -> tuple[MainWindow, FirstPaint]:
    """The main window in its "connecting…" state, shown and (as far as the platform allows) painted."""
    from PySide6.QtWidgets import QApplication

    from workstation.ui.main_window import MainWindow

    config = effective.config
    window = MainWindow(sound=config.offer_sound, popup=config.offer_popup)
    window.connection_label.setText(window.tr("Connecting…"))
    first_paint = FirstPaint(window, started)
    window.show()
    # Before the event loop runs: lets the platform deliver the expose and paint now, ahead of the
    # imports that follow (not a nested loop: no coroutine is running yet).
    QApplication.processEvents()
    return window, first_paint
