"""The agent's desk over REST: presence, offers, their conversations, replies, wrap-up codes."""

# No `from __future__ import annotations`: FastAPI must see the dependency aliases as real objects.

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from workstation.server.api_common import API, Callers, IdemKey
from workstation.server.backend import Backend, Principal
from workstation.server.reader_threads import ReaderThreads
from workstation.server.writes_api import AgentWrites, CloseBody, MessageBody, PresenceBody


def desk_routes(backend: Backend, writes: AgentWrites, reads: ReaderThreads, who: Callers) -> APIRouter:
    """What one agent does all day: go available, take offers, answer and close conversations.

    Its GETs are pure reads (database only, no in-memory routing state), so they run on the reader
    threads and never hold the push streams; response_model keeps their documented schema."""
    router = APIRouter()
    Agent_ = Annotated[Principal, Depends(who.agent)]

    @router.put(f"{API}/me/presence")
    async def presence(p: Agent_, body: PresenceBody, key: IdemKey = None) -> JSONResponse:
        return await writes.run(p, "presence", "", body, key)

    @router.get(f"{API}/offers", response_model=list[dict[str, Any]])
    async def offers(p: Agent_) -> Response:
        return await reads.json(lambda: backend.pending_offers(p))

    @router.post(f"{API}/offers/{{offer_id}}/accept")
    async def accept(p: Agent_, offer_id: str) -> dict[str, Any]:
        return await backend.writer.run(lambda: backend.accept_offer(p, offer_id).model_dump(mode="json"))

    @router.post(f"{API}/offers/{{offer_id}}/reject")
    async def reject(p: Agent_, offer_id: str) -> dict[str, Any]:
        await backend.writer.run(lambda: backend.reject_offer(p, offer_id))
        return {"ok": True}

    @router.get(f"{API}/conversations", response_model=list[dict[str, Any]])
    async def conversations(p: Agent_, state: str | None = None) -> Response:
        return await reads.json(lambda: backend.list_conversations(p, state=state))

    @router.get(f"{API}/conversations/{{conversation_id}}", response_model=dict[str, Any])
    async def conversation(p: Agent_, conversation_id: str) -> Response:
        return await reads.json(lambda: backend.get_conversation(p, conversation_id))

    @router.post(f"{API}/conversations/{{conversation_id}}/messages")
    async def post_message(
        p: Agent_, conversation_id: str, body: MessageBody, key: IdemKey = None
    ) -> JSONResponse:
        return await writes.run(p, "message", conversation_id, body, key)

    @router.post(f"{API}/conversations/{{conversation_id}}/close")
    async def close(p: Agent_, conversation_id: str, body: CloseBody, key: IdemKey = None) -> JSONResponse:
        return await writes.run(p, "close", conversation_id, body, key)

    @router.get(f"{API}/wrapup-codes", response_model=list[dict[str, Any]])
    async def wrapup_codes(p: Agent_) -> Response:
        return await reads.json(backend.wrapup_codes)

    return router
