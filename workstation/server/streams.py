"""Open push streams: which token each belongs to (so signing out closes them), and the frame limit.

Every WebSocket the backend serves to a signed-in user (the agent stream, the queue monitor, the
cobrowse relay, a customer's page) registers under its token's digest. Revoking the token (logout)
ends those streams at once with close code 4401, which the desktop's clients treat as "the session
token was refused" (`workstation.client.events` / `client.monitor` / `client.cobrowse`): they stop
reconnecting instead of retrying with a dead token.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from fastapi import WebSocket, WebSocketDisconnect

from workstation.domain import messages as M
from workstation.domain.models import DEFAULT_MAX_FRAME_BYTES, EventFrame, SkippedFrame

log = logging.getLogger(__name__)

Item = TypeVar("Item")
#: Close code when the server ends a push stream (shutting down, or the client fell too far behind
#: and its queue was dropped): the clients reconnect and resume.
RESTART_CLOSE_CODE = 1012

#: Close code for a stream whose token was revoked: the clients' "auth rejected".
REVOKED_CLOSE_CODE = 4401
#: The range a client may ask for with `max_frame`: below the floor even ordinary frames (an offer
#: with its routing reasons) would be skipped; above the ceiling one frame could pin megabytes of
#: memory in every client that asked for it.
MIN_MAX_FRAME_BYTES = 16 * 1024
MAX_MAX_FRAME_BYTES = 16 * 2**20


def token_key(token: str) -> str:
    """The registry's key for a token: its digest, so no raw token sits in a long-lived dict."""
    return hashlib.sha256(token.encode()).hexdigest()


class StreamRegistry:
    """Open streams per token; `revoke` signals every stream of a token to close."""

    def __init__(self) -> None:
        self._open: dict[str, set[asyncio.Event]] = {}

    def register(self, token: str) -> asyncio.Event:
        revoked = asyncio.Event()
        self._open.setdefault(token_key(token), set()).add(revoked)
        return revoked

    def unregister(self, token: str, revoked: asyncio.Event) -> None:
        key = token_key(token)
        streams = self._open.get(key)
        if streams is not None:
            streams.discard(revoked)
            if not streams:
                del self._open[key]

    def revoke(self, token: str) -> int:
        """Tell every open stream of `token` to close; returns how many there were."""
        return self.revoke_key(token_key(token))

    def revoke_key(self, key: str) -> int:
        """`revoke` by the token's digest (what the database holds: the admin commands revoke there,
        and another backend process sends it on sign-out: fanout.py)."""
        streams = self._open.pop(key, set())
        for revoked in streams:
            revoked.set()
        return len(streams)

    def keys(self) -> list[str]:
        """The digests of the tokens that have open streams."""
        return list(self._open)

    def count(self, token: str) -> int:
        return len(self._open.get(token_key(token), ()))

    async def serve(self, ws: WebSocket, token: str, body: Coroutine[Any, Any, None]) -> None:
        """Run a stream's `body` until it ends or the token is revoked; then close with 4401.

        The body is cancelled first, so nothing else is sending on the socket when it closes."""
        revoked = self.register(token)
        task = asyncio.ensure_future(body)
        watcher = asyncio.ensure_future(revoked.wait())
        try:
            await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
            if task.done():
                await task  # its own result or error, as if it had been awaited directly
                return
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            log.info("a stream was closed because its session was signed out")
            with contextlib.suppress(Exception):
                await ws.close(code=REVOKED_CLOSE_CODE, reason=M.SIGNED_OUT)
        finally:
            watcher.cancel()
            if not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            self.unregister(token, revoked)


async def push_loop(
    ws: WebSocket, queue: asyncio.Queue[Item | None], render: Callable[[Item], str | None]
) -> None:
    """The push loop every subscription stream shares (the agent's events, the queue monitor).

    Sends `render(item)` for each queued item (None from `render`: already sent, skip it) until the
    client disconnects, or a None item (shutdown, or this client fell too far behind) closes the
    socket with 1012 so the client reconnects and resumes."""
    receiver = asyncio.create_task(drain_client(ws))
    getter: asyncio.Task[Item | None] | None = None
    try:
        while True:
            getter = asyncio.create_task(queue.get())
            done, _ = await asyncio.wait({getter, receiver}, return_when=asyncio.FIRST_COMPLETED)
            if receiver in done:
                getter.cancel()
                return
            item = getter.result()
            if item is None:
                await ws.close(code=RESTART_CLOSE_CODE)
                return
            text = render(item)
            if text is not None:
                await ws.send_text(text)
    finally:
        # Cancelled too when the stream's token is revoked: leave no task waiting on the queue.
        receiver.cancel()
        if getter is not None:
            getter.cancel()


async def drain_client(ws: WebSocket) -> None:
    """Read and drop what the client sends: the streams need nothing from it, but reading is how a
    disconnect is noticed."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            await ws.receive_text()


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer ...` header, or None."""
    if header and header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def max_frame_bytes(raw: str | None) -> int:
    """The client's `max_frame` query parameter, clamped to the sane range; the default if absent
    or not a number (a bad value must not cost the client its stream)."""
    try:
        wanted = int(raw) if raw is not None else DEFAULT_MAX_FRAME_BYTES
    except ValueError:
        wanted = DEFAULT_MAX_FRAME_BYTES
    return max(MIN_MAX_FRAME_BYTES, min(MAX_MAX_FRAME_BYTES, wanted))


def frame_text(frame: EventFrame, limit: int) -> str:
    """The frame as sent: its JSON, or a SkippedFrame with the same seq when that is over `limit`
    bytes. Logged at WARNING with type, seq and size only: never the content."""
    text = frame.model_dump_json()
    size = len(text.encode())
    if size <= limit:
        return text
    log.warning(
        "stream frame %d (%s) skipped: %d bytes over the %d-byte limit", frame.seq, frame.type, size, limit
    )
    skipped = SkippedFrame(
        seq=frame.seq,
        type=frame.type,
        at=frame.at,
        size=size,
        reason=f"the frame is {size} bytes, over this stream's limit of {limit}; fetch it over REST",
    )
    return skipped.model_dump_json()
