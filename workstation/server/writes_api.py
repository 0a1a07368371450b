"""The desktop's outbox writes: idempotent single writes, POST /writes batches, relevance feedback."""

# No `from __future__ import annotations`: FastAPI must see the dependency aliases as real objects.

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from workstation.domain.models import Presence, RelevanceFeedback
from workstation.server.api_common import API, Callers, IdemKey, request_fingerprint
from workstation.server.backend import Backend, BackendError, Principal, error_body
from workstation.server.limits import MAX_AGENT_MESSAGE_CHARS
from workstation.server.records import CustomerRecords

log = logging.getLogger("workstation.server.api")

#: Most writes one POST /writes may carry; the desktop sends its outbox in batches of at most this.
MAX_BATCH_WRITES = 500

# `3`, `"3"` or `W/"3"` (parse_if_match).
IfMatch = Annotated[str | None, Header(alias="If-Match", pattern=r'^(W/)?"?[0-9]+"?$', max_length=40)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PresenceBody(_Body):
    presence: Presence


class MessageBody(_Body):
    text: str = Field(min_length=1, max_length=MAX_AGENT_MESSAGE_CHARS)


class CloseBody(_Body):
    wrapup_code: str = Field(min_length=1, max_length=64)


class NoteBody(_Body):
    text: str = Field(min_length=1, max_length=10_000)


class WriteItem(_Body):
    """One write of a batch: the same operation, key and body as its single endpoint takes."""

    key: str = Field(min_length=8, max_length=128)
    op: str = Field(min_length=1, max_length=32)
    target: str = Field(default="", max_length=64)
    body: dict[str, Any]


class WritesBody(_Body):
    writes: list[WriteItem] = Field(min_length=1, max_length=MAX_BATCH_WRITES)


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


@dataclass(frozen=True, slots=True)
class _WriteOp:
    """A kind of idempotent write: its body, what a repeated key must repeat, and what it does."""

    body: type[BaseModel]
    request: Callable[[str, Any], str]
    action: Callable[[Principal, str, Any, str | None], Any]


class AgentWrites:
    """The writes the desktop's outbox sends, one per request or many per POST /writes. Both ways
    share the fingerprint, so a key is answered the same whichever way it comes again."""

    def __init__(self, backend: Backend, records: CustomerRecords) -> None:
        self.backend = backend
        self.ops: dict[str, _WriteOp] = {
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
                lambda t, b: request_fingerprint("note", t, None, b.text),
                lambda p, t, b, k: records.create_note(p, t, b.text, k),
            ),
            "feedback": _WriteOp(
                FeedbackBody,
                lambda _t, b: f"feedback:{b.action}:{b.context}:{b.outcome}",
                lambda p, _t, b, _k: backend.record_feedback(p, b),
            ),
        }

    async def run(self, p: Principal, op: str, target: str, body: Any, key: str | None) -> JSONResponse:
        """One write, on the writer thread (writer_thread.py)."""
        return await self.backend.writer.run(lambda: self.write(p, op, target, body, key))

    async def run_idempotent(
        self, p: Principal, key: str | None, request: str, action: Callable[[], Any]
    ) -> JSONResponse:
        return await self.backend.writer.run(lambda: self.idempotent(p, key, request, action))

    def idempotent(
        self, p: Principal, key: str | None, request: str, action: Callable[[], Any]
    ) -> JSONResponse:
        status, body = self.backend.idempotent(p, key, request, lambda: _dump(action()))
        return JSONResponse(body, status_code=status)

    def write(self, p: Principal, op: str, target: str, body: Any, key: str | None) -> JSONResponse:
        spec = self.ops[op]
        return self.idempotent(p, key, spec.request(target, body), lambda: spec.action(p, target, body, key))

    def _batch_write(self, p: Principal, item: WriteItem) -> tuple[int, dict[str, Any]]:
        spec = self.ops.get(item.op)
        if spec is None:
            known = ", ".join(self.ops)
            raise BackendError(400, "unknown_op", f"No kind of write {item.op!r}; known: {known}.")
        try:
            body = spec.body.model_validate(item.body)
        except ValidationError as exc:
            problems = [
                {"field": ".".join(str(x) for x in err["loc"]), "problem": err["msg"]} for err in exc.errors()
            ]
            raise BackendError(400, "bad_request", "The write is malformed.", details=problems) from exc
        return self.backend.idempotent(
            p,
            item.key,
            spec.request(item.target, body),
            lambda: _dump(spec.action(p, item.target, body, item.key)),
        )

    def batch(self, p: Principal, body: WritesBody) -> dict[str, Any]:
        """The writes of one POST /writes in order, as one transaction (see the route)."""
        backend = self.backend
        results: list[dict[str, Any]] = []
        stopped: BackendError | None = None
        with backend.batch():
            backend.expect_keys(p, [item.key for item in body.writes])
            for item in body.writes:
                if stopped is not None:
                    status, answer = stopped.status, error_body(stopped)
                else:
                    try:
                        status, answer = self._batch_write(p, item)
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


def writes_routes(backend: Backend, writes: AgentWrites, who: Callers) -> APIRouter:
    """Relevance feedback (a write of the outbox like the others) and POST /writes."""
    router = APIRouter()
    Agent_ = Annotated[Principal, Depends(who.agent)]

    @router.post(f"{API}/relevance/feedback")
    async def relevance_feedback(p: Agent_, body: FeedbackBody, key: IdemKey = None) -> JSONResponse:
        return await writes.run(p, "feedback", "", body, key)

    @router.post(f"{API}/writes")
    async def batch_writes(p: Agent_, body: WritesBody) -> dict[str, Any]:
        """Many idempotent writes in one request, done in order, each answered as on its own.

        Each result is the status and body its single endpoint would have answered. A write that
        hits a server error stops the batch: it and the ones after it are answered 503 and can be
        sent again (their keys make that safe)."""
        return await backend.writer.run(lambda: writes.batch(p, body))

    @router.get(f"{API}/relevance/feedback")
    async def relevance_feedback_list(p: Agent_) -> list[dict[str, Any]]:
        return [f.model_dump(mode="json") for f in backend.feedback(p)]

    return router


def _dump(value: Any) -> dict[str, Any]:
    if isinstance(value, BaseModel):
        return dict(value.model_dump(mode="json"))
    if isinstance(value, dict):
        return value
    return {"result": json.loads(json.dumps(value, default=str))}
