"""The push stream: a WebSocket to the backend's event log that reconnects and resumes by sequence."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import websockets
from pydantic import TypeAdapter, ValidationError
from websockets.asyncio.client import ClientConnection, connect

from workstation.domain.models import EventFrame, HelloFrame, ResetFrame, StreamFrame

log = logging.getLogger(__name__)

_FRAME = TypeAdapter(StreamFrame)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Jittered exponential backoff, so a restarted backend is not hit by every desktop at once."""

    initial: float = 0.5
    maximum: float = 15.0
    factor: float = 2.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        ceiling = min(self.maximum, self.initial * self.factor**attempt)
        return rng.uniform(ceiling / 2, ceiling)


class StreamHandler(Protocol):
    """What the stream reports to; the sync service implements it."""

    async def on_events(self, log_id: str, frames: list[EventFrame]) -> None: ...

    async def on_reset(self, log_id: str, head: int, reason: str) -> None: ...

    def on_connection(self, online: bool, detail: str) -> None: ...

    def position(self) -> tuple[str | None, int]: ...


class AuthRejected(Exception):
    """The backend closed the stream because the token is not (or no longer) valid."""


class EventStream:
    """Keeps one WebSocket open, delivers frames in batches, resumes from the handler's position."""

    def __init__(
        self,
        ws_url: str,
        token: Callable[[], str | None],
        handler: StreamHandler,
        *,
        backoff: Backoff | None = None,
        batch_window_s: float = 0.02,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._url = ws_url
        # wss:// only: websockets refuses a TLS context for a plain ws:// URL.
        self._tls = tls if ws_url.startswith("wss://") else None
        self._token = token
        self._handler = handler
        self._backoff = backoff or Backoff()
        self._batch_window = batch_window_s
        self._rng = rng or random.Random()
        self._sleep = sleep
        self._connection: ClientConnection | None = None
        self.skipped = 0

    async def run(self) -> None:
        """Connect, stream, reconnect forever (until cancelled or the token is refused)."""
        attempt = 0
        while True:
            try:
                await self._session()
                attempt = 0  # a clean close: reconnect promptly
                self._handler.on_connection(False, "the backend closed the stream")
            except AuthRejected as exc:
                self._handler.on_connection(False, str(exc))
                raise
            except (OSError, websockets.exceptions.WebSocketException, TimeoutError) as exc:
                self._handler.on_connection(False, f"{type(exc).__name__}: {exc}")
            await self._sleep(self._backoff.delay(attempt, self._rng))
            attempt += 1

    async def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()

    async def _session(self) -> None:
        log_id, seq = self._handler.position()
        url = f"{self._url}?after={seq}" + (f"&log_id={log_id}" if log_id else "")
        headers = {"Authorization": f"Bearer {self._token() or ''}"}
        try:
            connection = await connect(
                url, additional_headers=headers, proxy=None, open_timeout=10, max_size=2**22, ssl=self._tls
            )
        except websockets.exceptions.InvalidStatus as exc:
            if exc.response.status_code in (401, 403):
                raise AuthRejected("the backend refused the session token") from exc
            raise
        self._connection = connection
        try:
            current_log = await self._handshake(connection)
            self._handler.on_connection(True, "connected")
            await self._pump(connection, current_log)
        except websockets.exceptions.ConnectionClosed as exc:
            if exc.rcvd is not None and exc.rcvd.code in (4401, 4403):
                raise AuthRejected(exc.rcvd.reason or "the backend refused the session token") from exc
            if exc.rcvd is not None and exc.rcvd.code in (1000, 1001, 1012):
                return
            raise
        finally:
            self._connection = None
            with contextlib.suppress(Exception):
                await connection.close()

    async def _handshake(self, connection: ClientConnection) -> str:
        frame = self._parse(await connection.recv())
        if not isinstance(frame, HelloFrame):
            raise websockets.exceptions.InvalidMessage("the stream did not start with a hello frame")
        return frame.log_id

    async def _pump(self, connection: ClientConnection, log_id: str) -> None:
        batch: list[EventFrame] = []
        while True:
            raw = await connection.recv()
            frame = self._parse(raw)
            if frame is None:
                continue
            if isinstance(frame, ResetFrame):
                await self._handler.on_reset(frame.log_id, frame.head, frame.reason)
                log_id = frame.log_id
                continue
            if isinstance(frame, HelloFrame):
                continue
            batch.append(frame)
            # Collect what arrives within a short window so the cache commits once per burst.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._batch_window):
                    while len(batch) < 500:
                        more = self._parse(await connection.recv())
                        if isinstance(more, EventFrame):
                            batch.append(more)
                        elif isinstance(more, ResetFrame):
                            await self._handler.on_events(log_id, batch)
                            batch = []
                            await self._handler.on_reset(more.log_id, more.head, more.reason)
                            log_id = more.log_id
            if batch:
                await self._handler.on_events(log_id, batch)
                batch = []

    def _parse(self, raw: str | bytes) -> EventFrame | HelloFrame | ResetFrame | None:
        try:
            return _FRAME.validate_json(raw)
        except ValidationError as exc:
            # A malformed frame is logged and skipped; the stream and the app keep running.
            self.skipped += 1
            preview = raw[:200] if isinstance(raw, str) else repr(raw[:200])
            log.warning("skipped a malformed stream frame (%d problems): %s", exc.error_count(), preview)
            return None
        except (ValueError, json.JSONDecodeError):
            self.skipped += 1
            log.warning("skipped a stream frame that is not JSON")
            return None
