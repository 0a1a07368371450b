"""The backend's REST API over an injected httpx.AsyncClient; every answer is validated."""

from __future__ import annotations

import json as jsonlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from workstation.client.tls import certificate_problem
from workstation.domain.cobrowse import CobrowseSession, CobrowseStatus
from workstation.domain.messages import from_wire
from workstation.domain.models import (
    Agent,
    ConnectorConflict,
    Conversation,
    Customer,
    CustomerNote,
    FieldSource,
    Message,
    Offer,
    Presence,
    RelevanceFeedback,
    Session,
    TimelinePage,
    WrapUpCode,
)
from workstation.domain.timeline import TimelineFilter
from workstation.domain.transport import plain_transport_problem
from workstation.domain.voice import CallInfo
from workstation.domain.workflow import RoutingConfig

log = logging.getLogger(__name__)

API = "/api/v1"

#: Larger answers are refused unread beyond this point: no answer of this API comes near it, and a
#: hostile or broken server must not be able to fill the desktop's memory.
MAX_RESPONSE_BYTES = 16 * 1024 * 1024


class BackendUnavailable(Exception):
    """The backend could not be reached (or answered with a server error): retry later."""


class UntrustedCertificate(BackendUnavailable):
    """The server's TLS certificate did not verify against the configured trust."""


class ApiError(Exception):
    """The backend refused the request; retrying the same request will not help."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{message} ({status} {code})")
        self.status = status
        self.code = code
        self.message = message


class AuthError(ApiError):
    """Missing, wrong or expired credentials."""


class VersionConflict(ApiError):
    """The record was changed since the version the edit was made on; `current` is how it is now."""

    def __init__(self, status: int, code: str, message: str, current: dict[str, Any]) -> None:
        super().__init__(status, code, message)
        self.current = current


class ProtocolError(BackendUnavailable):
    """The backend answered something that is not what the API promises."""


def refusal(status: int, body: Any, reason: str = "") -> ApiError:
    """The error a 4xx answer means (its JSON body says why)."""
    error = body.get("error", {}) if isinstance(body, dict) else {}
    error = error if isinstance(error, dict) else {}
    code = str(error.get("code", "error"))
    message = str(error.get("message", reason or f"refused ({status})"))
    # worded by the backend for API clients; with a known template the desk shows it translated
    message = from_wire(message, error.get("message_id"), error.get("params"))
    if status == 412 and isinstance(error.get("current"), dict):
        return VersionConflict(status, code, message, error["current"])
    cls = AuthError if status == 401 else ApiError
    return cls(status, code, message)


@dataclass(frozen=True, slots=True)
class Write:
    """One idempotent write of a batch: `op` names its single endpoint (message, close, note,
    presence, feedback), `target` the conversation or customer, `body` that endpoint's body."""

    key: str
    op: str
    target: str
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What the backend answered to one write of a batch: the status and body of its single endpoint."""

    key: str
    status: int
    body: Any

    def parsed(self, model: Any, what: str) -> Any:
        """The answer as `model`; raises what the single endpoint's call would have raised."""
        if self.status >= 500:
            raise BackendUnavailable(f"write {self.key}: server error {self.status}")
        if self.status >= 400:
            raise refusal(self.status, self.body)
        return BackendApi._parse(model, self.body, what)


