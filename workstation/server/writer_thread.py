"""The backend's writer thread: state changes run off the event loop, one at a time, in arrival order.

A state-changing request's synchronous SQLAlchemy work used to run on the server's one event loop,
stalling every push stream while it ran (CONVENTIONS.md, known pitfalls). It cannot simply go to a
pool of threads: the backend keeps routing state in memory (the re-offer cooldowns and task moves
of backend/base.py, the compiled router), written by the same operations, and on SQLite two
writers in one process would fail each other's transactions (a deferred transaction that read
before another's commit cannot write: SQLITE_BUSY_SNAPSHOT, which no busy timeout retries). So:

- one thread runs the writes and the router's passes, in the order they were asked for;
- it runs the agents' and team leads' REST writes and logout, the customer chat's (opening,
  messages, leaving), cobrowse transitions and voice's call writes, the connectors' sync steps
  (a page imported, a write-back recorded, a conflict decided), the chat channels' (Chatwoot's
  incoming pages and reply records, TaskRouter's tasks, offers and answers) and the demo world's
  (simulated customers and days, the shop's chat). A loop that talks to an upstream submits each
  of its database steps (one transaction, or a read and the write it decides) as one `run`, and
  awaits the upstream between steps: nothing of another writer runs inside a step;
- `Backend.state_lock` (an RLock) is held by that thread for each whole operation and by every
  unit of work wherever it runs (start-up seeding, command-line tools, tests calling the backend
  directly), so even those never interleave with an operation inside a transaction;
- what must happen on the loop (pushing frames to stream queues, waking the router, listeners
  that start tasks) is handed back to it by `LoopHandoff`, in commit order.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class LoopHandoff:
    """Runs callbacks on the server's event loop, whichever thread asks: asyncio queues, events and
    tasks may only be touched from their loop. Unbound (no loop yet, or a backend used without a
    server, as unit tests do) or on the loop's own thread, it calls at once, as before."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Called on `loop`'s thread: that loop is where handed-off callbacks run from now on."""
        self._loop, self._thread = loop, threading.get_ident()

    def on_loop(self) -> bool:
        loop = self._loop
        return loop is None or loop.is_closed() or threading.get_ident() == self._thread

    def call(self, callback: Callable[..., object], *args: Any) -> None:
        if self.on_loop():
            callback(*args)
            return
        assert self._loop is not None
        try:
            self._loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # the loop closed meanwhile: nobody is left to receive it
            callback(*args)


class WriterClosed(RuntimeError):
    """No more writes: the process is shutting down (a server still running at interpreter exit)."""


class WriterThread:
    """One worker thread for the backend's state changes; `run` awaits one of them."""

    def __init__(self, lock: threading.RLock, handoff: LoopHandoff) -> None:
        self._lock = lock
        self._handoff = handoff
        self._executor: ThreadPoolExecutor | None = None

    async def run(self, work: Callable[[], T]) -> T:
        """Run `work` on the writer thread holding the state lock; its errors propagate here.

        Cancelled before it started, `work` never runs. A write already started cannot be stopped:
        the caller waits for it to end before the cancellation goes on, so that whoever cancelled
        knows it is over (the router gives up its lock only after its last pass). Its answer is
        lost, as a reply the client never received; idempotency keys make a retry safe."""
        loop = asyncio.get_running_loop()
        self._handoff.bind(loop)
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="backend-writer")
        try:
            job = self._executor.submit(self._locked, work)
        except RuntimeError as exc:  # the interpreter is exiting: ThreadPoolExecutor takes no more work
            raise WriterClosed("The backend is shutting down.") from exc
        done = asyncio.wrap_future(job)
        try:
            return await asyncio.shield(done)
        except asyncio.CancelledError:
            if not job.cancel():
                with contextlib.suppress(Exception):
                    await done
            raise

    def _locked(self, work: Callable[[], T]) -> T:
        with self._lock:
            return work()

    def close(self) -> None:
        """Let the write under way finish, then stop the thread (a later `run` starts a new one)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            with contextlib.suppress(RuntimeError):
                executor.shutdown(wait=True)
