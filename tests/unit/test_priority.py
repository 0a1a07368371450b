"""Background work asks the scheduler for less than the GUI thread (workstation/priority.py)."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from workstation.priority import BACKGROUND_NICENESS, lower_this_thread
from workstation.store.writer import CacheWriter

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")


def _niceness_of(native_id: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, native_id)


def test_a_lowered_thread_is_nicer_and_the_caller_is_not() -> None:
    caller = threading.get_native_id()
    before = _niceness_of(caller)
    seen: list[tuple[bool, int]] = []

    def background() -> None:
        seen.append((lower_this_thread(), _niceness_of(threading.get_native_id())))

    worker = threading.Thread(target=background)
    worker.start()
    worker.join(10)
    lowered, niceness = seen[0]
    assert niceness == max(before, BACKGROUND_NICENESS)
    assert lowered == (before < BACKGROUND_NICENESS)
    assert _niceness_of(caller) == before  # the GUI thread keeps its share


def test_the_cache_writer_runs_as_background_work() -> None:
    writer = CacheWriter()
    try:
        niceness = writer.submit(lambda: _niceness_of(threading.get_native_id())).result(10)
    finally:
        writer.close()
    assert niceness >= BACKGROUND_NICENESS
