"""HTTP routes for team leads and IT: connector status, dead letters, conflicts and their decision."""

# No `from __future__ import annotations`: FastAPI must see the dependency aliases as real objects.

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from workstation.server.api_common import API, callers
from workstation.server.backend import Backend, BackendError, Principal
from workstation.server.connectors.hub import ConnectorHub
from workstation.server.connectors.sync import dead_letters
from workstation.server.db import ConnectorConflictRow, ConnectorLinkRow


class ResolveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    record: str = Field(min_length=1, max_length=128)
    field: str = Field(min_length=1, max_length=64)
    keep: Literal["theirs", "yours"]


def connector_routes(backend: Backend, hub: ConnectorHub) -> APIRouter:
    router = APIRouter(prefix=API)

    who = callers(backend)
    Lead = Annotated[Principal, Depends(who.lead)]
    Any_ = Annotated[Principal, Depends(who.any)]

    def sync_of(name: str) -> Any:
        sync = hub.syncs.get(name)
        if sync is None:
            raise BackendError(404, "not_found", f"No running connector {name!r}.")
        return sync

    @router.get("/connectors")
    async def status(p: Lead) -> list[dict[str, Any]]:
        return hub.status()

    @router.get("/connectors/{name}/dead-letters")
    async def dead(
        p: Lead, name: str, limit: Annotated[int, Query(ge=1, le=1000)] = 100
    ) -> list[dict[str, Any]]:
        return dead_letters(backend.engine, name, limit)

    @router.post("/connectors/{name}/sync", status_code=202)
    async def sync_now(p: Lead, name: str) -> dict[str, Any]:
        sync_of(name).wake.set()
        return {"name": name, "queued": True}

    @router.get("/customers/{customer_id}/sources")
    async def sources(p: Any_, customer_id: str) -> list[dict[str, Any]]:
        """Where a customer's fields come from: per connector the upstream record, its link, and
        the fields it owns (the values last agreed with it)."""
        backend.require_access(p, customer_id=customer_id)
        with Session(backend.engine) as db:
            links = db.scalars(select(ConnectorLinkRow).where(ConnectorLinkRow.customer_id == customer_id))
            return [
                {
                    "connector": link.connector,
                    "system": hub.syncs[link.connector].connector.system
                    if link.connector in hub.syncs
                    else None,
                    "record": link.record,
                    "url": link.url,
                    "fields": sorted(link.fields),
                }
                for link in links
            ]

    @router.get("/connectors/{name}/conflicts")
    async def conflicts(p: Any_, name: str, customer_id: str) -> list[dict[str, Any]]:
        backend.require_access(p, customer_id=customer_id)
        with Session(backend.engine) as db:
            rows = db.scalars(
                select(ConnectorConflictRow).where(
                    ConnectorConflictRow.connector == name, ConnectorConflictRow.customer_id == customer_id
                )
            )
            return [
                {
                    "record": r.record,
                    "field": r.field,
                    "before": r.before,
                    "theirs": r.theirs,
                    "yours": r.yours,
                }
                for r in rows
            ]

    @router.post("/connectors/{name}/conflicts/resolve")
    async def resolve(p: Any_, name: str, body: ResolveBody) -> dict[str, Any]:
        sync = sync_of(name)
        with Session(backend.engine) as db:
            row = db.get(ConnectorConflictRow, (name, body.record, body.field))
            if row is None:
                raise BackendError(404, "not_found", "No such conflict.")
            customer_id = row.customer_id
        backend.require_access(p, customer_id=customer_id)
        sync.resolve(body.record, body.field, body.keep)
        sync.wake.set()
        return {"resolved": True, "keep": body.keep}

    return router
