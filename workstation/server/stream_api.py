"""The agent's push stream (WebSocket /api/v1/stream): hello, resume by seq, then live events."""

import asyncio
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from workstation.domain.models import HelloFrame, ResetFrame
from workstation.server.backend import Backend, BackendError, Principal
from workstation.server.streams import bearer_token, frame_text, max_frame_bytes, push_loop

API = "/api/v1"


def stream_router(backend: Backend) -> APIRouter:
    """The router of the agent's event stream over `backend`'s event log and hub."""
    router = APIRouter()

    @router.websocket(f"{API}/stream")
    async def stream(ws: WebSocket) -> None:
        # Accept, then check the token and close with an application code: the client learns
        # *why* (a refused handshake would only say 403). Checked after the accept, with no await
        # between the check and the stream's registration, so a logout cannot slip in between.
        await ws.accept()
        token = bearer_token(ws.headers.get("authorization")) or ws.query_params.get("token") or ""
        try:
            p = backend.authenticate(token)
        except BackendError as exc:
            await ws.close(code=4401, reason=exc.message)
            return
        if p.scope != "agent":
            await ws.close(code=4403, reason="Agents only.")
            return
        limit = max_frame_bytes(ws.query_params.get("max_frame"))
        sub = backend.hub.subscribe(p)
        try:
            await backend.streams.serve(ws, token, _serve_stream(ws, backend, p, sub.queue, limit))
        except WebSocketDisconnect:
            pass
        finally:
            backend.hub.unsubscribe(sub)

    return router


async def _serve_stream(
    ws: WebSocket, backend: Backend, p: Principal, queue: asyncio.Queue[Any], limit: int
) -> None:
    # Every event frame goes through frame_text: one over `limit` bytes is sent as a SkippedFrame
    # with its seq, so the client moves past it instead of reconnecting at it forever.
    # Subscribed before reading the backlog, so nothing falls between the two; duplicates are
    # dropped by sequence number.
    head = backend.head()
    await ws.send_text(HelloFrame(log_id=backend.log_id, head=head).model_dump_json())
    log_id = ws.query_params.get("log_id")
    try:
        after = int(ws.query_params.get("after", "0"))
    except ValueError:
        after = -1
    oldest = backend.oldest()
    if after < 0 or after > head or (log_id and log_id != backend.log_id) or (after and after < oldest - 1):
        reason = "other_log" if log_id and log_id != backend.log_id else "position_unavailable"
        await ws.send_text(ResetFrame(log_id=backend.log_id, head=head, reason=reason).model_dump_json())
        after = head
    last = after
    while True:
        backlog = backend.events_after(p, last)
        for frame in backlog:
            await ws.send_text(frame_text(frame, limit))
            last = frame.seq
        if len(backlog) < 1000:
            break

    def render(frame: Any) -> str | None:
        nonlocal last
        if frame.seq <= last:  # already sent from the backlog
            return None
        last = frame.seq
        return frame_text(frame, limit)

    await push_loop(ws, queue, render)
