"""Signing in and out over REST, the health check, and who the caller is (GET /me)."""

# No `from __future__ import annotations`: FastAPI must see the dependency aliases as real objects.

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from workstation import __version__
from workstation.server.api_common import API, Callers
from workstation.server.backend import Backend, Principal
from workstation.server.login_guard import LoginGuard
from workstation.server.reader_threads import ReaderThreads
from workstation.server.streams import bearer_token


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginBody(_Body):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


def auth_routes(backend: Backend, who: Callers, guard: LoginGuard, reads: ReaderThreads) -> APIRouter:
    """Health, sign-in (scrypt off the loop, throttled: `guard`), sign-out, the caller's own record."""
    router = APIRouter()
    Agent_ = Annotated[Principal, Depends(who.agent)]

    @router.get(f"{API}/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "log_id": backend.log_id}

    @router.post(f"{API}/auth/login")
    async def login_route(body: LoginBody, request: Request) -> dict[str, Any]:
        address = request.client.host if request.client else ""
        token, me = await guard.login(body.username, body.password, address)
        return {"token": token, "agent": me.model_dump(mode="json")}

    @router.post(f"{API}/auth/logout")
    async def logout(p: Agent_, authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        token = bearer_token(authorization) or ""
        # On the writer thread like every write (writer_thread.py); its streams close on the loop.
        await backend.writer.run(lambda: backend.logout(token))
        return {"ok": True}

    @router.get(f"{API}/me", response_model=dict[str, Any])
    async def me(p: Agent_) -> Response:
        return await reads.json(lambda: backend.get_agent(p.agent_id or ""))

    return router
