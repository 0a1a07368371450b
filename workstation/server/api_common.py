"""What every router of the REST API shares: its prefix, the caller dependencies, the raw-JSON body."""

# No `from __future__ import annotations`: FastAPI must see the dependency aliases as real objects.

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header

from workstation.server.backend import Backend, BackendError, Principal
from workstation.server.streams import bearer_token

API = "/api/v1"

#: The body of a route that reads JSON itself (to report every problem at once): required JSON.
ANY_JSON_BODY = {"required": True, "content": {"application/json": {"schema": {}}}}

#: The optional header of a state-changing route: a repeated key gets the first answer again
#: (Backend.idempotent); its length constraint is part of /openapi.json.
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=8, max_length=128)]


def request_fingerprint(kind: str, target: str, version: int | None, body: Any) -> str:
    """What a repeated Idempotency-Key must repeat: short enough for the key table, exact by hash."""
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:24]
    return f"{kind}:{target}:{version}:{digest}"[:256]


@dataclass(frozen=True, slots=True)
class Callers:
    """The dependencies that resolve the caller from the bearer token (one pair per app, so every router
    shares the same dependency functions). A router turns them into its parameter types itself, as
    `Agent_ = Annotated[Principal, Depends(who.agent)]`: a type alias the type checker accepts (an
    attribute holding an `Annotated[...]` is not one)."""

    #: Anyone signed in: agents, team leads, service users, customers.
    any: Callable[..., Principal]
    #: An agent's token (agents, team leads, service users), not a customer's.
    agent: Callable[..., Awaitable[Principal]]
    #: A team lead's or a service user's token (what IT and supervisors use).
    lead: Callable[..., Awaitable[Principal]]


def callers(backend: Backend) -> Callers:
    # The token lookup reads the database: a plain function, which FastAPI runs on a worker thread.
    # The two checks on top of it only compare fields: `async`, so they run on the event loop. As
    # plain functions each was one more trip to the thread pool per request (a few ms for every
    # agent write, most of it waiting for the GIL on a busy 2-core desk with the backend embedded).
    def principal(authorization: Annotated[str | None, Header()] = None) -> Principal:
        return backend.authenticate(bearer_token(authorization))

    async def agent(p: Annotated[Principal, Depends(principal)]) -> Principal:
        if p.scope != "agent":
            raise BackendError(403, "forbidden", "This needs an agent's token.")
        return p

    async def lead(p: Annotated[Principal, Depends(principal)]) -> Principal:
        backend._require_supervisor(p)
        return p

    return Callers(any=principal, agent=agent, lead=lead)
