"""The one way the desktop opens the backend's WebSockets: URL, TLS, token, frame limit, reconnecting.

The agent's push stream (`events.py`), the team lead's monitor stream (`monitor.py`) and the
cobrowse relay (`cobrowse.py`) all connect through a `WsClient`, so that the company CA, the
auth close codes and the reconnect pacing cannot drift apart again.
"""

from __future__ import annotations

import asyncio
import random
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import websockets
from websockets.asyncio.client import ClientConnection, connect

from workstation.domain.messages import SESSION_REFUSED
from workstation.domain.transport import plain_transport_problem

#: Close codes that mean "this token is not (or no longer) accepted": reconnecting will not help.
#: 4401/4403 are the backend's own; 1008 (policy violation) is what proxies and older servers use.
AUTH_CLOSE_CODES = frozenset({4401, 4403, 1008})
#: Close codes of an orderly goodbye (normal, going away, restarting): reconnect promptly.
CLEAN_CLOSE_CODES = frozenset({1000, 1001, 1012})
#: The peer closed because a frame was larger than its limit (ours, or the server's for ours).
MESSAGE_TOO_BIG = 1009
#: How long the TCP + TLS + HTTP upgrade may take before the attempt counts as failed.
OPEN_TIMEOUT_S = 10.0

#: Errors after which a stream reconnects (with backoff).
RETRYABLE = (OSError, websockets.exceptions.WebSocketException, TimeoutError)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Jittered exponential backoff, so a restarted backend is not hit by every desktop at once."""

    initial: float = 0.5
    maximum: float = 15.0
    factor: float = 2.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        ceiling = min(self.maximum, self.initial * self.factor**attempt)
        return rng.uniform(ceiling / 2, ceiling)


class AuthRejected(Exception):
    """The backend refused the WebSocket because the token is not (or no longer) valid."""


class InsecureTransport(ValueError):
    """A plain ws:// (or http://) address of another computer: the token would travel in the clear."""


def ws_url(base_url: str, path: str, params: Mapping[str, object] | None = None) -> str:
    """The WebSocket address of `path` on the backend at `base_url` (http -> ws, https -> wss)."""
    base = base_url.rstrip("/")
    if base.startswith("https://"):
        base = "wss://" + base[len("https://") :]
    elif base.startswith("http://"):
        base = "ws://" + base[len("http://") :]
    elif not base.startswith(("ws://", "wss://")):
        raise ValueError(f"not an http(s) or ws(s) URL: {base_url!r}")
    url = base + "/" + path.lstrip("/")
    query = urlencode({k: v for k, v in (params or {}).items() if v is not None and v != ""})
    return f"{url}?{query}" if query else url


def close_code(exc: websockets.exceptions.ConnectionClosed) -> int | None:
    """The code the peer closed with (None when the connection just dropped)."""
    return exc.rcvd.code if exc.rcvd is not None else None


def raise_if_auth(exc: websockets.exceptions.ConnectionClosed) -> None:
    """An auth close code becomes AuthRejected (no retry); anything else is left to the caller."""
    if exc.rcvd is not None and exc.rcvd.code in AUTH_CLOSE_CODES:
        raise AuthRejected(exc.rcvd.reason or SESSION_REFUSED) from exc


class WsClient:
    """Opens WebSockets to one backend with its token and the one TLS context, and keeps streams open.

    `base_url` is the REST base (http(s)://host:port); `token()` is read at every (re)connect, so a
    fresh sign-in is picked up; `tls` is the context from `client.tls.ssl_context` (None: the
    `websockets` default trust, only for loopback tests).
    """

    def __init__(
        self,
        base_url: str,
        token: Callable[[], str | None],
        *,
        tls: ssl.SSLContext | None = None,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        proxy: str | None = None,
    ) -> None:
        problem = plain_transport_problem(base_url)
        if problem is not None:
            raise InsecureTransport(problem)
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._tls = tls
        self.backoff = backoff or Backoff()
        self._rng = rng or random.Random()
        self._sleep = sleep
        #: the proxy URL (`client.proxy.proxy_for`), None: direct (never the environment's by surprise)
        self.proxy = proxy

    @classmethod
    def for_url(
        cls,
        url: str,
        token: Callable[[], str | None],
        *,
        tls: ssl.SSLContext | None = None,
        backoff: Backoff | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> tuple[WsClient, str]:
        """A client for the origin of a full ws(s):// `url`, and the path part (older constructors)."""
        scheme, rest = url.split("://", 1)
        host, _, path = rest.partition("/")
        http = {"ws": "http", "wss": "https"}.get(scheme, scheme)
        return cls(f"{http}://{host}", token, tls=tls, backoff=backoff, sleep=sleep, rng=rng), "/" + path

    def url(self, path: str, params: Mapping[str, object] | None = None) -> str:
        return ws_url(self.base_url, path, params)

    def token(self) -> str | None:
        return self._token()

    async def open(
        self, path: str, *, params: Mapping[str, object] | None = None, max_size: int
    ) -> ClientConnection:
        """One connection; AuthRejected when the backend refuses the token at the upgrade."""
        url = self.url(path, params)
        headers = {"Authorization": f"Bearer {self._token() or ''}"}
        try:
            return await connect(
                url,
                additional_headers=headers,
                proxy=self.proxy,
                open_timeout=OPEN_TIMEOUT_S,
                max_size=max_size,
                # websockets refuses a TLS context for a plain ws:// URL (loopback only, see above).
                ssl=self._tls if url.startswith("wss://") else None,
            )
        except websockets.exceptions.InvalidStatus as exc:
            if exc.response.status_code in (401, 403):
                raise AuthRejected(
                    f"the backend refused the session token ({exc.response.status_code})"
                ) from exc
            raise

    async def keep_open(
        self,
        session: Callable[[], Awaitable[None]],
        on_connection: Callable[[bool, str], None],
        *,
        what: str = "the stream",
    ) -> None:
        """Run `session()` again and again with jittered exponential backoff, until cancelled or the
        token is refused (AuthRejected propagates). `session` returns on an orderly close; it calls
        `on_connection(True, ...)` itself once its handshake is done."""
        attempt = 0
        while True:
            try:
                await session()
                attempt = 0  # a clean close: reconnect promptly
                on_connection(False, f"the backend closed {what}")
            except AuthRejected as exc:
                on_connection(False, str(exc))
                raise
            except RETRYABLE as exc:
                on_connection(False, f"{type(exc).__name__}: {exc}")
            await self.pause(attempt)
            attempt += 1

    async def pause(self, attempt: int) -> None:
        """Wait before reconnect number `attempt` (0: the first after a success)."""
        await self._sleep(self.backoff.delay(attempt, self._rng))
