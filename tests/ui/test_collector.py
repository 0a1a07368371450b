"""Garbage that holds Qt objects is freed on the GUI thread, whichever thread allocates."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from workstation.ui.collector import FROZEN_FULL_AFTER, GuiThreadCollector


class _Holder:
    def __init__(self) -> None:
        self.qt_object = QObject()
        self.me = self  # a cycle: only the cyclic collector can free it (and its Qt object)


def _cycle_holding_a_qt_object(freed_in: list[int]) -> None:
    weakref.finalize(_Holder(), lambda: freed_in.append(threading.get_ident()))


def _allocate_in_a_thread() -> None:
    def churn() -> None:
        for _ in range(200):
            junk = [[] for _ in range(1000)]
            junk.append(junk)  # cycles: counted by the collector, crossing its thresholds

    worker = threading.Thread(target=churn)
    worker.start()
    worker.join()


def test_without_it_a_thread_that_allocates_frees_the_gui_threads_objects(qapp: QApplication) -> None:
    """The hazard itself: Python collects in whichever thread crosses the threshold."""
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        freed_in: list[int] = []
        gc.collect()
        _cycle_holding_a_qt_object(freed_in)
        _allocate_in_a_thread()
        assert freed_in and freed_in[0] != threading.get_ident()
    finally:
        if not was_enabled:
            gc.disable()


def test_with_it_the_gui_thread_frees_them_on_its_timer(qapp: QApplication, qtbot: QtBot) -> None:
    collector = GuiThreadCollector(interval_ms=20)
    try:
        assert not gc.isenabled()
        freed_in: list[int] = []
        _cycle_holding_a_qt_object(freed_in)
        _allocate_in_a_thread()
        assert freed_in == []  # nothing was collected in the worker
        qtbot.waitUntil(lambda: bool(freed_in), timeout=5000)
        # Freed by a timer on the GUI thread. Whose timer is not the point: in a whole run the GUI
        # tests' session loop keeps a collector of its own (tests/helpers/desk.py), which may get there
        # first, so this one's own count is not asserted.
        assert freed_in == [threading.get_ident()]
    finally:
        collector.stop()


def _frozen_cycle(freed: list[bool]) -> None:
    holder = _Holder()
    weakref.finalize(holder, lambda: freed.append(True))


def test_survivors_of_a_full_collection_are_frozen_and_a_deep_collection_frees_their_cycles(
    qapp: QApplication, qtbot: QtBot
) -> None:
    """The desktop's setting: full collections only walk what is new; a cycle that became garbage
    after it was frozen waits for the deep collection, which frees it (on the GUI thread)."""
    collector = GuiThreadCollector(interval_ms=20, freeze_survivors=True, deep_due_s=3600, deep_after_s=3600)
    try:
        freed: list[bool] = []
        gc.collect()
        _frozen_cycle(freed)  # garbage already, but only the cyclic collector can see it
        gc.freeze()  # as if it had survived a full collection while still in use
        full_collections = gc.get_stats()[2]["collections"]
        # Due full collections: everything counted past every threshold.
        collector.threshold = (0, 0, 0)
        survivor: list[object] = []
        survivor.append(survivor)  # in use, cyclic: tracked until it survives a full collection
        kept: list[object] = []
        for _ in range(10):  # checks the timer would make; allocations keep every generation due
            kept.append([[] for _ in range(50)])
            collector.check()
            if gc.get_stats()[2]["collections"] > full_collections:
                break
        # A full collection ran and froze its survivors. (Not judged by gc.get_freeze_count(): with the
        # whole test session's heap frozen above, frozen objects that refcounting frees meanwhile can
        # outnumber the few survivors frozen here.)
        assert gc.get_stats()[2]["collections"] > full_collections
        assert not any(o is survivor for o in gc.get_objects())  # frozen objects are not listed
        assert freed == []  # frozen: out of the full collections' way
        collector.deep_after_s = 0  # the deep collection is due now
        collector.check()
        assert collector.deep_collections == 1
        assert freed == [True]
    finally:
        collector.stop()
        gc.unfreeze()


def test_with_survivors_frozen_full_collections_come_after_few_middle_ones(qapp: QApplication) -> None:
    """Each full collection walks what survived since the last one: run often, each stays short."""
    collector = GuiThreadCollector(
        interval_ms=60_000, freeze_survivors=True, deep_due_s=3600, deep_after_s=3600
    )
    try:
        # Every check finds the young and middle generations due (the full one keeps its own limit).
        collector.threshold = (0, 0, collector.threshold[2])
        middle_since_full: list[int] = []
        middle = 0
        kept: list[object] = []
        for _ in range(24):  # young, middle, young, middle, ... full
            kept.append([[] for _ in range(20)])
            before = gc.get_stats()
            collector.check()
            after = gc.get_stats()
            if after[2]["collections"] > before[2]["collections"]:
                middle_since_full.append(middle)
                middle = 0
            elif after[1]["collections"] > before[1]["collections"]:
                middle += 1
        assert len(middle_since_full) >= 3
        assert max(middle_since_full) <= FROZEN_FULL_AFTER + 1 < 10  # not Python's ten
    finally:
        collector.stop()
        gc.unfreeze()


def test_without_freezing_nothing_is_frozen(qapp: QApplication) -> None:
    gc.unfreeze()
    collector = GuiThreadCollector(interval_ms=20)
    try:
        collector.threshold = (0, 0, 0)
        junk: list[object] = [[] for _ in range(100)]
        junk.append(junk)
        del junk
        collector.check()
        assert collector.collections == 1
        assert gc.get_freeze_count() == 0
    finally:
        collector.stop()
