"""The voice channel of the reference backend: the SIP proxy asks here where a call goes.

Kamailio (packaging/voice/kamailio.cfg) calls three endpoints with its http_client module, each with
the shared secret in `X-Voice-Key`:

* `POST /api/v1/voice/registered?user=&expires=`: a softphone (un)registered. Agents without a live
  registration get voice capacity 0, so they are never offered a call nobody could ring.
* `POST /api/v1/voice/route?call_id=&ani=&dnis=`: a customer's call arrived. It becomes a **voice task**
  (a conversation of channel `voice`) in the same routing as chats, with the caller's number (ANI)
  and the dialled number (DNIS) as task attributes and the customer found by the caller's number.
  The answer (plain text) is the username of the agent the call was offered to, or 480 when no
  agent was offered it within `route_wait_s` (the task is then closed as abandoned); with the
  callers' queue on (`queue_max_wait_s` > 0) it answers 202 instead and the caller waits
  (voice_queue.py, `POST /api/v1/voice/queue`).
* `POST /api/v1/voice/event?call_id=&event=cancel|failed|bye`: the caller hung up while ringing, the
  agent's phone failed or did not answer, or either side hung up. A call that ends before it was
  answered is closed as abandoned (its offer revoked); an answered call records its talk time and
  waits for after-call work (the wrap-up closes it and
  writes a phone contact with duration and outcome into the customer's history).

The proxy also asks `POST /api/v1/voice/credential` for the digest credential (HA1) it checks
REGISTERs and agents' INVITEs against; agents set their SIP password with `PUT
/api/v1/voice/sip-password` (both in voice_credentials.py).

The SIP Call-ID is stored in the task's attributes, so a restarted backend still knows every call.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import re
import threading
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Header
from fastapi.responses import PlainTextResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession

from workstation.domain.models import (
    Conversation,
    ConversationState,
    Customer,
    Role,
    TimelineEvent,
    utcnow,
)
from workstation.domain.voice import CallInfo
from workstation.server.backend import (
    AUDIENCE_TEAMLEADS,
    WRAPUP_OUTCOMES,
    Backend,
    BackendError,
    Principal,
    _aware,
    _new_id,
)
from workstation.server.customer_search import customer_search_router
from workstation.server.db import (
    AgentRow,
    ConversationRow,
    CustomerRow,
    OfferRow,
    RoutingTaskRow,
    WrapUpCodeRow,
    read_session,
)
from workstation.server.voice_config import VoiceConfig
from workstation.server.voice_credentials import voice_credentials_router
from workstation.server.voice_link import RETIRED_TO, voice_link_router
from workstation.server.voice_queue import CallQueue
from workstation.server.voice_transfer import offer_transfer
from workstation.server.writer_thread import WriterClosed

log = logging.getLogger(__name__)

API = "/api/v1/voice"
#: SIP user parts and numbers we accept from the proxy (anything else is refused, not stored).
_NUMBER = re.compile(r"^[+\w.\-*#]{1,64}$")
_CALL_ID = re.compile(r"^[\x21-\x7e]{1,200}$")
#: How often the routing endpoint looks for the router's offer while the caller waits.
_POLL_S = 0.02
#: How often after-call work is checked against its limit.
_AFTER_CALL_TICK_S = 0.5
_UNANSWERED = (ConversationState.QUEUED.value, ConversationState.OFFERED.value)


def e164_digits(number: str, country_code: str) -> str:
    """A phone number as its international digits: "+49 30 123456", "0049 30 123456" and, with
    country code 49, the national "030 123456" all become "4930123456". Empty for no digits."""
    plus = number.strip().startswith("+")
    digits = re.sub(r"\D", "", number)
    if plus:
        return digits
    if digits.startswith("00"):
        return digits[2:]
    if digits.startswith("0"):
        return country_code + digits[1:]
    return digits


class VoiceDesk:
    """Registrations, calls and their tasks; the proxy's side of the backend."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.config = backend.config.voice
        self._lock = threading.Lock()
        #: SIP username -> monotonic time the registration lapses.
        self._registered: dict[str, float] = {}
        backend.capacity_hooks.append(self._adjust_capacity)
        self.queue = CallQueue(self)
        backend.contact_event_builders["voice"] = self._contact_event
        self._ensure_after_call_code()

    def _ensure_after_call_code(self) -> None:
        """The wrap-up code the backend uses when after-call work runs out (listed last for agents)."""
        code = self.config.after_call_code
        with self.backend.unit_of_work() as uow:
            if uow.db.get(WrapUpCodeRow, code) is None:
                uow.db.add(WrapUpCodeRow(code=code, label="After-call work time ran out", position=10_000))

    # --- registrations -------------------------------------------------------------------------

    def registered(self, user: str, expires: int) -> None:
        with self._lock:
            if expires <= 0:
                self._registered.pop(user, None)
            else:
                self._registered[user] = time.monotonic() + expires + self.config.registration_grace_s
        log.info("voice: %s %s", user, "registered" if expires > 0 else "unregistered")
        self.backend.wake_router()

    def is_registered(self, user: str) -> bool:
        with self._lock:
            until = self._registered.get(user)
        return until is not None and until > time.monotonic()

    def _adjust_capacity(
        self, username: str, capacity: dict[str, int], load: dict[str, int]
    ) -> dict[str, int]:
        """No calls without a registered phone; no new chats during a call (if so configured)."""
        adjusted = dict(capacity)
        if not self.is_registered(self.config.desk_phones.get(username, username)):
            adjusted["voice"] = 0
        if self.config.blocks_chats and load.get("voice", 0) > 0:
            adjusted["chat"] = 0
        return adjusted

    # --- calls ---------------------------------------------------------------------------------

    def start_call(self, call_id: str, ani: str, dnis: str) -> str:
        """A new voice task for this call (or the existing one, if the proxy asks twice); its id."""
        backend = self.backend
        with backend.unit_of_work() as uow:
            existing = self._conversation_of(uow.db, call_id)
            if existing is not None:
                return existing.id
            customer = self._customer_for(uow.db, ani, self.config.country_code)
            now = utcnow()
            conv = ConversationRow(
                id=_new_id("cv"),
                customer_id=customer.id,
                channel="voice",
                topic="call",
                language=customer.language,
                page=None,
                state=ConversationState.QUEUED.value,
                started_at=now,
            )
            uow.db.add(conv)
            uow.db.flush()
            extra = {"ani": ani, "dnis": dnis, "sip_call_id": call_id, "known_caller": not _unknown(customer)}
            uow.db.add(backend._routing_task(uow.db, conv, customer, extra))
            conv_id = conv.id
            # A customer's call to an agent's own number: a transfer to them (voice_transfer.py).
            offered = offer_transfer(backend, uow, conv, customer, dnis, self.is_registered, now)
        if not offered:
            backend.wake_router()
        return conv_id

    async def wait_for_agent(self, conv_id: str, wait_s: float, give_up: bool = True) -> str | None:
        """The SIP user to ring: the username of the agent the call is offered to, once the router
        offered it; for an agent in desk-phone mode, their desk phone once they accepted on the desk
        (a rejected offer is routed again). None if no phone is to ring in time (the task is then
        closed as abandoned, unless not `give_up`: the caller is queued). Waits on the event loop
        and reads on a worker thread briefly: many ringing callers must not hold the thread pool."""
        deadline = time.monotonic() + wait_s
        waiting_for_desk = False
        while True:
            agent, accepted = await asyncio.to_thread(self._offered_to, conv_id)
            desk_phone = self.config.desk_phones.get(agent or "")
            if agent is not None and desk_phone is None:
                return agent
            if desk_phone is not None and accepted:
                return desk_phone
            if desk_phone is not None and not waiting_for_desk:  # the agent decides on the desk
                waiting_for_desk = True
                deadline += max(0.0, self.config.desk_phone_accept_s)
            if time.monotonic() >= deadline:
                if give_up:
                    await self.backend.writer.run(lambda: self.end_unanswered(conv_id, "no agent"))
                return None
            await asyncio.sleep(_POLL_S)

    def _offered_to(self, conv_id: str) -> tuple[str | None, bool]:
        """Who the call is offered to (or was accepted by), and whether it was accepted."""
        with read_session(self.backend.engine) as db:
            row = db.execute(
                select(AgentRow.username)
                .join(OfferRow, OfferRow.agent_id == AgentRow.id)
                .where(OfferRow.conversation_id == conv_id, OfferRow.state == "offered")
            ).first()
            if row is not None:
                return str(row[0]), False
            held = db.execute(
                select(AgentRow.username)
                .join(ConversationRow, ConversationRow.agent_id == AgentRow.id)
                .where(ConversationRow.id == conv_id, ConversationRow.state == ConversationState.ACTIVE.value)
            ).first()
        return (str(held[0]), True) if held is not None else (None, False)

    def event(self, call_id: str, event: str, by: str = "", code: str = "") -> str:
        """What the proxy saw happen to a call; returns what the backend did (for the proxy's log)."""
        with read_session(self.backend.engine) as db:
            conv = self._conversation_of(db, call_id)
            if conv is None:
                return "unknown call"
            conv_id, state = conv.id, conv.state
        if event in ("cancel", "failed"):
            if state in _UNANSWERED:
                self.end_unanswered(conv_id, f"caller hung up ({event} {code})".strip())
                self.queue.forget(call_id, conv_id)  # the proxy ended a queued INVITE itself
                return "abandoned"
            return "ignored"
        if event == "bye" and state == ConversationState.ACTIVE.value:
            self._call_ended(conv_id, by)
            return "ended"
        return "ignored"

    def end_unanswered(self, conv_id: str, why: str) -> None:
        """The caller is gone before an agent answered: offers revoked, the task closed as abandoned."""
        backend = self.backend
        with backend.unit_of_work() as uow:
            conv = uow.db.get(ConversationRow, conv_id)
            if conv is None or conv.state not in (
                ConversationState.QUEUED.value,
                ConversationState.OFFERED.value,
            ):
                return
            for offer in uow.db.scalars(
                select(OfferRow).where(OfferRow.conversation_id == conv_id, OfferRow.state == "offered")
            ):
                backend._end_offer(uow, offer, "canceled")
            now = utcnow()
            conv.state = ConversationState.CLOSED.value
            conv.closed_at = now
            backend._record_outcome(uow.db, conv, "abandoned", now)
            uow.db.flush()
            closed = backend._conversation(uow.db, conv, with_messages=False)
            uow.append(AUDIENCE_TEAMLEADS, "conversation.closed", closed.model_dump(mode="json"))
        log.info("voice: %s ended unanswered: %s", conv_id, why)
        backend.wake_router()

    def _call_ended(self, conv_id: str, by: str) -> None:
        with self.backend.unit_of_work() as uow:
            conv = uow.db.get(ConversationRow, conv_id)
            task = uow.db.get(RoutingTaskRow, conv_id)
            if conv is None or task is None or conv.agent_id is None or "talk_s" in task.attributes:
                return
            now = utcnow()
            answered = _aware(conv.accepted_at) if conv.accepted_at else now
            talk_s = round(max(0.0, (now - answered).total_seconds()), 1)
            task.attributes = {
                **task.attributes,
                "talk_s": talk_s,
                "ended_by": by[:64],
                "ended_at": now.isoformat(),
            }
        # The desk learns that the call ended from its softphone (and reads the talk time here); the
        # push stream carries no voice events yet, so desks of older versions see nothing new.

    def expire_after_call_work(self) -> int:
        """Closes calls whose after-call work outlasted `after_call_work_s`; how many it closed."""
        limit = self.config.after_call_work_s
        if limit <= 0:
            return 0
        now = utcnow()
        due: list[tuple[str, str]] = []
        with read_session(self.backend.engine) as db:
            for conv, task in db.execute(
                select(ConversationRow, RoutingTaskRow)
                .join(RoutingTaskRow, RoutingTaskRow.conversation_id == ConversationRow.id)
                .where(
                    ConversationRow.channel == "voice",
                    ConversationRow.state == ConversationState.ACTIVE.value,
                )
            ):
                ended = task.attributes.get("ended_at")
                if not isinstance(ended, str) or conv.agent_id is None:
                    continue
                if (now - datetime.fromisoformat(ended)).total_seconds() >= limit:
                    due.append((conv.id, conv.agent_id))
        for conv_id, agent_id in due:
            agent = Principal(scope="agent", agent_id=agent_id, role=Role.AGENT)
            try:
                self.backend.close_conversation(agent, conv_id, self.config.after_call_code)
            except BackendError as exc:  # the agent wrapped up meanwhile
                log.info("voice: after-call work of %s: %s", conv_id, exc.message)
        return len(due)

    def call(self, principal: Principal, conv_id: str) -> dict[str, Any]:
        """A call as the agent's desk shows it: the caller's and the dialled number, whether the
        caller is a known customer, its state and talk time (after it ended)."""
        with read_session(self.backend.engine) as db:
            conv = db.get(ConversationRow, conv_id)
            task = db.get(RoutingTaskRow, conv_id)
            if conv is None or task is None or conv.channel != "voice":
                raise BackendError(404, "not_found", f"No call {conv_id}.")
            customer_id = conv.customer_id
        self.backend.require_access(principal, customer_id=customer_id)
        return _call_record(conv, task, self.config)

    def calls(self, principal: Principal) -> list[dict[str, Any]]:
        """The agent's calls not yet wrapped up (a desk that restarted recovers its state from these)."""
        with read_session(self.backend.engine) as db:
            rows = db.execute(
                select(ConversationRow, RoutingTaskRow)
                .join(RoutingTaskRow, RoutingTaskRow.conversation_id == ConversationRow.id)
                .where(
                    ConversationRow.agent_id == principal.agent_id,
                    ConversationRow.channel == "voice",
                    ConversationRow.state == ConversationState.ACTIVE.value,
                )
            ).all()
            return [_call_record(conv, task, self.config) for conv, task in rows]

    def _contact_event(self, conv: Conversation, wrapup_code: str) -> TimelineEvent:
        with read_session(self.backend.engine) as db:
            task = db.get(RoutingTaskRow, conv.id)
            talk = task.attributes.get("talk_s") if task else None
        return phone_contact_event(conv, wrapup_code, float(talk) if isinstance(talk, int | float) else None)

    @staticmethod
    def _conversation_of(db: DbSession, call_id: str) -> ConversationRow | None:
        task = db.scalars(
            select(RoutingTaskRow)
            .where(
                RoutingTaskRow.channel == "voice",
                func.json_extract(RoutingTaskRow.attributes, "$.sip_call_id") == call_id,
            )
            .limit(1)
        ).first()
        return db.get(ConversationRow, task.conversation_id) if task else None

    @staticmethod
    def _customer_for(db: DbSession, ani: str, country_code: str) -> CustomerRow:
        """The customer whose phone number is the caller's; else the 'unknown caller' of that number
        (created once, so later calls from it share a history and the agent can identify them)."""
        wanted = e164_digits(ani, country_code)
        if wanted:
            for row in db.scalars(
                select(CustomerRow).where(func.json_extract(CustomerRow.data, "$.phone").is_not(None))
            ):
                phone = row.data.get("phone")
                if _unknown(row):  # the placeholder has the number too: a real customer comes first
                    continue
                if isinstance(phone, str) and e164_digits(phone, country_code) == wanted:
                    return row
        unknown_id = f"caller-{wanted or 'anonymous'}"[:64]
        known = db.get(CustomerRow, unknown_id)
        if known is not None:
            # An agent identified this number's caller before (voice_link.py): the call is theirs.
            linked = known.data.get(RETIRED_TO)
            identified = db.get(CustomerRow, linked) if isinstance(linked, str) else None
            return identified or known
        # The caller's first call: a customer record for the number.
        customer = Customer(id=unknown_id, name="Unknown caller", phone=ani or None)
        row = CustomerRow(
            id=unknown_id,
            name=customer.name,
            language=customer.language,
            data=customer.model_dump(mode="json"),
        )
        db.add(row)
        db.flush()
        return row


