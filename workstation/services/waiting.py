"""Awaiting a Qt signal from a coroutine (the qasync loop runs both)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import SignalInstance


def next_emission(
    signal: SignalInstance, predicate: Callable[..., bool] | None = None, *, timeout: float = 10.0
) -> Coroutine[Any, Any, tuple[Any, ...]]:
    """The arguments of the next emission of `signal` (for which `predicate` holds).

    The slot is connected *now*, not when the result is first awaited, so an emission that happens
    between setting up the wait and awaiting it is not lost.
    """
    future: asyncio.Future[tuple[Any, ...]] = asyncio.get_event_loop().create_future()

    def slot(*args: Any) -> None:
        if not future.done() and (predicate is None or predicate(*args)):
            future.set_result(args)

    signal.connect(slot)

    async def wait() -> tuple[Any, ...]:
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            signal.disconnect(slot)

    return wait()
