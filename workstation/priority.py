"""A helper process's work yields the cores to the desk's GUI thread.

On a desk with two cores the GUI thread shares them with the ranking process, the embedded backend
and whatever else the PC runs. When every core is busy, a GUI thread woken by a timer or a socket
waits in the run queue until the scheduler gives it a slice: in the stall benchmark with 20 busy
chats that wait was most of every GUI turn longer than a frame (16 ms). A helper whose answers can
wait a few milliseconds (the ranking process) therefore asks the scheduler for less (a higher
niceness), so that a runnable GUI thread gets a core first; on idle cores it runs as fast as before.
Niceness only ever goes up here, which needs no privilege.

Not the desk's own threads (the cache's writer and reader): they share the interpreter lock with the
GUI thread, and a niced thread preempted while it holds the lock makes the GUI thread wait for it.
Measured both ways (bench_desk_core.py --only stall, 3 pairs alternated, load 2-4): with those threads
at niceness 5 the GUI thread spent 281-583 ms of its long turns blocked beyond a heartbeat interval,
against 25-150 ms without, and the longest stall was no shorter.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)

#: How much nicer than the desk a helper process runs. CFS weighs a niceness of 5 at about a third
#: of 0: the helper still gets its share of an otherwise idle core, but a waking GUI thread preempts
#: it rather than wait for its slice to end.
BACKGROUND_NICENESS = 5


def lower_this_process() -> bool:
    """Make the calling process background work; True if its niceness was raised. POSIX only:
    on Windows the priority class is set when the process is started (own_process.py)."""
    if not hasattr(os, "nice"):
        return False
    try:
        current = os.nice(0)
        if current >= BACKGROUND_NICENESS:
            return False  # already at least as nice (the whole desk was started niced)
        os.nice(BACKGROUND_NICENESS - current)
    except OSError as exc:  # a sandbox that forbids it: the process runs as before
        log.debug("the process keeps its priority: %s", exc)
        return False
    return True