def _call_record(conv: ConversationRow, task: RoutingTaskRow, config: VoiceConfig) -> dict[str, Any]:
    attributes = task.attributes
    talk = attributes.get("talk_s")
    ended_at = attributes.get("ended_at")
    return CallInfo(
        conversation_id=conv.id,
        customer_id=conv.customer_id,
        ani=str(attributes.get("ani") or ""),
        dnis=str(attributes.get("dnis") or ""),
        known_caller=bool(attributes.get("known_caller")),
        state=conv.state,
        ended="talk_s" in attributes,
        talk_s=float(talk) if isinstance(talk, int | float) else None,
        started_at=_aware(conv.started_at),
        answered_at=_aware(conv.accepted_at) if conv.accepted_at else None,
        ended_at=_aware(datetime.fromisoformat(ended_at)) if isinstance(ended_at, str) else None,
        after_call_work_s=max(0.0, config.after_call_work_s),
        after_call_code=config.after_call_code,
    ).model_dump(mode="json")


def _unknown(customer: CustomerRow) -> bool:
    return customer.id.startswith("caller-")


def phone_contact_event(conv: Conversation, wrapup_code: str, talk_s: float | None = None) -> TimelineEvent:
    """A wrapped-up call in the customer's history: a phone contact with its duration and outcome."""
    outcome = WRAPUP_OUTCOMES.get(wrapup_code, "unresolved")
    at: datetime = conv.closed_at or utcnow()
    data: dict[str, Any] = {
        "topic": "call",
        "outcome": outcome,
        "conversation_id": conv.id,
        "wrapup_code": wrapup_code,
        "direction": "inbound",
    }
    minutes = ""
    if talk_s is not None:
        data["duration_s"] = talk_s
        minutes = f", {int(talk_s // 60)}:{int(talk_s % 60):02d} min"
    return TimelineEvent(
        id=f"{conv.id}-closed",
        customer_id=conv.customer.id,
        at=at,
        channel="phone",
        kind="contact",
        summary=f"Phone call{minutes}, {outcome.replace('_', ' ')}",
        data=data,
    )


