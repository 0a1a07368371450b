"""Reads that run off the event loop: SQL, model building and JSON on a few worker threads.

A request handler's synchronous SQLAlchemy work runs on the server's one event loop unless moved:
a page of 1000 timeline events held every push stream for hundreds of milliseconds
(tests/benchmarks/bench_login_flood.py, section 3). Only pure reads move here, several at a time;
writes go to the one writer thread instead (writer_thread.py), which keeps them in order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from fastapi.responses import Response
from pydantic import BaseModel

#: Threads for heavy reads. Few on purpose: each holds the GIL while it builds models, so many of
#: them would starve the event loop as surely as running on it; more readers wait their turn.
READER_THREADS = 2

T = TypeVar("T")


class ReaderThreads:
    """Runs a read and renders its model as JSON on one of `threads` worker threads."""

    def __init__(self, threads: int = READER_THREADS) -> None:
        self._threads = threads
        self._limiter: anyio.CapacityLimiter | None = None

    async def json(self, read: Callable[[], Readable]) -> Response:
        """The model (or list of models, or plain JSON object) `read` returns, as a JSON response;
        its errors (BackendError) propagate."""
        body = await self.run(lambda: _render(read()))
        return Response(content=body, media_type="application/json")

    async def run(self, read: Callable[[], T]) -> T:
        """`read`'s result, computed on one of the threads (the queue monitor's statistics pass);
        its errors propagate."""
        if self._limiter is None:  # made on the server's loop, where it is used
            self._limiter = anyio.CapacityLimiter(self._threads)
        return await anyio.to_thread.run_sync(read, limiter=self._limiter)


#: What a read may return: models, or JSON objects built of plain values (some backend reads).
Readable = BaseModel | dict[str, Any] | Sequence[BaseModel | dict[str, Any]]


def _render(value: Readable) -> bytes:
    if isinstance(value, BaseModel):
        return value.model_dump_json().encode()
    if isinstance(value, dict):
        # As FastAPI's JSONResponse renders it.
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    return b"[" + b",".join(_render(item) for item in value) + b"]"
