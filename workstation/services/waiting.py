"""Awaiting a Qt signal from a coroutine (the qasync loop runs both)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import SignalInstance


async def next_emission(
    signal: SignalInstance, predicate: Callable[..., bool] | None = None, *, timeout: float = 10.0
) -> tuple[Any, ...]:
    """The arguments of the next emission of `signal` (for which `predicate` holds)."""
    future: asyncio.Future[tuple[Any, ...]] = asyncio.get_event_loop().create_future()

    def slot(*args: Any) -> None:
        if not future.done() and (predicate is None or predicate(*args)):
            future.set_result(args)

    signal.connect(slot)
    try:
        return await asyncio.wait_for(future, timeout)
    finally:
        signal.disconnect(slot)
