"""Customers over REST: their record, history and notes, and events sent in by outside systems."""

# No `from __future__ import annotations`: FastAPI must see the dependency aliases as real objects.

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict

from workstation.domain.timeline import TimelineFilter
from workstation.server.api_common import ANY_JSON_BODY, API, Callers, IdemKey, request_fingerprint
from workstation.server.backend import Backend, BackendError, Principal
from workstation.server.reader_threads import ReaderThreads
from workstation.server.records import CustomerRecords, parse_if_match
from workstation.server.writes_api import AgentWrites, IfMatch, NoteBody

MAX_INGEST_BYTES = 16_000_000


class CustomerPatchBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: Only the fields the agent changed (EDITABLE_CUSTOMER_FIELDS); null clears one.
    fields: dict[str, Any]


def customer_routes(
    backend: Backend, records: CustomerRecords, writes: AgentWrites, reads: ReaderThreads, who: Callers
) -> APIRouter:
    """A customer's record (GET, PATCH with If-Match), timeline, conversations and notes; POST /events."""
    router = APIRouter()
    Agent_ = Annotated[Principal, Depends(who.agent)]

    # Read on a reader thread, answered as ready-made JSON (a Response); response_model keeps the
    # documented schema of these routes.
    @router.get(f"{API}/customers/{{customer_id}}", response_model=dict[str, Any])
    async def customer(p: Agent_, customer_id: str) -> Response:
        return await reads.json(lambda: backend.get_customer(p, customer_id))

    @router.get(f"{API}/customers/{{customer_id}}/events", response_model=dict[str, Any])
    async def customer_events(
        p: Agent_,
        customer_id: str,
        before: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
        channel: Annotated[list[str] | None, Query(max_length=32)] = None,
        phase: Annotated[list[str] | None, Query(max_length=16)] = None,
        kind: Annotated[list[str] | None, Query(max_length=48)] = None,
        q: Annotated[str, Query(max_length=200)] = "",
        open_only: Annotated[bool, Query(alias="open")] = False,
        order: Annotated[Literal["time", "relevance"], Query()] = "time",
    ) -> Response:
        """Newest first; with `order=relevance` and words in `q`, the best matches first (its
        cursors page only that order)."""
        where = TimelineFilter(
            channels=frozenset(channel or ()),
            phases=frozenset(phase or ()),
            kinds=frozenset(kind or ()),
            text=q,
            only_open=open_only,
            ranked=order == "relevance",
        )
        # The heaviest read (up to 1000 events, a text filter): its SQL, model building and JSON
        # all on a reader thread, so they never stall the push streams (a pure read: no in-memory
        # state of the backend is touched).
        return await reads.json(
            lambda: backend.customer_events(p, customer_id, before=before, limit=limit, where=where)
        )

    @router.get(
        f"{API}/customers/{{customer_id}}/conversations/{{conversation_id}}", response_model=dict[str, Any]
    )
    async def customer_conversation(p: Agent_, customer_id: str, conversation_id: str) -> Response:
        return await reads.json(lambda: backend.customer_conversation(p, customer_id, conversation_id))

    @router.post(f"{API}/events", openapi_extra={"requestBody": ANY_JSON_BODY})
    async def ingest_events(p: Agent_, request: Request) -> JSONResponse:
        """One event (an object) or a batch (a list, or {"events": [...]}) from an outside system."""
        raw = await request.body()
        # Parsing (up to 16 MB) and storing, off the loop on the writer thread (writer_thread.py).
        return await backend.writer.run(lambda: _ingest(backend, p, raw))

    @router.patch(f"{API}/customers/{{customer_id}}")
    async def patch_customer(
        p: Agent_, customer_id: str, body: CustomerPatchBody, key: IdemKey = None, if_match: IfMatch = None
    ) -> JSONResponse:
        version = parse_if_match(if_match)
        return await writes.run_idempotent(
            p,
            key,
            request_fingerprint("customer", customer_id, version, body.fields),
            lambda: records.update_customer(p, customer_id, version, body.fields),
        )

    @router.get(f"{API}/customers/{{customer_id}}/notes")
    async def customer_notes(p: Agent_, customer_id: str) -> list[dict[str, Any]]:
        return [n.model_dump(mode="json") for n in records.notes(p, customer_id)]

    @router.post(f"{API}/customers/{{customer_id}}/notes")
    async def create_note(p: Agent_, customer_id: str, body: NoteBody, key: IdemKey = None) -> JSONResponse:
        return await writes.run(p, "note", customer_id, body, key)

    @router.put(f"{API}/customers/{{customer_id}}/notes/{{note_id}}")
    async def update_note(
        p: Agent_,
        customer_id: str,
        note_id: str,
        body: NoteBody,
        key: IdemKey = None,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        version = parse_if_match(if_match)
        return await writes.run_idempotent(
            p,
            key,
            request_fingerprint(f"note:{note_id}", customer_id, version, body.text),
            lambda: records.update_note(p, customer_id, note_id, version, body.text),
        )

    return router


def _ingest(backend: Backend, p: Principal, raw: bytes) -> JSONResponse:
    """POST /events after its body arrived: one event, a list, or {"events": [...]}; per-event results."""
    if len(raw) > MAX_INGEST_BYTES:
        raise BackendError(413, "too_large", f"At most {MAX_INGEST_BYTES // 1_000_000} MB per request.")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackendError(400, "bad_json", f"The body is not JSON: {exc}") from exc
    single = isinstance(body, dict) and "events" not in body
    items = [body] if single else body.get("events") if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise BackendError(422, "bad_batch", 'Send one event object, a list, or {"events": [...]}.')
    results = backend.ingest_events(p, items)
    out = [
        {"index": i, "status": r.status, "id": r.id}
        | ({"duplicate_of": r.duplicate_of} if r.duplicate_of else {})
        | ({"twin_of": r.twin_of} if r.twin_of else {})
        | ({"error": r.error} if r.error else {})
        for i, r in enumerate(results)
    ]
    counts = {s: sum(1 for r in results if r.status == s) for s in ("stored", "duplicate", "error")}
    status = 422 if results and counts["error"] == len(results) else 200
    return JSONResponse({**counts, "results": out}, status_code=status)
