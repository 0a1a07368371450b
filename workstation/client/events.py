"""The push stream: a WebSocket to the backend's event log that reconnects and resumes by sequence."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import re
import ssl
from collections.abc import Awaitable, Callable
from typing import Protocol

import websockets
from pydantic import TypeAdapter, ValidationError
from websockets.asyncio.client import ClientConnection

from workstation.client.ws import (
    CLEAN_CLOSE_CODES,
    MESSAGE_TOO_BIG,
    AuthRejected,
    Backoff,
    WsClient,
    raise_if_auth,
)
from workstation.domain.models import EventFrame, HelloFrame, ResetFrame, SkippedFrame, StreamFrame, utcnow

__all__ = ["AuthRejected", "Backoff", "EventStream", "StreamHandler"]

log = logging.getLogger(__name__)

_FRAME = TypeAdapter(StreamFrame)

#: The agent stream's path on the backend.
STREAM_PATH = "/api/v1/stream"
#: The largest frame this client takes; a larger one closes the connection with 1009.
MAX_FRAME_BYTES = 4 * 2**20
#: What we ask the server to stay under (`max_frame`): the limit less room for the frame's envelope.
FRAME_MARGIN_BYTES = 16 * 2**10
#: After a 1009 close the next request asks for this fraction of the last one, down to the floor.
TOO_BIG_SHRINK = 2
MIN_MAX_FRAME_BYTES = 64 * 2**10
#: Consecutive 1009 closes at one position after which the stream stops asking: a server that ignores
#: `max_frame` (older than the SkippedFrame contract) would otherwise resend that frame forever.
TOO_BIG_GIVE_UP = 3
#: Then one connection takes frames up to this size, only to learn the oversized frame's seq and type
#: (from its first bytes; it is never parsed or applied) and skip exactly that event.
PROBE_MAX_FRAME_BYTES = 64 * 2**20
#: Where the seq and type of an event frame are found (the server writes kind, seq, type first).
_HEAD_BYTES = 512
_SEQ = re.compile(r'"seq"\s*:\s*(\d{1,18})')
_TYPE = re.compile(r'"type"\s*:\s*"([A-Za-z0-9_.:-]{1,80})"')

Parsed = EventFrame | HelloFrame | ResetFrame | SkippedFrame


class StreamHandler(Protocol):
    """What the stream reports to; the sync service implements it."""

    async def on_events(self, log_id: str, frames: list[EventFrame]) -> None: ...

    async def on_reset(self, log_id: str, head: int, reason: str) -> None: ...

    async def on_skipped(self, log_id: str, frame: SkippedFrame) -> None:
        """An event that was too large to send: commit `frame.seq` and refetch over REST."""
        ...

    def on_connection(self, online: bool, detail: str) -> None: ...

    def position(self) -> tuple[str | None, int]: ...


class EventStream:
    """Keeps one WebSocket open, delivers frames in batches, resumes from the handler's position.

    `ws` is the shared `WsClient` (URL, TLS, token, backoff); the older form `EventStream(url,
    token, handler, tls=..., backoff=...)` builds one for that URL.
    """

    def __init__(
        self,
        ws: WsClient | str,
        token: Callable[[], str | None] | None,
        handler: StreamHandler,
        *,
        backoff: Backoff | None = None,
        batch_window_s: float = 0.02,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        tls: ssl.SSLContext | None = None,
        max_frame_bytes: int = MAX_FRAME_BYTES,
        probe_max_frame_bytes: int = PROBE_MAX_FRAME_BYTES,
    ) -> None:
        if isinstance(ws, str):
            ws, self._path = WsClient.for_url(
                ws, token or (lambda: None), tls=tls, backoff=backoff, sleep=sleep, rng=rng
            )
        else:
            self._path = STREAM_PATH
        self._ws = ws
        self._handler = handler
        self._batch_window = batch_window_s
        self._max_size = max_frame_bytes
        self._probe_size = probe_max_frame_bytes
        #: The next connection is a probe (see PROBE_MAX_FRAME_BYTES); tried once per position.
        self._probe_next = False
        self._probe_tried = False
        #: What the next connection asks the server to stay under (shrinks after a 1009 close).
        self.requested_max_frame = max_frame_bytes - FRAME_MARGIN_BYTES
        self._connection: ClientConnection | None = None
        self._too_big_at: tuple[str | None, int] | None = None
        #: The log the server named in its last hello (the handler has no position before its first event).
        self._server_log: str | None = None
        self._too_big_run = 0
        self.skipped = 0
        #: Connections closed because a frame was over a limit (1009), and frames the server skipped.
        self.too_big_closes = 0
        self.skipped_by_server = 0

    async def run(self) -> None:
        """Connect, stream, reconnect forever (until cancelled or the token is refused)."""
        await self._ws.keep_open(self._session, self._handler.on_connection, what="the stream")

    async def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()

    async def _session(self) -> None:
        log_id, seq = self._handler.position()
        params: dict[str, object] = {"after": seq, "log_id": log_id, "max_frame": self.requested_max_frame}
        probing, self._probe_next = self._probe_next, False
        size = self._probe_size if probing else self._max_size
        connection = await self._ws.open(self._path, params=params, max_size=size)
        self._connection = connection
        try:
            current_log = self._server_log = await self._handshake(connection)
            self._handler.on_connection(True, "connected")
            await self._pump(connection, current_log)
        except _ProbeDone:
            return  # reconnect at once, with the normal limit again
        except websockets.exceptions.ConnectionClosed as exc:
            raise_if_auth(exc)
            if MESSAGE_TOO_BIG in _codes(exc):
                await self._after_too_big()
            if exc.rcvd is not None and exc.rcvd.code in CLEAN_CLOSE_CODES:
                return
            raise
        finally:
            self._connection = None
            with contextlib.suppress(Exception):
                await connection.close()

    async def _after_too_big(self) -> None:
        """A frame was over a limit: ask for less next time; if the same place keeps failing, the
        server does not honour `max_frame`, so take the next event as skipped (logged, refetched)."""
        self.too_big_closes += 1
        self.requested_max_frame = max(MIN_MAX_FRAME_BYTES, self.requested_max_frame // TOO_BIG_SHRINK)
        position = self._handler.position()
        if self._too_big_at != position:
            self._too_big_run, self._probe_tried = 0, False
        self._too_big_run += 1
        self._too_big_at = position
        log.warning(
            "the stream closed on a frame over the size limit (1009) after seq %d; asking for at most %d "
            "bytes (%d time(s) at this position)",
            position[1],
            self.requested_max_frame,
            self._too_big_run,
        )
        log_id = position[0] or self._server_log
        if self._too_big_run < TOO_BIG_GIVE_UP or log_id is None:
            return
        if not self._probe_tried:
            self._probe_tried = self._probe_next = True
            return
        # Over even the probe's limit: the next seq is the best guess (exact when the log has no gaps
        # for this agent; otherwise this repeats, a seq further each time, until it is passed).
        self._too_big_run = 0
        frame = SkippedFrame(
            seq=position[1] + 1, type="unknown", at=utcnow(), size=0, reason="closed 1009 repeatedly"
        )
        await self._skipped(log_id, frame)

    def _culprit(self, raw: str | bytes, after: int) -> SkippedFrame:
        """The SkippedFrame for an oversized frame a probe connection received: seq and type from its
        first bytes (the rest is never parsed)."""
        head = raw[:_HEAD_BYTES]
        text = head.decode("utf-8", "replace") if isinstance(head, bytes) else head
        seq_match, type_match = _SEQ.search(text), _TYPE.search(text)
        seq = int(seq_match.group(1)) if seq_match else after + 1
        return SkippedFrame(
            seq=max(seq, after + 1),
            type=type_match.group(1) if type_match else "unknown",
            at=utcnow(),
            size=len(raw),
            reason="over this client's frame limit; the server did not honour max_frame",
        )

    async def _handshake(self, connection: ClientConnection) -> str:
        frame = self._parse(await connection.recv())
        if not isinstance(frame, HelloFrame):
            raise websockets.exceptions.InvalidMessage("the stream did not start with a hello frame")
        return frame.log_id

    async def _skipped(self, log_id: str, frame: SkippedFrame) -> None:
        self.skipped_by_server += 1
        # Type, seq and size only: the content is exactly what was not sent.
        log.warning(
            "stream event %d (%s, %d bytes) was skipped: %s; refetching it over REST",
            frame.seq,
            frame.type,
            frame.size,
            frame.reason[:200],
        )
        await self._handler.on_skipped(log_id, frame)

    async def _pump(self, connection: ClientConnection, log_id: str) -> None:
        batch: list[EventFrame] = []

        async def flush() -> None:
            nonlocal batch
            if batch:
                frames, batch = batch, []
                await self._handler.on_events(log_id, frames)

        async def receive() -> Parsed | None:
            raw = await connection.recv()
            if len(raw) > self._max_size:  # only a probe connection takes such a frame
                await flush()
                await self._skipped(log_id, self._culprit(raw, self._handler.position()[1]))
                raise _ProbeDone
            return self._parse(raw)

        async def take(frame: Parsed | None) -> None:
            nonlocal log_id
            if isinstance(frame, EventFrame):
                batch.append(frame)
            elif isinstance(frame, ResetFrame):
                await flush()
                await self._handler.on_reset(frame.log_id, frame.head, frame.reason)
                log_id = frame.log_id
            elif isinstance(frame, SkippedFrame):
                await flush()  # in order: what came before the skipped event is committed first
                await self._skipped(log_id, frame)

        try:
            while True:
                await take(await receive())
                if not batch:
                    continue
                # Collect what arrives within a short window so the cache commits once per burst.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._batch_window):
                        while len(batch) < 500:
                            await take(await receive())
                await flush()
        except websockets.exceptions.ConnectionClosed:
            # What arrived before the connection dropped is kept: the position must point exactly at
            # the frame that broke it (the 1009 defence relies on that).
            with contextlib.suppress(Exception):
                await flush()
            raise

    def _parse(self, raw: str | bytes) -> Parsed | None:
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


class _ProbeDone(Exception):
    """The probe connection found and skipped the oversized frame."""


def _codes(exc: websockets.exceptions.ConnectionClosed) -> set[int]:
    """Close codes either side sent (ours is 1009 when a frame was over our own max_size)."""
    return {frame.code for frame in (exc.rcvd, exc.sent) if frame is not None}
