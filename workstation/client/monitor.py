"""The queue monitor's side of the backend API: statistics, history, team-lead actions, push stream."""

from __future__ import annotations

import contextlib
import logging
from typing import Annotated, Protocol
from urllib.parse import quote

import websockets
from pydantic import Field, TypeAdapter, ValidationError
from websockets.asyncio.client import ClientConnection

from workstation.client.api import BackendApi
from workstation.client.ws import CLEAN_CLOSE_CODES, WsClient, raise_if_auth
from workstation.domain.models import Agent, ConnectorConflict, Id, Presence, Record, WaitingReason
from workstation.domain.queue_monitor import MonitorDelta, MonitorHistory, MonitorSnapshot, MonitorTick

log = logging.getLogger(__name__)

#: The monitor stream's path, and the largest frame it takes (a snapshot of a big contact centre).
MONITOR_PATH = "/api/v1/monitor/stream"
MAX_MONITOR_FRAME_BYTES = 16 * 2**20

MonitorFrame = Annotated[MonitorSnapshot | MonitorDelta | MonitorTick, Field(discriminator="kind")]
_FRAME: TypeAdapter[MonitorSnapshot | MonitorDelta | MonitorTick] = TypeAdapter(MonitorFrame)


class ConnectorName(Record):
    """The part of a connector's status (GET /connectors) the monitor needs."""

    name: Id


class MonitorApi:
    """Typed monitor calls over the same transport, token and error mapping as `BackendApi`."""

    def __init__(self, api: BackendApi) -> None:
        self._api = api

    @property
    def base_url(self) -> str:
        return self._api.base_url

    def token(self) -> str | None:
        return self._api.token

    @property
    def proxy(self) -> str | None:
        return self._api.proxy

    async def snapshot(self) -> MonitorSnapshot:
        body = await self._api._request("GET", "/monitor/snapshot")
        result: MonitorSnapshot = self._api._parse(MonitorSnapshot, body, "monitor snapshot")
        return result

    async def history(self, minutes: float = 60) -> MonitorHistory:
        body = await self._api._request("GET", "/monitor/history", params={"minutes": minutes})
        result: MonitorHistory = self._api._parse(MonitorHistory, body, "monitor history")
        return result

    async def connector_names(self) -> list[str]:
        body = await self._api._request("GET", "/connectors")
        rows: list[ConnectorName] = self._api._parse(list[ConnectorName], body, "connectors")
        return [row.name for row in rows]

    async def connector_conflicts(
        self, connector: str, *, limit: int, after: tuple[str, str] | None = None
    ) -> list[ConnectorConflict]:
        """Every customer's undecided conflicts with `connector` (team leads), `limit` at a time in
        the order of (record, field); the next page starts `after` the last row's (record, field)."""
        params: dict[str, str | int] = {"limit": limit}
        if after is not None:
            params["after_record"], params["after_field"] = after
        body = await self._api._request(
            "GET", f"/connectors/{quote(connector, safe='')}/conflicts", params=params
        )
        if isinstance(body, list):  # the rows do not repeat the connector the path names
            body = [{**row, "connector": connector} if isinstance(row, dict) else row for row in body]
        result: list[ConnectorConflict] = self._api._parse(
            list[ConnectorConflict], body, "connector conflicts"
        )
        return result

    async def why_waiting(self, conversation_id: str) -> WaitingReason:
        body = await self._api._request("GET", f"/routing/waiting/{conversation_id}")
        result: WaitingReason = self._api._parse(WaitingReason, body, "waiting reason")
        return result

    async def force_presence(self, agent_id: str, presence: Presence) -> Agent:
        body = await self._api._request(
            "PUT", f"/monitor/agents/{agent_id}/presence", json={"presence": presence.value}
        )
        result: Agent = self._api._parse(Agent, body, "agent")
        return result

    async def move_task(self, conversation_id: str, queue_id: str) -> WaitingReason:
        body = await self._api._request(
            "POST", f"/monitor/tasks/{conversation_id}/move", json={"queue": queue_id}
        )
        result: WaitingReason = self._api._parse(WaitingReason, body, "waiting reason")
        return result


class MonitorHandler(Protocol):
    def on_frame(self, frame: MonitorSnapshot | MonitorDelta | MonitorTick) -> bool:
        """Apply a frame; False when the handler is out of step (a delta for another version)."""
        ...

    def on_connection(self, online: bool, detail: str) -> None: ...


class MonitorStream:
    """Keeps the monitor's WebSocket open: a snapshot on every (re)connect, then deltas and ticks.

    Connects through the shared `WsClient` (TLS, token, backoff, auth close codes)."""

    def __init__(self, ws: WsClient, handler: MonitorHandler) -> None:
        self._ws = ws
        self._handler = handler
        self._connection: ClientConnection | None = None
        self.skipped = 0

    async def run(self) -> None:
        await self._ws.keep_open(self._session, self._handler.on_connection, what="the monitor stream")

    async def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()

    async def _session(self) -> None:
        connection = await self._ws.open(MONITOR_PATH, max_size=MAX_MONITOR_FRAME_BYTES)
        self._connection = connection
        try:
            first = True
            while True:
                frame = self._parse(await connection.recv())
                if frame is None:
                    continue
                if first:
                    if not isinstance(frame, MonitorSnapshot):
                        raise websockets.exceptions.InvalidMessage(
                            "the monitor stream did not start with a snapshot"
                        )
                    self._handler.on_connection(True, "connected")
                    first = False
                if not self._handler.on_frame(frame):
                    return  # out of step: reconnect, which starts with a fresh snapshot
        except websockets.exceptions.ConnectionClosed as exc:
            raise_if_auth(exc)
            if exc.rcvd is not None and exc.rcvd.code in CLEAN_CLOSE_CODES:
                return
            raise
        finally:
            self._connection = None
            with contextlib.suppress(Exception):
                await connection.close()

    def _parse(self, raw: str | bytes) -> MonitorSnapshot | MonitorDelta | MonitorTick | None:
        try:
            return _FRAME.validate_json(raw)
        except ValidationError as exc:
            # A malformed frame is logged and skipped; the monitor keeps its last good numbers.
            self.skipped += 1
            log.warning("skipped a malformed monitor frame (%d problems)", exc.error_count())
            return None
