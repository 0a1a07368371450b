"""Background work yields the cores to the GUI thread.

On a desk with two cores the GUI thread shares them with the cache's writer and reader threads, the
ranking process, the embedded backend and whatever else the PC runs. When every core is busy, a GUI
thread woken by a timer or a socket waits in the run queue until the scheduler gives it a slice: on
the desk benchmark with 20 busy chats that wait was more than half of every GUI turn longer than a
frame (16 ms). Background threads and the ranking process therefore ask the scheduler for less
(a higher niceness), so that a runnable GUI thread gets a core first; when the cores are idle they
run exactly as fast as before. Niceness only ever goes up here, which needs no privilege.

Linux schedules threads one by one, and `setpriority(PRIO_PROCESS, thread id)` sets one thread's
niceness (setpriority(2), "a per-thread attribute" on Linux). Elsewhere the call would change the
whole process, GUI thread included, so threads are left alone there; a helper process is lowered on
every POSIX system (`os.nice`) and on Windows through its priority class at start (own_process.py).
"""

from __future__ import annotations

import logging
import os
import sys
import threading

log = logging.getLogger(__name__)

#: How much nicer than the GUI thread background work runs. CFS weighs a niceness of 5 at about a
#: third of 0: the background thread still gets its share of an otherwise idle core, but a waking
#: GUI thread preempts it rather than wait for its slice to end.
BACKGROUND_NICENESS = 5


def lower_this_thread() -> bool:
    """Make the calling thread background work (Linux only); True if its niceness was raised."""
    if not sys.platform.startswith("linux"):
        return False
    tid = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, tid)
        if current >= BACKGROUND_NICENESS:
            return False  # already at least as nice (the whole desk was started niced)
        os.setpriority(os.PRIO_PROCESS, tid, BACKGROUND_NICENESS)
    except OSError as exc:  # a sandbox that forbids it: the thread runs as before
        log.debug("thread %s keeps its priority: %s", tid, exc)
        return False
    return True


def lower_this_process() -> bool:
    """Make the whole calling process background work (a helper such as the ranking process)."""
    if not hasattr(os, "nice"):
        return False  # Windows: the priority class is set when the process is started
    try:
        current = os.nice(0)
        if current >= BACKGROUND_NICENESS:
            return False
        os.nice(BACKGROUND_NICENESS - current)
    except OSError as exc:
        log.debug("the process keeps its priority: %s", exc)
        return False
    return True
