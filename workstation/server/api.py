"""The reference backend's HTTP API (REST under /api/v1) and its WebSocket event stream."""

# No `from __future__ import annotations` here: FastAPI must see the dependency aliases defined
# inside create_app() as real objects, not as strings it cannot resolve.

import asyncio
import contextlib
import hashlib
import json
import logging
import math
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from workstation import __version__
from workstation.domain.models import Presence, RelevanceFeedback
from workstation.domain.timeline import TimelineFilter
from workstation.server.api_common import ANY_JSON_BODY, API, callers
from workstation.server.audit import audit_router
from workstation.server.auth_api import auth_routes
from workstation.server.backend import Backend, BackendError, Principal, error_body
from workstation.server.cobrowse import cobrowse_router
from workstation.server.customer_chat_api import customer_chat_routes
from workstation.server.limits import MAX_AGENT_MESSAGE_CHARS
from workstation.server.log_redaction import install_log_redaction
from workstation.server.login_guard import LoginGuard, LoginPolicy
from workstation.server.monitor_api import monitor_routes
from workstation.server.openapi_doc import install as install_openapi
from workstation.server.queue_stats import MonitorConfig, QueueMonitor
from workstation.server.reader_threads import ReaderThreads
from workstation.server.records import CustomerRecords, parse_if_match
from workstation.server.routing_api import routing_routes
from workstation.server.stream_api import stream_router
from workstation.server.voice import voice_router

MAX_INGEST_BYTES = 16_000_000

log = logging.getLogger(__name__)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PresenceBody(_Body):
    presence: Presence


class MessageBody(_Body):
    text: str = Field(min_length=1, max_length=MAX_AGENT_MESSAGE_CHARS)


class CloseBody(_Body):
    wrapup_code: str = Field(min_length=1, max_length=64)


class CustomerPatchBody(_Body):
    #: Only the fields the agent changed (EDITABLE_CUSTOMER_FIELDS); null clears one.
    fields: dict[str, Any]


class NoteBody(_Body):
    text: str = Field(min_length=1, max_length=10_000)


#: Most writes one POST /writes may carry; the desktop sends its outbox in batches of at most this.
MAX_BATCH_WRITES = 500


class WriteItem(_Body):
    """One write of a batch: the same operation, key and body as its single endpoint takes."""

    key: str = Field(min_length=8, max_length=128)
    op: str = Field(min_length=1, max_length=32)
    target: str = Field(default="", max_length=64)
    body: dict[str, Any]


class WritesBody(_Body):
    writes: list[WriteItem] = Field(min_length=1, max_length=MAX_BATCH_WRITES)


@dataclass(frozen=True, slots=True)
class _WriteOp:
    """A kind of idempotent write: its body, what a repeated key must repeat, and what it does."""

    body: type[BaseModel]
    request: Callable[[str, Any], str]
    action: Callable[[Principal, str, Any, str | None], Any]


class FeedbackBody(RelevanceFeedback):
    """The feedback as the API takes it: `at` only as an ISO 8601 string, as documented (pydantic
    would also take a number as a Unix time, which no client means). A dismissal names its reason
    (Backend.record_feedback refuses one without: 400 reason_required), which the schema states."""

    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"outcome": {"const": "dismissed"}}, "required": ["outcome"]},
            "then": {"required": ["reason"], "properties": {"reason": {"type": "string"}}},
        }
    )

    @field_validator("at", mode="before")
    @classmethod
    def _iso_only(cls, value: Any) -> Any:
        if not isinstance(value, str | datetime):
            raise ValueError("must be an ISO 8601 date-time string")
        return value


