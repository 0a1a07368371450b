"""HTTP routes for team leads and IT: connector status, dead letters, conflicts and their decision."""

# No `from __future__ import annotations`: FastAPI must see the dependency aliases as real objects.

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from workstation.server.api_common import API, IdemKey, callers, request_fingerprint
from workstation.server.backend import Backend, BackendError, Principal
from workstation.server.connectors.hub import ConnectorHub
from workstation.server.connectors.sync import dead_letters
from workstation.server.connectors.writeback import open_conflicts
from workstation.server.db import ConnectorConflictRow, ConnectorLinkRow

#: The most conflicts one GET answers (a team lead's list of every customer's is paged).
MAX_CONFLICTS_PAGE = 500


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

    # The GETs read the database on a worker thread (asyncio.to_thread, like the voice routes'):
    # never on the loop, whose push streams a slow query would hold.

    @router.get("/connectors")
    async def status(p: Lead) -> list[dict[str, Any]]:
        return await asyncio.to_thread(hub.status)

    @router.get("/connectors/{name}/dead-letters")
    async def dead(
        p: Lead, name: str, limit: Annotated[int, Query(ge=1, le=1000)] = 100
    ) -> list[dict[str, Any]]:
        return await asyncio.to_thread(dead_letters, backend.engine, name, limit)

    @router.post("/connectors/{name}/sync", status_code=202)
    async def sync_now(p: Lead, name: str) -> dict[str, Any]:
        sync_of(name).wake.set()
        return {"name": name, "queued": True}

    @router.get("/customers/{customer_id}/sources")
    async def sources(p: Any_, customer_id: str) -> list[dict[str, Any]]:
        """Where a customer's fields come from: per connector the upstream record, its link, and
        the fields it owns (the values last agreed with it)."""
        return await asyncio.to_thread(customer_sources, p, customer_id)

    def customer_sources(p: Principal, customer_id: str) -> list[dict[str, Any]]:
        backend.require_access(p, customer_id=customer_id)
        with Session(backend.engine) as db:
            links = list(
                db.scalars(select(ConnectorLinkRow).where(ConnectorLinkRow.customer_id == customer_id))
            )
        answer = []
        for link in links:
            sync = hub.syncs.get(link.connector)
            fields = set(link.fields)
            if sync is not None:
                # A link stored by an older version may list a field the connector never read.
                fields &= {"name", "language", *sync.connector.capabilities.reads_fields}
            answer.append(
                {
                    "connector": link.connector,
                    "system": sync.connector.system if sync is not None else None,
                    "record": link.record,
                    "url": link.url,
                    "fields": sorted(fields),
                }
            )
        return answer

    @router.get("/connectors/{name}/conflicts")
    async def conflicts(
        p: Any_,
        name: str,
        customer_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_CONFLICTS_PAGE)] = 100,
        after_record: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
        after_field: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    ) -> list[dict[str, Any]]:
        """The connector's undecided conflicts in the order of (record, field), `limit` at a time;
        the next page starts after the last row's record and field (after_record, after_field).
        An agent names a customer of one of their conversations; a team lead (or a service
        account) may leave customer_id out and gets every customer's."""
        if customer_id is None:
            backend._require_supervisor(p)
        else:
            await asyncio.to_thread(backend.require_access, p, customer_id=customer_id)
        # A position, not a filter: one left out counts as "" (which sorts first).
        after = (
            None if after_record is None and after_field is None else (after_record or "", after_field or "")
        )
        return await asyncio.to_thread(
            lambda: open_conflicts(backend.engine, name, customer_id=customer_id, limit=limit, after=after)
        )

    @router.post("/connectors/{name}/conflicts/resolve")
    async def resolve(p: Any_, name: str, body: ResolveBody, key: IdemKey = None) -> JSONResponse:
        """Decide a conflict. With an Idempotency-Key a retried decision gets the first answer
        again (not "No such conflict": the first one removed it)."""
        sync = sync_of(name)

        def decide() -> dict[str, Any]:
            with backend.unit_of_work() as uow:
                row = uow.db.get(ConnectorConflictRow, (name, body.record, body.field))
                if row is None:
                    raise BackendError(404, "not_found", "No such conflict.")
                customer_id = row.customer_id
            backend.require_access(p, customer_id=customer_id)
            sync.resolve(body.record, body.field, body.keep)
            return {"resolved": True, "keep": body.keep}

        request = request_fingerprint("connector-resolve", name, None, body.model_dump(mode="json"))
        # The lookup, the access check and the decision as one step on the writer thread: no sync
        # pass stores a page between them, and the loop stays free (writer_thread.py).
        status, answer = await backend.writer.run(lambda: backend.idempotent(p, key, request, decide))
        if status < 300:
            sync.wake.set()  # the decision is committed: a "yours" is written on this pass
        return JSONResponse(answer, status_code=status)

    return router