class BackendApi:
    """Typed calls to the reference backend (or anything speaking its API)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        token: str | None = None,
        *,
        on_token: Callable[[str], None] | None = None,
        proxy: str | None = None,
    ) -> None:
        """`on_token` sees every session token this API will send (the log redactor learns it)."""
        self._http = http
        #: the proxy `http` goes through, for the WebSocket clients the services open to the same backend
        self.proxy = proxy
        self._on_token = on_token
        self._token: str | None = None
        self.set_token(token)

    @property
    def base_url(self) -> str:
        return str(self._http.base_url).rstrip("/")

    def set_token(self, token: str | None) -> None:
        if token and self._on_token is not None:
            self._on_token(token)
        self._token = token

    @property
    def token(self) -> str | None:
        return self._token

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Any = None,
        key: str | None = None,
        version: int | None = None,
    ) -> Any:
        insecure = plain_transport_problem(self.base_url)
        if insecure is not None:
            # Checked before every request, not only in the sign-in dialog: no token or customer
            # data ever goes to another computer in the clear, whatever path the URL came by.
            raise ApiError(0, "insecure_transport", insecure)
        headers = {}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        if key:
            headers["Idempotency-Key"] = key
        if version is not None:
            headers["If-Match"] = f'"{version}"'
        try:
            async with self._http.stream(
                method, API + path, json=json, params=params, headers=headers
            ) as response:
                status, reason = response.status_code, response.reason_phrase
                if status >= 500:
                    raise BackendUnavailable(f"{method} {path}: server error {status}")
                raw = await _read_capped(response, f"{method} {path}")
        except httpx.HTTPError as exc:
            untrusted = certificate_problem(exc)
            if untrusted is not None:
                raise UntrustedCertificate(
                    f"the server's certificate is not trusted ({untrusted.verify_message}); if it is "
                    'your company\'s own, IT sets tls_ca_bundle or tls_trust = "system" in the '
                    "configuration"
                ) from exc
            raise BackendUnavailable(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        try:
            body = jsonlib.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise rejected_answer(
                f"{method} {path}: the answer is not JSON ({status}, {len(raw)} bytes)"
            ) from exc
        if status >= 400:
            raise refusal(status, body, reason)
        return body

    @staticmethod
    def _parse(model: Any, body: Any, what: str) -> Any:
        try:
            if isinstance(model, type) and issubclass(model, BaseModel):
                return model.model_validate(body)
            return TypeAdapter(model).validate_python(body)
        except ValidationError as exc:
            first: Mapping[str, Any] = exc.errors()[0] if exc.error_count() else {}
            where = ".".join(str(p) for p in first.get("loc", ()))
            raise rejected_answer(
                f"malformed {what} from the backend: {exc.error_count()} problem(s),"
                f" first at {where or 'top level'}: {first.get('msg', '')}"
            ) from exc

    async def login(self, username: str, password: str) -> Session:
        body = await self._request("POST", "/auth/login", json={"username": username, "password": password})
        session: Session = self._parse(Session, body, "login answer")
        self.set_token(session.token)
        return session

    async def logout(self) -> None:
        await self._request("POST", "/auth/logout")
        self._token = None

    async def me(self) -> Agent:
        result: Agent = self._parse(Agent, await self._request("GET", "/me"), "agent")
        return result

    async def set_presence(self, presence: Presence, *, key: str | None = None) -> Agent:
        body = await self._request("PUT", "/me/presence", json={"presence": presence.value}, key=key)
        result: Agent = self._parse(Agent, body, "agent")
        return result

    async def offers(self) -> list[Offer]:
        result: list[Offer] = self._parse(list[Offer], await self._request("GET", "/offers"), "offers")
        return result

    async def accept(self, offer_id: str) -> Conversation:
        body = await self._request("POST", f"/offers/{offer_id}/accept")
        result: Conversation = self._parse(Conversation, body, "conversation")
        return result

    async def reject(self, offer_id: str) -> None:
        await self._request("POST", f"/offers/{offer_id}/reject")

    async def voice_call(self, conversation_id: str) -> CallInfo:
        """The caller's number, the dialled number and the state of a call offered to or held by us."""
        result: CallInfo = self._parse(
            CallInfo, await self._request("GET", f"/voice/calls/{conversation_id}"), "call"
        )
        return result

    async def search_callers(self, conversation_id: str, query: str) -> list[Customer]:
        """Customers matching `query` (name, number or e-mail) for the unknown caller of a call
        offered to or held by us (the backend allows it for that call only)."""
        body = await self._request(
            "GET", "/customer-search", params={"conversation_id": conversation_id, "q": query}
        )
        result: list[Customer] = self._parse(list[Customer], body, "customers")
        return result

    async def link_caller(self, conversation_id: str, customer_id: str, *, key: str) -> Conversation:
        """Link the call of an unknown caller to the customer found (the backend moves it there)."""
        body = await self._request(
            "POST", f"/voice/calls/{conversation_id}/customer", json={"customer_id": customer_id}, key=key
        )
        result: Conversation = self._parse(Conversation, body, "conversation")
        return result

    async def conversations(self, *, state: str | None = None) -> list[Conversation]:
        params = {"state": state} if state else None
        body = await self._request("GET", "/conversations", params=params)
        result: list[Conversation] = self._parse(list[Conversation], body, "conversations")
        return result

    async def conversation(self, conversation_id: str) -> Conversation:
        body = await self._request("GET", f"/conversations/{conversation_id}")
        result: Conversation = self._parse(Conversation, body, "conversation")
        return result

    async def send_message(self, conversation_id: str, text: str, *, key: str) -> Message:
        body = await self._request(
            "POST", f"/conversations/{conversation_id}/messages", json={"text": text}, key=key
        )
        result: Message = self._parse(Message, body, "message")
        return result

    async def close_conversation(self, conversation_id: str, wrapup_code: str, *, key: str) -> Conversation:
        body = await self._request(
            "POST", f"/conversations/{conversation_id}/close", json={"wrapup_code": wrapup_code}, key=key
        )
        result: Conversation = self._parse(Conversation, body, "conversation")
        return result

    async def wrapup_codes(self) -> list[WrapUpCode]:
        body = await self._request("GET", "/wrapup-codes")
        result: list[WrapUpCode] = self._parse(list[WrapUpCode], body, "wrap-up codes")
        return result

    async def routing_config(self) -> RoutingConfig:
        """The routing workflow and queues (team leads only; an agent gets a 403 refusal)."""
        body = await self._request("GET", "/routing/config")
        result: RoutingConfig = self._parse(RoutingConfig, body, "routing configuration")
        return result

    async def customer(self, customer_id: str) -> Customer:
        result: Customer = self._parse(
            Customer, await self._request("GET", f"/customers/{customer_id}"), "customer"
        )
        return result

    async def customer_events(
        self,
        customer_id: str,
        *,
        before: str | None = None,
        limit: int = 200,
        where: TimelineFilter | None = None,
    ) -> TimelinePage:
        params: dict[str, Any] = {"limit": limit}
        if before:
            params["before"] = before
        if where is not None:
            params |= {
                "channel": sorted(where.channels),
                "phase": sorted(where.phases),
                "kind": sorted(where.kinds),
                "q": where.text.strip(),
                "open": "true" if where.only_open else "false",
                "order": "relevance" if where.ranked else "time",
            }
        body = await self._request("GET", f"/customers/{customer_id}/events", params=params)
        result: TimelinePage = self._parse(TimelinePage, body, "timeline page")
        return result

    async def customer_conversation(self, customer_id: str, conversation_id: str) -> Conversation:
        """A past conversation of this customer, read-only, with its transcript."""
        body = await self._request("GET", f"/customers/{customer_id}/conversations/{conversation_id}")
        result: Conversation = self._parse(Conversation, body, "conversation")
        return result

    async def send_feedback(self, feedback: RelevanceFeedback, *, key: str) -> None:
        await self._request("POST", "/relevance/feedback", json=feedback.model_dump(mode="json"), key=key)

    async def feedback(self) -> list[RelevanceFeedback]:
        body = await self._request("GET", "/relevance/feedback")
        result: list[RelevanceFeedback] = self._parse(list[RelevanceFeedback], body, "relevance feedback")
        return result

    # --- cobrowse ------------------------------------------------------------------------------

    async def cobrowse_status(self, conversation_id: str) -> CobrowseStatus:
        body = await self._request("GET", f"/conversations/{conversation_id}/cobrowse")
        result: CobrowseStatus = self._parse(CobrowseStatus, body, "cobrowse status")
        return result

    async def invite_to_cobrowse(self, conversation_id: str) -> CobrowseSession:
        body = await self._request("POST", f"/conversations/{conversation_id}/cobrowse")
        result: CobrowseSession = self._parse(CobrowseSession, body, "cobrowse session")
        return result

    async def end_cobrowse(self, conversation_id: str, session_id: str) -> CobrowseSession:
        body = await self._request("POST", f"/conversations/{conversation_id}/cobrowse/{session_id}/end")
        result: CobrowseSession = self._parse(CobrowseSession, body, "cobrowse session")
        return result

    async def send_writes(self, writes: list[Write]) -> list[WriteResult]:
        """Many idempotent writes in one request (POST /writes), answered one by one and in order."""
        body = await self._request(
            "POST",
            "/writes",
            json={"writes": [{"key": w.key, "op": w.op, "target": w.target, "body": w.body} for w in writes]},
        )
        results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(results, list) or len(results) != len(writes):
            raise rejected_answer(f"POST /writes: expected {len(writes)} results, got {_describe(results)}")
        answers: list[WriteResult] = []
        for write, result in zip(writes, results, strict=True):
            if (
                not isinstance(result, dict)
                or result.get("key") != write.key
                or not isinstance(result.get("status"), int)
            ):
                raise rejected_answer(
                    f"POST /writes: the result for write {write.key} is missing or malformed"
                )
            answers.append(WriteResult(write.key, result["status"], result.get("body")))
        return answers

    # --- records agents edit (version-guarded) ---------------------------------------------------

    async def update_customer(
        self, customer_id: str, fields: dict[str, Any], *, version: int, key: str
    ) -> Customer:
        body = await self._request(
            "PATCH", f"/customers/{customer_id}", json={"fields": fields}, key=key, version=version
        )
        result: Customer = self._parse(Customer, body, "customer")
        return result

    async def customer_notes(self, customer_id: str) -> list[CustomerNote]:
        body = await self._request("GET", f"/customers/{customer_id}/notes")
        result: list[CustomerNote] = self._parse(list[CustomerNote], body, "notes")
        return result

    async def create_note(self, customer_id: str, text: str, *, key: str) -> CustomerNote:
        body = await self._request("POST", f"/customers/{customer_id}/notes", json={"text": text}, key=key)
        result: CustomerNote = self._parse(CustomerNote, body, "note")
        return result

    async def update_note(
        self, customer_id: str, note_id: str, text: str, *, version: int, key: str
    ) -> CustomerNote:
        body = await self._request(
            "PUT", f"/customers/{customer_id}/notes/{note_id}", json={"text": text}, key=key, version=version
        )
        result: CustomerNote = self._parse(CustomerNote, body, "note")
        return result

    # --- connectors: where fields come from, and conflicts with an upstream system ---------------

    async def customer_sources(self, customer_id: str) -> list[FieldSource]:
        body = await self._request("GET", f"/customers/{quote(customer_id, safe='')}/sources")
        result: list[FieldSource] = self._parse(list[FieldSource], body, "customer sources")
        return result

    async def connector_conflicts(self, connector: str, customer_id: str) -> list[ConnectorConflict]:
        body = await self._request(
            "GET", f"/connectors/{quote(connector, safe='')}/conflicts", params={"customer_id": customer_id}
        )
        if isinstance(body, list):
            # the list's rows do not repeat what the query names
            body = [
                {**row, "connector": connector, "customer_id": customer_id} if isinstance(row, dict) else row
                for row in body
            ]
        result: list[ConnectorConflict] = self._parse(list[ConnectorConflict], body, "connector conflicts")
        return result

    async def resolve_connector_conflict(
        self, connector: str, record: str, field: str, keep: str, *, key: str
    ) -> None:
        """`keep` is "theirs" (the upstream value) or "yours" (the desk's)."""
        await self._request(
            "POST",
            f"/connectors/{quote(connector, safe='')}/conflicts/resolve",
            json={"record": record, "field": field, "keep": keep},
            key=key,
        )


async def _read_capped(response: httpx.Response, what: str) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
        raise rejected_answer(f"{what}: the answer is {int(declared):,} bytes, over the limit")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise rejected_answer(
                f"{what}: the answer is over {MAX_RESPONSE_BYTES:,} bytes; not read further"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def rejected_answer(reason: str) -> ProtocolError:
    """A ProtocolError, logged with its reason (the answer is dropped; nothing of it is stored)."""
    log.warning("rejected an answer from the backend: %s", reason)
    return ProtocolError(reason)


def _describe(value: Any) -> str:
    return f"a list of {len(value)}" if isinstance(value, list) else type(value).__name__
