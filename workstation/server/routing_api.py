"""Routing configuration and its explanations over REST (team leads and service users)."""

# No `from __future__ import annotations`: FastAPI must see the dependency aliases as real objects.

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel

from workstation.domain.workflow import AgentRouting
from workstation.server.api_common import ANY_JSON_BODY, API, Callers
from workstation.server.backend import Backend, BackendError, Principal
from workstation.server.reader_threads import ReaderThreads


def routing_routes(backend: Backend, reads: ReaderThreads, who: Callers) -> APIRouter:
    """GET/PUT the routing config and agents' levels; why a task waits, how it was routed.

    The GETs run on the reader threads: the database, plus the router's state that the writer
    thread replaces whole (the compiled config) or that is read as a copy (cooldowns and moves,
    backend/offers.py), so a read never sees half a write and never holds the push streams."""
    router = APIRouter()
    Agent_ = Annotated[Principal, Depends(who.agent)]

    @router.get(f"{API}/routing/config", response_model=dict[str, Any])
    async def routing_config(p: Agent_) -> Response:
        return await reads.json(lambda: backend.routing_config(p))

    @router.put(f"{API}/routing/config", openapi_extra={"requestBody": ANY_JSON_BODY})
    async def replace_routing_config(p: Agent_, request: Request) -> dict[str, Any]:
        # Validated by the domain model (with expression positions), not by a FastAPI body model,
        # so that every problem comes back in one answer.
        try:
            raw = await request.json()
        except ValueError as exc:
            raise BackendError(400, "bad_request", "The body is not JSON.") from exc
        # Compiling and storing it, and re-placing the waiting tasks, on the writer thread: the
        # router's passes run there too, so none sees half of the change (writer_thread.py).
        return await backend.writer.run(
            lambda: backend.replace_routing_config(p, raw).model_dump(mode="json")
        )

    @router.get(f"{API}/routing/agents", response_model=list[dict[str, Any]])
    async def routing_agents(p: Agent_) -> Response:
        return await reads.json(lambda: backend.agent_routing(p))

    @router.put(f"{API}/routing/agents/{{agent_id}}")
    async def set_routing_agent(p: Agent_, agent_id: str, body: AgentRouting) -> dict[str, Any]:
        def change() -> dict[str, Any]:
            backend.set_agent_routing(p, agent_id, body)
            (row,) = [a for a in backend.agent_routing(p) if a["agent_id"] == agent_id]
            return row  # as it was stored: no other write ran between (writer_thread.py)

        return await backend.writer.run(change)

    @router.get(f"{API}/routing/waiting", response_model=list[dict[str, Any]])
    async def routing_waiting(p: Agent_) -> Response:
        return await reads.json(lambda: backend.why_waiting(p))

    @router.get(f"{API}/routing/tasks/{{conversation_id}}", response_model=dict[str, Any])
    async def routing_history(p: Agent_, conversation_id: str) -> Response:
        return await reads.json(lambda: backend.routing_history(p, conversation_id))

    @router.get(f"{API}/routing/waiting/{{conversation_id}}", response_model=dict[str, Any])
    async def routing_why_waiting(p: Agent_, conversation_id: str) -> Response:
        def one() -> BaseModel:
            (reason,) = backend.why_waiting(p, conversation_id)
            return reason

        return await reads.json(one)

    return router
