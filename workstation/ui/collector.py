"""Python's cyclic garbage collection, run on the GUI thread only.

Automatic collection runs in whichever thread happens to allocate when a threshold is crossed: the
embedded backend's, an executor's. A Qt object that was part of a reference cycle (a closed
window's models and timers, a finished service) is then destroyed in that thread. Qt cannot stop
its timers from there, and fires them later at the freed object: the desktop crashed in
QTimerInfoList::activateTimers, in the middle of the test suite, this way.

So automatic collection is switched off, and a timer on the GUI thread collects what the thresholds
say is due, generation by generation, as pyqtgraph's GarbageCollector does.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


def collect_due(threshold: tuple[int, int, int] | None = None) -> bool:
    """Collect the generations whose allocation counts passed their thresholds (as Python would
    have, automatically); True if it collected."""
    limits = threshold or gc.get_threshold()
    first, second, third = gc.get_count()
    if first <= limits[0]:
        return False
    generation = 0
    if second > limits[1]:
        generation = 2 if third > limits[2] else 1
    gc.collect(generation)
    return True


class GuiThreadCollector(QObject):
    """While it exists, garbage cycles are collected on the thread it lives in, every `interval_ms`."""

    def __init__(self, parent: QObject | None = None, *, interval_ms: int = 500) -> None:
        super().__init__(parent)
        self.threshold: tuple[int, int, int] = gc.get_threshold()
        self.collections = 0
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(interval_ms)

    def check(self) -> None:
        if collect_due(self.threshold):
            self.collections += 1

    def stop(self) -> None:
        """Hand collection back to Python (at shutdown, once the Qt objects are gone)."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