def create_app(
    backend: Backend,
    *,
    background: list[Callable[[], Any]] | None = None,
    login: LoginPolicy | None = None,
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """The ASGI app around `backend`; `background` coroutines (router, simulator) run with it.

    `routers`: more routes from outside the backend (the demo shop under /shop in demo mode: the
    backend itself never imports the demo package)."""

    # Before uvicorn configures its loggers (their filters survive that): no token in any log.
    install_log_redaction()
    config = backend.config
    monitor = QueueMonitor(
        backend, MonitorConfig(window_s=config.stats_window_s, interval_s=config.stats_interval_s)
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(backend.run_router(), name="router")]
        tasks.append(asyncio.create_task(backend.fanout.run(), name="event-fanout"))
        tasks.append(asyncio.create_task(monitor.run(), name="queue-monitor"))
        tasks.append(asyncio.create_task(backend.run_revocation_sweep(), name="revocation-sweep"))
        tasks += [asyncio.create_task(factory(), name="background") for factory in background or []]
        try:
            yield
        finally:
            backend.hub.close_all()
            monitor.close_all()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    app = FastAPI(title="Workstation reference backend", version=__version__, lifespan=lifespan)
    app.state.monitor = monitor
    install_openapi(app)
    app.include_router(monitor_routes(backend, monitor))

    @app.exception_handler(BackendError)
    async def _backend_error(_request: Request, exc: BackendError) -> JSONResponse:
        headers = {"Retry-After": str(math.ceil(exc.retry_after))} if exc.retry_after is not None else None
        return JSONResponse(error_body(exc), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in err.get("loc", ())[1:]), "problem": err.get("msg", "")}
            for err in exc.errors()
        ]
        body = {"error": {"code": "bad_request", "message": "The request is malformed.", "details": problems}}
        return JSONResponse(body, status_code=400)

    reads = ReaderThreads()

    who = callers(backend)
    Agent_ = Annotated[Principal, Depends(who.agent)]
    IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=8, max_length=128)]
    # `3`, `"3"` or `W/"3"` (parse_if_match).
    IfMatch = Annotated[str | None, Header(alias="If-Match", pattern=r'^(W/)?"?[0-9]+"?$', max_length=40)]
    records = CustomerRecords(backend)

    def idempotent(p: Principal, key: str | None, request: str, action: Callable[[], Any]) -> JSONResponse:
        status, body = backend.idempotent(p, key, request, lambda: _dump(action()))
        return JSONResponse(body, status_code=status)

    # The writes the desktop's outbox sends, one per request or many per POST /writes. Both ways
    # share the fingerprint, so a key is answered the same whichever way it comes again.
    ops: dict[str, _WriteOp] = {
        "presence": _WriteOp(
            PresenceBody,
            lambda _t, b: f"presence:{b.presence}",
            lambda p, _t, b, _k: backend.set_presence(p.agent_id or "", b.presence),
        ),
        "message": _WriteOp(
            MessageBody,
            lambda t, b: f"message:{t}:{b.text}",
            lambda p, t, b, k: backend.post_agent_message(p, t, b.text, k),
        ),
        "close": _WriteOp(
            CloseBody,
            lambda t, b: f"close:{t}:{b.wrapup_code}",
            lambda p, t, b, _k: backend.close_conversation(p, t, b.wrapup_code),
        ),
        "note": _WriteOp(
            NoteBody,
            lambda t, b: _fingerprint("note", t, None, b.text),
            lambda p, t, b, k: records.create_note(p, t, b.text, k),
        ),
        "feedback": _WriteOp(
            FeedbackBody,
            lambda _t, b: f"feedback:{b.action}:{b.context}:{b.outcome}",
            lambda p, _t, b, _k: backend.record_feedback(p, b),
        ),
    }

    def write(p: Principal, op: str, target: str, body: Any, key: str | None) -> JSONResponse:
        spec = ops[op]
        return idempotent(p, key, spec.request(target, body), lambda: spec.action(p, target, body, key))

    def batch_write(p: Principal, item: WriteItem) -> tuple[int, dict[str, Any]]:
        spec = ops.get(item.op)
        if spec is None:
            raise BackendError(400, "unknown_op", f"No kind of write {item.op!r}; known: {', '.join(ops)}.")
        try:
            body = spec.body.model_validate(item.body)
        except ValidationError as exc:
            problems = [
                {"field": ".".join(str(x) for x in err["loc"]), "problem": err["msg"]} for err in exc.errors()
            ]
            raise BackendError(400, "bad_request", "The write is malformed.", details=problems) from exc
        return backend.idempotent(
            p,
            item.key,
            spec.request(item.target, body),
            lambda: _dump(spec.action(p, item.target, body, item.key)),
        )

    app.include_router(auth_routes(backend, who, LoginGuard(backend, login)))

    @app.put(f"{API}/me/presence")
    async def presence(p: Agent_, body: PresenceBody, key: IdemKey = None) -> JSONResponse:
        return write(p, "presence", "", body, key)

    @app.get(f"{API}/offers")
    async def offers(p: Agent_) -> list[dict[str, Any]]:
        return [o.model_dump(mode="json") for o in backend.pending_offers(p)]

    @app.post(f"{API}/offers/{{offer_id}}/accept")
    async def accept(p: Agent_, offer_id: str) -> dict[str, Any]:
        return backend.accept_offer(p, offer_id).model_dump(mode="json")

    @app.post(f"{API}/offers/{{offer_id}}/reject")
    async def reject(p: Agent_, offer_id: str) -> dict[str, Any]:
        backend.reject_offer(p, offer_id)
        return {"ok": True}

    @app.get(f"{API}/conversations")
    async def conversations(p: Agent_, state: str | None = None) -> list[dict[str, Any]]:
        return [c.model_dump(mode="json") for c in backend.list_conversations(p, state=state)]

    @app.get(f"{API}/conversations/{{conversation_id}}")
    async def conversation(p: Agent_, conversation_id: str) -> dict[str, Any]:
        return backend.get_conversation(p, conversation_id).model_dump(mode="json")

    @app.post(f"{API}/conversations/{{conversation_id}}/messages")
    async def post_message(
        p: Agent_, conversation_id: str, body: MessageBody, key: IdemKey = None
    ) -> JSONResponse:
        return write(p, "message", conversation_id, body, key)

    @app.post(f"{API}/conversations/{{conversation_id}}/close")
    async def close(p: Agent_, conversation_id: str, body: CloseBody, key: IdemKey = None) -> JSONResponse:
        return write(p, "close", conversation_id, body, key)

    @app.get(f"{API}/wrapup-codes")
    async def wrapup_codes(p: Agent_) -> list[dict[str, Any]]:
        return [c.model_dump(mode="json") for c in backend.wrapup_codes()]

    # Read on a reader thread, answered as ready-made JSON (a Response); response_model keeps the
    # documented schema of these routes.
    @app.get(f"{API}/customers/{{customer_id}}", response_model=dict[str, Any])
    async def customer(p: Agent_, customer_id: str) -> Response:
        return await reads.json(lambda: backend.get_customer(p, customer_id))

    @app.get(f"{API}/customers/{{customer_id}}/events", response_model=dict[str, Any])
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

    @app.get(
        f"{API}/customers/{{customer_id}}/conversations/{{conversation_id}}", response_model=dict[str, Any]
    )
    async def customer_conversation(p: Agent_, customer_id: str, conversation_id: str) -> Response:
        return await reads.json(lambda: backend.customer_conversation(p, customer_id, conversation_id))

    @app.post(f"{API}/events", openapi_extra={"requestBody": ANY_JSON_BODY})
    async def ingest_events(p: Agent_, request: Request) -> JSONResponse:
        """One event (an object) or a batch (a list, or {"events": [...]}) from an outside system."""
        raw = await request.body()
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
            | ({"error": r.error} if r.error else {})
            for i, r in enumerate(results)
        ]
        counts = {s: sum(1 for r in results if r.status == s) for s in ("stored", "duplicate", "error")}
        status = 422 if results and counts["error"] == len(results) else 200
        return JSONResponse({**counts, "results": out}, status_code=status)

    @app.patch(f"{API}/customers/{{customer_id}}")
    async def patch_customer(
        p: Agent_, customer_id: str, body: CustomerPatchBody, key: IdemKey = None, if_match: IfMatch = None
    ) -> JSONResponse:
        version = parse_if_match(if_match)
        return idempotent(
            p,
            key,
            _fingerprint("customer", customer_id, version, body.fields),
            lambda: records.update_customer(p, customer_id, version, body.fields),
        )

    @app.get(f"{API}/customers/{{customer_id}}/notes")
    async def customer_notes(p: Agent_, customer_id: str) -> list[dict[str, Any]]:
        return [n.model_dump(mode="json") for n in records.notes(p, customer_id)]

    @app.post(f"{API}/customers/{{customer_id}}/notes")
    async def create_note(p: Agent_, customer_id: str, body: NoteBody, key: IdemKey = None) -> JSONResponse:
        return write(p, "note", customer_id, body, key)

    @app.put(f"{API}/customers/{{customer_id}}/notes/{{note_id}}")
    async def update_note(
        p: Agent_,
        customer_id: str,
        note_id: str,
        body: NoteBody,
        key: IdemKey = None,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        version = parse_if_match(if_match)
        return idempotent(
            p,
            key,
            _fingerprint(f"note:{note_id}", customer_id, version, body.text),
            lambda: records.update_note(p, customer_id, note_id, version, body.text),
        )

    @app.post(f"{API}/relevance/feedback")
    async def relevance_feedback(p: Agent_, body: FeedbackBody, key: IdemKey = None) -> JSONResponse:
        return write(p, "feedback", "", body, key)

    @app.post(f"{API}/writes")
    async def batch_writes(p: Agent_, body: WritesBody) -> dict[str, Any]:
        """Many idempotent writes in one request, done in order, each answered as on its own.

        Each result is the status and body its single endpoint would have answered. A write that
        hits a server error stops the batch: it and the ones after it are answered 503 and can be
        sent again (their keys make that safe)."""
        results: list[dict[str, Any]] = []
        stopped: BackendError | None = None
        with backend.batch():
            backend.expect_keys(p, [item.key for item in body.writes])
            for item in body.writes:
                if stopped is not None:
                    status, answer = stopped.status, error_body(stopped)
                else:
                    try:
                        status, answer = batch_write(p, item)
                    except BackendError as exc:
                        status, answer = exc.status, error_body(exc)
                        if exc.status >= 500:
                            stopped = BackendError(
                                503, "not_attempted", "An earlier write of the batch failed."
                            )
                    except Exception:
                        log.exception("write %s of a batch failed", item.op)
                        status, answer = 500, error_body(BackendError(500, "internal", "The write failed."))
                        stopped = BackendError(503, "not_attempted", "An earlier write of the batch failed.")
                results.append({"key": item.key, "status": status, "body": answer})
        return {"results": results}

    @app.get(f"{API}/relevance/feedback")
    async def relevance_feedback_list(p: Agent_) -> list[dict[str, Any]]:
        return [f.model_dump(mode="json") for f in backend.feedback(p)]

    app.include_router(routing_routes(backend, who))
    app.include_router(customer_chat_routes(backend, who))
    app.include_router(cobrowse_router(backend))
    for extra in routers:
        app.include_router(extra)
    app.include_router(audit_router(backend))
    app.include_router(voice_router(backend))

    # --- the push stream -------------------------------------------------------------------------

    app.include_router(stream_router(backend))

    return app


def _fingerprint(kind: str, target: str, version: int | None, body: Any) -> str:
    """What a repeated Idempotency-Key must repeat: short enough for the key table, exact by hash."""
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:24]
    return f"{kind}:{target}:{version}:{digest}"[:256]


def _dump(value: Any) -> dict[str, Any]:
    if isinstance(value, BaseModel):
        return dict(value.model_dump(mode="json"))
    if isinstance(value, dict):
        return value
    return {"result": json.loads(json.dumps(value, default=str))}
