"""Python's cyclic garbage collection, run on the GUI thread only, and kept short.

Automatic collection runs in whichever thread happens to allocate when a threshold is crossed: the
embedded backend's, an executor's. A Qt object that was part of a reference cycle (a closed
window's models and timers, a finished service) is then destroyed in that thread. Qt cannot stop
its timers from there, and fires them later at the freed object: the desktop crashed in
QTimerInfoList::activateTimers, in the middle of the test suite, this way.

So automatic collection is switched off, and a timer on the GUI thread collects what the thresholds
say is due, generation by generation, as pyqtgraph's GarbageCollector does.

A full (generation 2) collection walks every object the process tracks, and the GUI thread stands
still meanwhile: with the embedded backend in the same process that was a 100-210 ms stall in the
middle of a fast scroll through a 100,000-event history (tests/benchmarks/bench_timeline.py). With
`freeze_survivors` (the desktop's setting), what survives a full collection is moved out of the
collector's way (`gc.freeze()`): long-lived objects are walked once, not at every full collection,
and each full collection only looks at what was made since the last one. A cycle among frozen
objects that becomes garbage later is then not freed at once; a *deep* collection (unfreeze, collect
everything, freeze again) frees it, run when the desk is not the active application (the agent works
in another window, the screen is locked) and at the latest after `deep_after_s`.
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication

#: With survivors frozen, a full collection once more than this many middle (generation 1) ones
#: ran since the last (Python's own threshold: 10). A full collection then walks only what survived
#: since the last one: with 20 busy chats, ten middle collections' survivors took 22-30 ms of the
#: GUI thread's CPU (longer than a frame); two take 4-12 ms (bench_desk_core.py --only stall). What
#: survives is frozen a little younger, so a cycle that turns into garbage later waits for the deep
#: collection a little more often (memory with 20 chats measured the same, --only memory).
FROZEN_FULL_AFTER = 1
#: How often the GUI thread collects what is due. Between two turns the young generation only grows
#: (nothing collects it automatically), and a collection walks all of it: at 500 ms a fast scroll
#: through a long history piled up enough for 30 ms collections; short turns keep each one small.
COLLECT_EVERY_MS = 50
#: A deep collection is due this long after the last one; it waits for the desk to be inactive...
DEEP_DUE_S = 10 * 60.0
#: ...but not longer than this (a desk that is always in front still gets its cycles freed).
DEEP_AFTER_S = 60 * 60.0


def collect_due(threshold: tuple[int, int, int] | None = None) -> int | None:
    """Collect the generations whose allocation counts passed their thresholds (as Python would
    have, automatically); the generation collected, or None."""
    limits = threshold or gc.get_threshold()
    first, second, third = gc.get_count()
    if first <= limits[0]:
        return None
    generation = 0
    if second > limits[1]:
        generation = 2 if third > limits[2] else 1
    gc.collect(generation)
    return generation


def deep_collect() -> int:
    """Everything collected, frozen objects included; the survivors frozen again. Returns what was
    freed (unreachable objects found)."""
    gc.unfreeze()
    freed = gc.collect()
    gc.freeze()
    return freed


class GuiThreadCollector(QObject):
    """While it exists, garbage cycles are collected on the thread it lives in, every `interval_ms`."""

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        interval_ms: int = COLLECT_EVERY_MS,
        freeze_survivors: bool = False,
        deep_due_s: float = DEEP_DUE_S,
        deep_after_s: float = DEEP_AFTER_S,
    ) -> None:
        super().__init__(parent)
        young, middle, full = gc.get_threshold()
        self.threshold = (young, middle, FROZEN_FULL_AFTER if freeze_survivors else full)
        self.collections = 0
        self.deep_collections = 0
        self.freeze_survivors = freeze_survivors
        self.deep_due_s = deep_due_s
        self.deep_after_s = deep_after_s
        self._last_deep = time.monotonic()
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(interval_ms)

    def check(self) -> None:
        generation = collect_due(self.threshold)
        if generation is not None:
            self.collections += 1
        if not self.freeze_survivors:
            return
        if generation == 2:
            gc.freeze()
        if self._deep_due():
            deep_collect()
            self.deep_collections += 1
            self._last_deep = time.monotonic()

    def _deep_due(self) -> bool:
        since = time.monotonic() - self._last_deep
        if since >= self.deep_after_s:
            return True
        return since >= self.deep_due_s and not _desk_in_front()

    def stop(self) -> None:
        """Hand collection back to Python (at shutdown, once the Qt objects are gone)."""
        self._timer.stop()
        if self.freeze_survivors:
            gc.unfreeze()
        gc.collect()
        if self._was_enabled:
            gc.enable()


def _desk_in_front() -> bool:
    """Whether the agent is looking at the desk (a deep collection's pause would be felt)."""
    return QGuiApplication.applicationState() == Qt.ApplicationState.ApplicationActive
