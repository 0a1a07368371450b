"""Garbage that holds Qt objects is freed on the GUI thread, whichever thread allocates."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from workstation.ui.collector import GuiThreadCollector


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
        assert freed_in == [threading.get_ident()]
        assert collector.collections >= 1
    finally:
        collector.stop()
