"""The cache's single writer: one thread runs every write job, in the order they were submitted.

SQLite takes one writer at a time, and a commit with `synchronous=FULL` waits for the disk (an fsync
of the WAL), which on the GUI thread froze the window for as long. Every write (and the migration at
open) therefore runs here, off the GUI thread; reads may stay where they are (WAL gives each reader a
consistent snapshot while a write is under way). Jobs form a FIFO queue, so writes commit in the
order the services submitted them (the outbox sends in that order), and `close()` runs what is queued
before it returns. No Qt here: results come back as `concurrent.futures.Future`s, which the services
await on their event loop (`run`, or `asyncio.wrap_future`).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
#: A job: its future, the callable and its arguments.
_Job = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class WriterClosed(RuntimeError):
    """A write was submitted after the cache was closed: it was not stored."""


class CacheWriter:
    """A thread that runs write jobs one after the other, first in first out."""

    def __init__(self, name: str = "cache-writer") -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    @property
    def thread_id(self) -> int | None:
        """The writer thread's `threading.get_ident()`."""
        return self._thread.ident

    def on_writer_thread(self) -> bool:
        return threading.get_ident() == self._thread.ident

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        """Queue `fn(*args, **kwargs)` behind every job submitted before it."""
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise WriterClosed("the cache is closed; the write was not stored")
            if self.on_writer_thread():
                # A job queueing another one would wait for itself: run it in place (same thread, same order).
                future.set_result(fn(*args, **kwargs))
                return future
            self._jobs.put((future, fn, args, kwargs))
        return future

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Submit a job and wait for its result on the running event loop (never blocking it)."""
        return await asyncio.wrap_future(self.submit(fn, *args, **kwargs))

    def barrier(self) -> Future[None]:
        """A future done once every job submitted before it ran (read-your-writes for a reader)."""
        return self.submit(_nothing)

    def close(self, timeout: float | None = None) -> None:
        """Run every job already queued, then stop the thread (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._jobs.put(None)
        if not self.on_writer_thread():
            self._thread.join(timeout)

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, fn, args, kwargs = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # handed to whoever awaits the job; the writer carries on
                future.set_exception(exc)
            else:
                future.set_result(result)


def _nothing() -> None:
    return None
