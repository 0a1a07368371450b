"""The queue monitor's HTTP routes: statistics, history, team-lead actions, its push stream; and the
customer leaving a chat (what makes a task abandoned)."""

# No `from __future__ import annotations`: FastAPI must see the dependency aliases as real objects.

import asyncio
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ConfigDict, Field

from workstation.domain.models import Presence
from workstation.server.backend import Backend, BackendError, Principal
from workstation.server.queue_stats import QueueMonitor
from workstation.server.streams import bearer_token, push_loop

log = logging.getLogger(__name__)

API = "/api/v1"


class ForcePresenceBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    presence: Presence


class MoveTaskBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    queue: str = Field(min_length=1, max_length=64)


def monitor_routes(backend: Backend, monitor: QueueMonitor) -> APIRouter:
    router = APIRouter(prefix=API)

    def principal(authorization: Annotated[str | None, Header()] = None) -> Principal:
        return backend.authenticate(bearer_token(authorization))

    def supervisor(p: Annotated[Principal, Depends(principal)]) -> Principal:
        backend._require_supervisor(p)
        return p

    Lead = Annotated[Principal, Depends(supervisor)]
    Any_ = Annotated[Principal, Depends(principal)]

    @router.get("/monitor/snapshot")
    async def snapshot(p: Lead) -> dict[str, Any]:
        return (await monitor.current()).model_dump(mode="json")

    @router.get("/monitor/history")
    async def history(p: Lead, minutes: Annotated[float, Query(gt=0, le=1440)] = 60) -> dict[str, Any]:
        return (await monitor.history(minutes)).model_dump(mode="json")

    @router.put("/monitor/agents/{agent_id}/presence")
    async def force_presence(p: Lead, agent_id: str, body: ForcePresenceBody) -> dict[str, Any]:
        # Team leads' and customers' writes here run on the writer thread (writer_thread.py), the
        # monitor's pass on a reader thread (queue_stats.py).
        agent = await backend.writer.run(lambda: backend.force_presence(p, agent_id, body.presence))
        await monitor.step()  # the team lead sees the result at once, not up to a second later
        return agent.model_dump(mode="json")

    @router.post("/monitor/tasks/{conversation_id}/move")
    async def move_task(p: Lead, conversation_id: str, body: MoveTaskBody) -> dict[str, Any]:
        reason = await backend.writer.run(lambda: backend.move_task(p, conversation_id, body.queue))
        await monitor.step()
        return reason.model_dump(mode="json")

    @router.post("/customer/chats/{conversation_id}/leave")
    async def leave(p: Any_, conversation_id: str) -> dict[str, Any]:
        return await backend.writer.run(
            lambda: backend.leave_chat(p, conversation_id).model_dump(mode="json")
        )

    @router.websocket("/monitor/stream")
    async def stream(ws: WebSocket) -> None:
        # Checked after the accept with no await before the stream registers: a logout cannot
        # slip between the check and the registration that lets it close this stream.
        await ws.accept()
        token = bearer_token(ws.headers.get("authorization")) or ws.query_params.get("token") or ""
        try:
            p = backend.authenticate(token)
            backend._require_supervisor(p)
        except BackendError as exc:
            await ws.close(code=4403 if exc.status == 403 else 4401, reason=exc.message)
            return
        sub = monitor.subscribe()
        try:
            await backend.streams.serve(ws, token, _serve(ws, sub.queue))
        except WebSocketDisconnect:
            pass
        finally:
            monitor.unsubscribe(sub)

    async def _serve(ws: WebSocket, queue: "asyncio.Queue[tuple[str, int, str] | None]") -> None:
        # Subscribed first, then the snapshot: frames older than it are skipped below.
        first = await monitor.current()
        await ws.send_text(first.model_dump_json())

        def render(item: tuple[str, int, str]) -> str | None:
            kind, frame_version, text = item
            # Frames up to the snapshot the client got are already in it; ticks always go out.
            return text if kind == "tick" or frame_version > first.version else None

        await push_loop(ws, queue, render)

    return router
