"""Limits for what clients send: body size per route, JSON nesting depth, and time to send it.

`BodyLimitMiddleware` reads a request's body itself before the app sees it: a Content-Length over
the route's limit is refused (413) before a byte is read, a chunked body is counted and refused as
soon as it passes the limit, a body that takes longer than `body_timeout_s` is cut off (408), and
a JSON body nested deeper than `max_json_depth` is refused (400) before anything parses it
(Python's parser would raise RecursionError, a 500). The app then gets the body from memory.

`GuardedH11Protocol` adds what uvicorn lacks: a deadline for a request's headers (a client that
sends them a byte at a time is closed), on top of uvicorn's keep-alive timeout and h11's header
size limit.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MIB = 1024 * 1024
#: Any body not named below.
DEFAULT_BODY_LIMIT = 1 * MIB
#: Deepest JSON nesting accepted (the API's own bodies are a few levels deep).
MAX_JSON_DEPTH = 64
#: Seconds a client has to send a whole body (a default body) and the request's headers.
BODY_TIMEOUT_S = 30.0
HEADER_TIMEOUT_S = 15.0
#: Idle seconds before a kept-alive connection is closed (uvicorn's default is 5).
KEEP_ALIVE_S = 5
#: Largest request head (request line and headers) h11 buffers.
MAX_HEADER_BYTES = 32 * 1024

_STRUCTURE = re.compile(rb'[\[\]{}"\\]')


@dataclass(frozen=True, slots=True)
class RouteLimit:
    max_bytes: int
    timeout_s: float


@dataclass(slots=True)
class BodyLimits:
    default: RouteLimit = field(default_factory=lambda: RouteLimit(DEFAULT_BODY_LIMIT, BODY_TIMEOUT_S))
    #: (method, path) -> its own limit: the batch endpoints take more.
    routes: dict[tuple[str, str], RouteLimit] = field(default_factory=dict)
    max_json_depth: int = MAX_JSON_DEPTH

    def for_route(self, method: str, path: str) -> RouteLimit:
        return self.routes.get((method, path), self.default)


class JsonDepthScanner:
    """Tracks the nesting depth of a JSON text fed in chunks, looking only at brackets, quotes and
    backslashes (a regex finds them; the rest of the text is skipped in C)."""

    def __init__(self, max_depth: int) -> None:
        self.max_depth = max_depth
        self.depth = 0
        self._in_string = False
        self._escaped_at = -1  # absolute offset of the character a backslash escapes
        self._offset = 0

    def feed(self, chunk: bytes) -> bool:
        """False as soon as the depth passes the maximum."""
        base = self._offset
        self._offset += len(chunk)
        for match in _STRUCTURE.finditer(chunk):
            at = base + match.start()
            if at == self._escaped_at:
                continue
            char = match.group()
            if self._in_string:
                if char == b"\\":
                    self._escaped_at = at + 1
                elif char == b'"':
                    self._in_string = False
            elif char == b'"':
                self._in_string = True
            elif char in (b"[", b"{"):
                self.depth += 1
                if self.depth > self.max_depth:
                    return False
            elif char in (b"]", b"}"):
                self.depth -= 1
        return True


class BodyLimitMiddleware:
    """Pure ASGI middleware: bodies are bounded in size, depth and time before the app runs."""

    def __init__(self, app: ASGIApp, limits: BodyLimits | None = None) -> None:
        self.app = app
        self.limits = limits or BodyLimits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        limit = self.limits.for_route(scope["method"], scope["path"])
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            if not length.isdigit():
                await _refuse(send, 400, "bad_request", "Content-Length is not a number.")
                return
            if int(length) > limit.max_bytes:
                await _refuse(send, 413, "too_large", _too_large(limit))
                return
        is_json = b"json" in headers.get(b"content-type", b"")
        try:
            body = await asyncio.wait_for(self._read(receive, limit, is_json), limit.timeout_s)
        except TimeoutError:
            await _refuse(send, 408, "body_timeout", f"The body took longer than {limit.timeout_s:g} s.")
            return
        except _Refused as refused:
            await _refuse(send, refused.status, refused.code, refused.message)
            return
        if body is None:  # the client went away
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive, limit: RouteLimit, is_json: bool) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        scanner = JsonDepthScanner(self.limits.max_json_depth) if is_json else None
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit.max_bytes:
                raise _Refused(413, "too_large", _too_large(limit))
            if scanner is not None and not scanner.feed(chunk):
                raise _Refused(
                    400, "too_deep", f"The JSON is nested more than {self.limits.max_json_depth} levels deep."
                )
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _too_large(limit: RouteLimit) -> str:
    size = f"{limit.max_bytes / MIB:g} MiB" if limit.max_bytes >= MIB else f"{limit.max_bytes} bytes"
    return f"The body is larger than {size}, the most this endpoint takes."


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect, as the server would

    return replay


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            # The rest of the body is never read: the connection cannot be reused.
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request's head: from the connection's start
    (or the end of the previous response) a client has `header_timeout_s` to send its headers."""

    header_timeout_s = HEADER_TIMEOUT_S

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm_head_timer()

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not None and not self.cycle.response_complete:
            self._disarm_head_timer()  # a request's head arrived

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
            self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def _arm_head_timer(self) -> None:
        self._disarm_head_timer()
        self._head_timer = self.loop.call_later(self.header_timeout_s, self._head_timeout)

    def _disarm_head_timer(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
            self._head_timer = None

    def _head_timeout(self) -> None:
        # A WebSocket upgrade hands the transport to another protocol: not ours to close then.
        if self.transport.get_protocol() is self and not self.transport.is_closing():
            self.transport.close()


def guarded_h11(header_timeout_s: float) -> type[GuardedH11Protocol]:
    """The protocol class with its header deadline (uvicorn.Config takes a class)."""
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"header_timeout_s": header_timeout_s})
