"""The agent's end of the cobrowse relay: one WebSocket per session, frames validated on arrival."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from workstation.client.ws import AUTH_CLOSE_CODES, AuthRejected, WsClient
from workstation.domain.cobrowse import CobrowseSession

log = logging.getLogger(__name__)

#: Close codes of the relay that mean "not yours / not open": reconnecting will not help.
REFUSED = AUTH_CLOSE_CODES | {4404}
#: A full snapshot of a heavy page.
MAX_RELAY_FRAME_BYTES = 16 * 2**20


class RelayRefused(Exception):
    """The backend refused the relay (no such open session, or not this agent's)."""


class RelayFrame:
    """One frame from the relay: `kind` plus its validated parts."""

    __slots__ = ("events", "kind", "message", "session", "url")

    def __init__(
        self,
        kind: str,
        *,
        events: list[dict[str, Any]] | None = None,
        session: CobrowseSession | None = None,
        message: str = "",
        url: str = "",
    ) -> None:
        self.kind = kind
        self.events = events or []
        self.session = session
        self.message = message
        self.url = url


def parse_frame(raw: str | bytes) -> RelayFrame | None:
    """A relay frame, or None for a malformed one (logged and skipped, never raised)."""
    try:
        data = json.loads(raw)
        kind = data["kind"]
        if kind == "events":
            events = data["events"]
            if not isinstance(events, list):
                raise TypeError("events must be a list")
            return RelayFrame("events", events=[e for e in events if isinstance(e, dict)])
        if kind in ("hello", "session"):
            return RelayFrame(
                kind, session=CobrowseSession.model_validate(data["session"]), url=str(data.get("url") or "")
            )
        if kind in ("error", "resync"):
            return RelayFrame(kind, message=str(data.get("message") or ""))
        raise ValueError(f"unknown frame kind {kind!r}")
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("skipped a malformed cobrowse frame: %s", str(exc).splitlines()[0][:200])
        return None


class RelayConnection:
    """An open relay socket: iterate `frames()`, send commands with `command()`."""

    def __init__(self, connection: ClientConnection) -> None:
        self._connection = connection

    @classmethod
    async def open(cls, ws: WsClient | str, session_id: str, token: str | None = None) -> RelayConnection:
        """Open the relay of `session_id` through the shared client (`ws`), or (older form) to the
        backend at base URL `ws` with `token` and the default trust."""
        if isinstance(ws, str):
            ws = WsClient(ws, lambda: token)
        try:
            connection = await ws.open(f"/api/v1/cobrowse/{session_id}/relay", max_size=MAX_RELAY_FRAME_BYTES)
        except AuthRejected as exc:
            raise RelayRefused(str(exc)) from exc
        except websockets.exceptions.InvalidStatus as exc:
            raise RelayRefused(f"the backend refused the relay ({exc.response.status_code})") from exc
        return cls(connection)

    async def frames(self) -> AsyncIterator[RelayFrame]:
        try:
            async for raw in self._connection:
                frame = parse_frame(raw)
                if frame is not None:
                    yield frame
        except websockets.exceptions.ConnectionClosed as exc:
            if exc.rcvd is not None and exc.rcvd.code in REFUSED:
                raise RelayRefused(exc.rcvd.reason or "the backend refused the relay") from exc
            raise
        if self._connection.close_code in REFUSED:
            raise RelayRefused(self._connection.close_reason or "the backend refused the relay")

    async def command(self, command: dict[str, Any]) -> None:
        await self._connection.send(json.dumps({"kind": "command", "command": command}))

    async def request_snapshot(self) -> None:
        await self._connection.send(json.dumps({"kind": "snapshot"}))

    async def close(self) -> None:
        await self._connection.close()