def _check_key(backend: Backend, key: str | None) -> None:
    expected = backend.config.voice.key
    if not expected or key is None or not hmac.compare_digest(key.encode(), expected.encode()):
        raise BackendError(403, "forbidden", "Only the SIP proxy may use the voice endpoints.")


def _valid(value: str, pattern: re.Pattern[str], what: str) -> str:
    if not pattern.match(value):
        raise BackendError(400, "bad_request", f"Bad {what}.")
    return value


async def _after_call_work_timer(desk: VoiceDesk) -> None:
    while True:
        await asyncio.sleep(_AFTER_CALL_TICK_S)
        try:
            # On the writer thread: no other write runs between its read and the closes it makes.
            await desk.backend.writer.run(desk.expire_after_call_work)
        except WriterClosed:
            return  # the server stops (its writer is closed): so does the timer, without a traceback
        except Exception:  # one bad pass must not end the timer
            log.exception("voice: after-call work check failed")


def voice_router(backend: Backend) -> APIRouter:
    desk = VoiceDesk(backend)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_after_call_work_timer(desk), name="voice-after-call-work")
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    router = APIRouter(lifespan=lifespan)
    # Finding an unknown caller belongs to calls (customer_search.py says why it is tied to one).
    router.include_router(customer_search_router(backend))
    router.include_router(voice_link_router(backend))
    router.include_router(voice_credentials_router(backend))
    router.desk = desk  # type: ignore[attr-defined]  # tests reach the registrations

    @router.post(f"{API}/registered", response_class=PlainTextResponse)
    async def registered(
        user: str, expires: int = 3600, x_voice_key: str | None = Header(default=None)
    ) -> str:
        _check_key(backend, x_voice_key)
        desk.registered(_valid(user, _NUMBER, "user"), max(0, min(expires, 86_400)))
        return "ok"

    @router.post(f"{API}/route")
    async def route(
        call_id: str,
        ani: str = "",
        dnis: str = "",
        x_voice_key: str | None = Header(default=None),
    ) -> PlainTextResponse:
        _check_key(backend, x_voice_key)
        _valid(call_id, _CALL_ID, "call id")
        # Kamailio's s.escape.param leaves '+' as is, and a query string decodes it as a space.
        ani = ani.replace(" ", "+")
        ani = ani if _NUMBER.match(ani) else ""
        dnis = dnis if _NUMBER.match(dnis) else ""
        # The call's task is written on the writer thread, in arrival order with the other writes;
        # the wait for the router reads on a worker thread (neither stalls the streams).
        conv_id = await backend.writer.run(lambda: desk.start_call(call_id, ani, dnis))
        queue = desk.queue
        agent = await desk.wait_for_agent(
            conv_id, backend.config.voice.route_wait_s, give_up=not queue.enabled
        )
        if agent is not None:
            return PlainTextResponse(agent)
        if queue.enabled:
            # The caller waits at the proxy ("182 Queued"); POST /queue tells it when to go on.
            await backend.writer.run(lambda: queue.enqueue(call_id, conv_id))
            return PlainTextResponse("queued", status_code=202)
        return PlainTextResponse("", status_code=480)

    @router.post(f"{API}/queue")
    async def queue_poll(x_voice_key: str | None = Header(default=None)) -> PlainTextResponse:
        """The proxy's timer asks what becomes of the waiting callers: one decision (see
        voice_queue.py) or 204."""
        _check_key(backend, x_voice_key)
        if not desk.queue.waiting():
            return PlainTextResponse("", status_code=204)
        decision = await backend.writer.run(desk.queue.next_decision)
        if decision is None:
            return PlainTextResponse("", status_code=204)
        return PlainTextResponse(decision.line())

    @router.post(f"{API}/event", response_class=PlainTextResponse)
    async def event(
        call_id: str, event: str, by: str = "", code: str = "", x_voice_key: str | None = Header(default=None)
    ) -> str:
        _check_key(backend, x_voice_key)
        _valid(call_id, _CALL_ID, "call id")
        # On the writer thread: the call's state read and the close it leads to are one step.
        return await backend.writer.run(lambda: desk.event(call_id, event[:16], by[:64], code[:8]))

    def agent(authorization: str | None) -> Principal:
        token = authorization[7:] if authorization and authorization.lower().startswith("bearer ") else None
        return backend.authenticate(token)

    @router.get(f"{API}/calls")
    async def my_calls(authorization: str | None = Header(default=None)) -> list[dict[str, Any]]:
        return await asyncio.to_thread(desk.calls, agent(authorization))

    @router.get(f"{API}/calls/{{conversation_id}}")
    async def one_call(
        conversation_id: str, authorization: str | None = Header(default=None)
    ) -> dict[str, Any]:
        return await asyncio.to_thread(desk.call, agent(authorization), conversation_id)

    return router
