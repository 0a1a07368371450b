"""The reference backend's behaviour: sessions, presence, routing offers, conversations, event log.

Everything runs on the server's one asyncio loop, so state changes never race each other; each
operation is one short SQLAlchemy unit of work, and the events it appended are pushed to the
connected clients only after it committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import json
import logging
import math
import secrets
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import String, event, func, insert, literal_column, select
from sqlalchemy import column as sql_column
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as DbSession

from workstation.domain import messages as M
from workstation.domain import timeline
from workstation.domain.cobrowse import CobrowsePolicy
from workstation.domain.models import (
    Agent,
    Conversation,
    ConversationState,
    Customer,
    CustomerSummary,
    EventFrame,
    Message,
    Offer,
    OfferRevocation,
    Presence,
    PresenceChange,
    RelevanceFeedback,
    Role,
    RoutingReason,
    TimelineEvent,
    TimelinePage,
    WaitingReason,
    WebPage,
    WrapUpCode,
    utcnow,
)
from workstation.domain.task_attributes import task_attributes
from workstation.domain.workflow import (
    AgentRouting,
    Decision,
    Router,
    RoutingConfig,
    RoutingConfigError,
    TaskState,
    WorkerState,
    compile_config,
)
from workstation.server import audit, router_lease
from workstation.server.access import ACCESS_AFTER_WRAPUP_S, conversation_is_live, customer_link
from workstation.server.db import (
    EVENTS_FTS,
    AgentRoutingRow,
    AgentRow,
    ConversationRow,
    CustomerEventRow,
    CustomerRow,
    CustomerStoryRow,
    EventLogRow,
    FeedbackRow,
    IdempotencyRow,
    MessageRow,
    Meta,
    OfferReasonRow,
    OfferRow,
    RoutingTaskRow,
    TaskMoveRow,
    TaskOutcomeRow,
    TokenRow,
    WrapUpCodeRow,
    refresh_stories,
)
from workstation.server.fanout import EventFanout
from workstation.server.limits import (
    CUSTOMER_BURST,
    CUSTOMER_MESSAGES_PER_MINUTE,
    MAX_AGENT_MESSAGE_CHARS,
    MAX_ATTRIBUTES_BYTES,
    MAX_CUSTOMER_MESSAGE_CHARS,
    MAX_PAGE_TITLE_CHARS,
    MAX_PAGE_URL_CHARS,
    PUSHED_MESSAGES,
    PUSHED_TRANSCRIPT_BYTES,
    LimitExceeded,
    RateLimiter,
    check_data,
    check_event,
)
from workstation.server.passwords import dummy_hash, hash_password, verify_password
from workstation.server.streams import StreamRegistry
from workstation.server.voice_config import VoiceConfig

log = logging.getLogger(__name__)

AUDIENCE_ALL = "*"
AUDIENCE_TEAMLEADS = "role:teamlead"
ROUTING_CONFIG_KEY = "routing_config"


class BackendError(Exception):
    """A refused request: maps to an HTTP status and a JSON error body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        *,
        current: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        #: With a version conflict (412): the record as it is now, for the client's three-way merge.
        self.current = current
        #: With a rate limit (429): seconds until the caller may try again (the Retry-After header).
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: an agent/team lead/service user, or a customer bound to one conversation."""

    scope: str  # "agent" | "customer"
    agent_id: str | None = None
    role: Role | None = None
    conversation_id: str | None = None

    @property
    def key(self) -> str:
        return self.agent_id or f"customer:{self.conversation_id}"


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What became of one ingested event: stored, a duplicate (of an existing id), or an error."""

    status: str
    id: str | None
    duplicate_of: str | None = None
    error: str | None = None


MAX_INGEST_BATCH = 1000


@dataclass(slots=True)
class BackendConfig:
    offer_timeout_s: float = 30.0
    #: An agent who lets an offer time out is set Away, like a desk phone going "not responding".
    away_after_missed_offer: bool = True
    #: How long an agent who rejected or missed a chat is skipped for that chat.
    reoffer_cooldown_s: float = 60.0
    token_ttl: timedelta = timedelta(hours=24)
    #: Oldest log entries beyond this count are pruned; clients behind that point get a reset.
    max_log_events: int = 200_000
    router_tick_s: float = 0.25
    #: How often open streams are checked against the tokens table: a token revoked by an admin
    #: command (another process), expired, or of a disabled user closes its streams within this.
    revocation_sweep_s: float = 5.0
    #: Queue monitor: the rolling window of service level and abandons, and the push interval.
    stats_window_s: float = 900.0
    stats_interval_s: float = 1.0
    #: Cobrowse timeouts: unanswered invitations, pages that never start sharing, long pauses.
    cobrowse: CobrowsePolicy = field(default_factory=CobrowsePolicy)
    #: The customer rate limit: a burst of messages, then so many per minute (see limits.py).
    customer_burst: int = CUSTOMER_BURST
    customer_messages_per_minute: float = CUSTOMER_MESSAGES_PER_MINUTE
    #: How long an agent keeps access to a customer after wrapping up their chat (see access.py).
    access_after_wrapup_s: float = ACCESS_AFTER_WRAPUP_S
    #: The voice channel: the SIP proxy's shared secret, how long a call waits for an agent (voice.py).
    voice: VoiceConfig = field(default_factory=VoiceConfig)


DEFAULT_WRAPUP_CODES = (
    ("resolved", "Resolved"),
    ("info_given", "Information given"),
    ("follow_up", "Follow-up needed"),
    ("escalated", "Escalated"),
    ("no_response", "Customer did not respond"),
    ("wrong_queue", "Wrong queue / transferred"),
)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@dataclass(slots=True, eq=False)
class _Subscriber:
    principal: Principal
    queue: asyncio.Queue[EventFrame | None]


class EventHub:
    """Fans committed log entries out to connected stream subscribers, filtered by audience."""

    def __init__(self, queue_size: int = 10_000) -> None:
        self._subscribers: set[_Subscriber] = set()
        self._queue_size = queue_size

    def subscribe(self, principal: Principal) -> _Subscriber:
        sub = _Subscriber(principal, asyncio.Queue(self._queue_size))
        self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: _Subscriber) -> None:
        self._subscribers.discard(sub)

    def publish(self, frames: list[tuple[str, EventFrame]]) -> None:
        for sub in list(self._subscribers):
            for audience, frame in frames:
                if not audience_matches(sub.principal, audience):
                    continue
                try:
                    sub.queue.put_nowait(frame)
                except asyncio.QueueFull:
                    # A client this far behind resumes from the database when it reconnects.
                    self._subscribers.discard(sub)
                    with contextlib.suppress(asyncio.QueueFull):
                        sub.queue.get_nowait()
                        sub.queue.put_nowait(None)
                    break

    def close_all(self) -> None:
        for sub in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                sub.queue.put_nowait(None)
        self._subscribers.clear()


def audience_matches(principal: Principal, audience: str) -> bool:
    if audience == AUDIENCE_ALL:
        return principal.scope == "agent"
    if audience == AUDIENCE_TEAMLEADS:
        return principal.role == Role.TEAMLEAD
    return audience == principal.agent_id


@dataclass(slots=True)
class _UnitOfWork:
    db: DbSession
    pending: list[EventLogRow] = field(default_factory=list)
    #: Run after the commit (listeners that reach outside the database: pages, the simulator).
    after: list[Callable[[], None]] = field(default_factory=list)
    #: Idempotency keys (principal, key) a batch knows to be new: no lookup for each of them.
    new_keys: set[tuple[str, str]] = field(default_factory=set)

    def append(self, audience: str, type_: str, data: dict[str, Any]) -> None:
        # Inserted at the end of the transaction, by EventFanout.write (which orders seq across processes).
        self.pending.append(EventLogRow(at=utcnow(), audience=audience, type=type_, data=data))


class Backend:
    """All state-changing operations of the reference backend."""

    def __init__(
        self, engine: Engine, config: BackendConfig | None = None, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.engine = engine
        self.config = config or BackendConfig()
        #: The time access checks compare against (tests move it past the after-wrap-up window).
        self.clock = clock
        self.hub = EventHub()
        #: Writes the event log and feeds the hub (across processes on PostgreSQL: fanout.py).
        self.fanout = EventFanout(engine, self.hub)
        self._customer_rate = RateLimiter(
            self.config.customer_burst, self.config.customer_messages_per_minute
        )
        #: Open WebSocket streams per token: revoking a token (logout) closes them.
        self.streams = StreamRegistry()
        self.fanout.on_revoked = self.streams.revoke_key
        self._wake_router = asyncio.Event()
        #: conversation id -> agent id -> not before: agents who declined or missed that chat.
        self._cooldown: dict[str, dict[str, datetime]] = {}
        self.agent_message_listeners: list[Callable[[str, Message], None]] = []
        #: conversation id -> TaskState fields of a task a team lead moved to another queue.
        self._moves: dict[str, dict[str, Any]] = {}
        #: Called with a conversation's id after it was closed (cobrowse ends its session then).
        self.conversation_closed_listeners: list[Callable[[str], None]] = []
        #: (username, capacity, load) -> capacity: the voice channel's rules (no phone, no calls).
        self.capacity_hooks: list[Callable[[str, dict[str, int], dict[str, int]], dict[str, int]]] = []
        #: Channel -> builder of the history entry a wrap-up writes (calls: a phone contact).
        self.contact_event_builders: dict[str, Callable[[Conversation, str], TimelineEvent]] = {}
        #: True: an external router (channels/taskrouter_mode.py) makes the offers; ours only expires them.
        self.external_router = False
        #: The transaction of the batch being run (see batch()), if any.
        self._batch: contextvars.ContextVar[_UnitOfWork | None] = contextvars.ContextVar(
            "batch", default=None
        )
        with self._uow() as uow:
            if uow.db.get(Meta, "log_id") is None:
                uow.db.add(Meta(key="log_id", value=uuid.uuid4().hex))
            self._router = self._stored_router(uow.db)
            for move in uow.db.scalars(select(TaskMoveRow)):
                self._moves[move.conversation_id] = {"moved_to": move.queue, "moved_priority": move.priority}
            if uow.db.scalar(select(func.count()).select_from(WrapUpCodeRow)) == 0:
                for pos, (code, label) in enumerate(DEFAULT_WRAPUP_CODES):
                    uow.db.add(WrapUpCodeRow(code=code, label=label, position=pos))
        with DbSession(engine) as db:
            meta = db.get(Meta, "log_id")
            assert meta is not None
            self.log_id = meta.value

    @staticmethod
    def _stored_router(db: DbSession) -> Router:
        """The saved routing configuration, compiled; the demo one for a new database.

        A saved configuration this version cannot compile (stricter checks after an upgrade) is
        kept for the team lead to fix, and routing runs on the demo configuration meanwhile.
        """
        from workstation.server.routing_config import load_demo

        stored = db.get(Meta, ROUTING_CONFIG_KEY)
        if stored is not None:
            try:
                return compile_config(json.loads(stored.value))
            except ValueError:
                log.exception("the saved routing configuration is invalid; using the demo configuration")
        config, _agents = load_demo()
        if stored is None:
            db.add(Meta(key=ROUTING_CONFIG_KEY, value=config.model_dump_json()))
        return Router(config)

    # --- units of work ---------------------------------------------------------------------------

    def unit_of_work(self) -> contextlib.AbstractContextManager[_UnitOfWork]:
        """One transaction whose appended log events are pushed after the commit (for sibling modules)."""
        return self._uow()

    @contextlib.contextmanager
    def _uow(self) -> Iterator[_UnitOfWork]:
        outer = self._batch.get()
        if outer is not None:
            # Inside a batch this is part of the write being run; idempotent() holds each write in
            # a savepoint of the batch's transaction and undoes it alone if it fails.
            uow = _UnitOfWork(outer.db)
            yield uow
            outer.pending += uow.pending
            outer.after += uow.after
            return
        with DbSession(self.engine, expire_on_commit=False) as db:
            uow = _UnitOfWork(db)
            yield uow
            db.flush()
            self.fanout.write(db, uow.pending)
            frames = [
                (row.audience, EventFrame(seq=row.seq, type=row.type, at=row.at, data=row.data))
                for row in uow.pending
            ]
            db.commit()
        if frames:
            self.fanout.committed(frames)
        for callback in uow.after:
            try:
                callback()
            except Exception:  # a listener must never break the write that is already committed
                log.exception("after-commit listener failed")

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Run many writes as one transaction, each in a savepoint of its own: a write that fails
        is undone alone, and everything the others did commits (and is pushed) once, at the end.
        Reads through _reading() see the batch's own uncommitted writes."""
        if self._batch.get() is not None:
            yield
            return
        with self._uow() as uow:
            # The session's identity map holds rows weakly; keeping what the batch loads lets the
            # next write of the batch find the same conversation or agent without a query.
            keep: list[object] = []
            event.listen(uow.db, "loaded_as_persistent", lambda _db, row: keep.append(row))
            token = self._batch.set(uow)
            try:
                yield
            finally:
                self._batch.reset(token)

    def expect_keys(self, principal: Principal, keys: list[str]) -> None:
        """In a batch: look up which of these idempotency keys are new, in one query for all."""
        batch = self._batch.get()
        if batch is None:
            return
        seen: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            seen.update(
                batch.db.scalars(
                    select(IdempotencyRow.key).where(
                        IdempotencyRow.principal == principal.key, IdempotencyRow.key.in_(chunk)
                    )
                )
            )
        batch.new_keys = {(principal.key, k) for k in keys if k not in seen}

    def _reading(self) -> contextlib.AbstractContextManager[DbSession]:
        outer = self._batch.get()
        return contextlib.nullcontext(outer.db) if outer is not None else DbSession(self.engine)

    def _after_commit(self, callback: Callable[[], None]) -> None:
        outer = self._batch.get()
        if outer is not None:
            outer.after.append(callback)
        else:
            callback()

    def wake_router(self) -> None:
        self._wake_router.set()

    # --- users and sessions ----------------------------------------------------------------------

    def ensure_agent(
        self,
        *,
        username: str,
        name: str,
        password: str,
        role: Role = Role.AGENT,
        skills: tuple[str, ...] = (),
        languages: tuple[str, ...] = ("en",),
        max_chats: int = 3,
    ) -> Agent:
        with self._uow() as uow:
            row = uow.db.scalar(select(AgentRow).where(AgentRow.username == username))
            if row is None:
                row = AgentRow(
                    id=f"a-{username}",
                    username=username,
                    name=name,
                    role=role.value,
                    password_hash=hash_password(password),
                    skills=list(skills),
                    languages=list(languages),
                    max_chats=max_chats,
                    presence=Presence.OFFLINE.value,
                    presence_since=utcnow(),
                )
                uow.db.add(row)
            return _agent(row)

    def login(self, username: str, password: str) -> tuple[str, Agent]:
        """Check the password and open a session (in-process callers; HTTP goes through LoginGuard,
        which runs check_password on a worker thread and throttles)."""
        agent_id = self.check_password(username, password)
        if agent_id is None:
            raise BackendError(401, "invalid_credentials", M.Msg(M.INVALID_CREDENTIALS))
        return self.open_session(agent_id)

    def check_password(self, username: str, password: str) -> str | None:
        """The agent id if `password` is theirs and they may sign in, else None. Blocking (one scrypt
        run whatever the outcome, so timing does not tell unknown users apart): call it off the loop."""
        with DbSession(self.engine) as db:
            row = db.scalar(select(AgentRow).where(AgentRow.username == username))
            stored, agent_id = (row.password_hash, row.id) if row else (dummy_hash(), None)
            usable = row is not None and row.disabled_at is None and row.role != Role.SERVICE.value
        ok = verify_password(password, stored)
        return agent_id if ok and usable else None

    def is_username(self, username: str) -> bool:
        with DbSession(self.engine) as db:
            return db.scalar(select(AgentRow.id).where(AgentRow.username == username)) is not None

    def open_session(self, agent_id: str) -> tuple[str, Agent]:
        with self._uow() as uow:
            row = uow.db.get(AgentRow, agent_id)
            if row is None or row.disabled_at is not None:
                raise BackendError(401, "invalid_credentials", M.Msg(M.INVALID_CREDENTIALS))
            return self._mint_token(uow.db, scope="agent", agent_id=row.id), _agent(row)

    def logout(self, token: str) -> None:
        """Revoke the token: REST refuses it from now on and its open streams close (4401)."""
        with self._uow() as uow:
            row = uow.db.get(TokenRow, _digest(token))
            if row is not None:
                uow.db.delete(row)
        self.streams.revoke(token)
        self.fanout.token_revoked(_digest(token))  # its streams on other processes (PostgreSQL)

    def authenticate(self, token: str | None) -> Principal:
        if not token:
            raise BackendError(401, "unauthenticated", M.Msg(M.TOKEN_MISSING))
        with DbSession(self.engine) as db:
            row = db.get(TokenRow, _digest(token))
            if row is None or _aware(row.expires_at) <= utcnow():
                raise BackendError(401, "unauthenticated", M.Msg(M.TOKEN_INVALID))
            if row.scope == "customer":
                return Principal(scope="customer", conversation_id=row.conversation_id)
            agent = db.get(AgentRow, row.agent_id)
            if agent is None or agent.disabled_at is not None:
                raise BackendError(401, "unauthenticated", M.Msg(M.TOKEN_USER_GONE))
            return Principal(scope="agent", agent_id=agent.id, role=Role(agent.role))

    def sweep_revoked_streams(self) -> int:
        """Close the streams of tokens that stopped being valid outside a logout: deleted by an admin
        command (another process), expired, or of a disabled user. Returns how many tokens."""
        keys = self.streams.keys()
        if not keys:
            return 0
        now = utcnow()
        with DbSession(self.engine) as db:
            rows = {r.digest: r for r in db.scalars(select(TokenRow).where(TokenRow.digest.in_(keys)))}
            disabled = set(
                db.scalars(
                    select(AgentRow.id).where(
                        AgentRow.id.in_([r.agent_id for r in rows.values() if r.agent_id]),
                        AgentRow.disabled_at.is_not(None),
                    )
                )
            )
        gone = [
            key
            for key in keys
            if (row := rows.get(key)) is None or _aware(row.expires_at) <= now or row.agent_id in disabled
        ]
        for key in gone:
            self.streams.revoke_key(key)
        return len(gone)

    async def run_revocation_sweep(self) -> None:
        while True:
            await asyncio.sleep(self.config.revocation_sweep_s)
            try:
                self.sweep_revoked_streams()
            except Exception:
                log.exception("the sweep for revoked tokens failed")

    def service_principal(self) -> Principal:
        """The in-process service user (the simulator) that acts for customers."""
        agent = self.ensure_agent(
            username="simulator",
            name="Simulator",
            password=secrets.token_urlsafe(24),  # nobody logs in as it over HTTP
            role=Role.SERVICE,
        )
        return Principal(scope="agent", agent_id=agent.id, role=Role.SERVICE)

    def issue_token(self, principal: Principal) -> str:
        """A bearer token for an in-process principal (tests and the simulator drive HTTP with it)."""
        with self._uow() as uow:
            return self._mint_token(uow.db, scope="agent", agent_id=principal.agent_id)

    def _mint_token(
        self, db: DbSession, *, scope: str, agent_id: str | None = None, conversation_id: str | None = None
    ) -> str:
        """A new bearer token; only its digest is stored."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        db.add(
            TokenRow(
                digest=_digest(token),
                agent_id=agent_id,
                conversation_id=conversation_id,
                scope=scope,
                created_at=now,
                expires_at=now + self.config.token_ttl,
            )
        )
        return token

    def get_agent(self, agent_id: str) -> Agent:
        with DbSession(self.engine) as db:
            row = db.get(AgentRow, agent_id)
            if row is None:
                raise BackendError(404, "not_found", f"No agent {agent_id}.")
            return _agent(row)

    def list_agents(self) -> list[Agent]:
        with DbSession(self.engine) as db:
            return [_agent(r) for r in db.scalars(select(AgentRow).order_by(AgentRow.username))]

    # --- idempotent writes -----------------------------------------------------------------------

    def idempotent(
        self, principal: Principal, key: str | None, request: str, action: Callable[[], dict[str, Any]]
    ) -> tuple[int, dict[str, Any]]:
        """Run `action` once per (principal, key); a repeated key gets the first answer again."""
        if key is None:
            return 200, action()
        if not 8 <= len(key) <= 128:
            raise BackendError(400, "bad_idempotency_key", "Idempotency-Key must be 8 to 128 characters.")
        # The write and its key commit together: a crash between the two must not leave a write
        # whose repetition would be done again.
        with self.batch(), self._uow() as uow:
            batch = self._batch.get()
            assert batch is not None
            if (principal.key, key) in batch.new_keys:
                batch.new_keys.discard((principal.key, key))  # a repeat within the batch looks it up
                row = None
            else:
                row = uow.db.get(IdempotencyRow, (principal.key, key))
            if row is not None:
                if row.request != request:
                    raise BackendError(
                        422, "idempotency_key_reused", "This Idempotency-Key was used for another request."
                    )
                return row.status, row.body
            pushed, after = len(batch.pending), len(batch.after)
            savepoint = uow.db.begin_nested()
            try:
                status, body = 200, action()
                savepoint.commit()  # flushes: a database error is this write's, undone below
            except BaseException as exc:
                # Undone alone, with the events and listeners it had lined up.
                savepoint.rollback()
                del batch.pending[pushed:], batch.after[after:]
                if not isinstance(exc, BackendError) or exc.status >= 500 or exc.status in (401, 403):
                    raise
                status, body = exc.status, error_body(exc)
            uow.db.add(
                IdempotencyRow(
                    principal=principal.key,
                    key=key,
                    request=request,
                    status=status,
                    body=body,
                    created_at=utcnow(),
                )
            )
        return status, body

    # --- presence --------------------------------------------------------------------------------

    def set_presence(self, agent_id: str, presence: Presence, reason: str | None = None) -> Agent:
        with self._uow() as uow:
            row = uow.db.get(AgentRow, agent_id)
            if row is None:
                raise BackendError(404, "not_found", f"No agent {agent_id}.")
            if row.presence != presence.value:
                row.presence = presence.value
                row.presence_since = utcnow()
                change = PresenceChange(agent_id=agent_id, presence=presence, reason=reason)
                uow.append(agent_id, "presence.changed", change.model_dump(mode="json"))
                uow.append(AUDIENCE_TEAMLEADS, "presence.changed", change.model_dump(mode="json"))
            if presence != Presence.AVAILABLE:
                self._cancel_offers_of(uow, agent_id)
            agent = _agent(row)
        self.wake_router()
        return agent

    # --- customers and history -------------------------------------------------------------------

    def upsert_customer(self, customer: Customer) -> None:
        with self._uow() as uow:
            row = uow.db.get(CustomerRow, customer.id)
            data = customer.model_dump(mode="json")
            if row is None:
                uow.db.add(
                    CustomerRow(id=customer.id, name=customer.name, language=customer.language, data=data)
                )
            else:
                row.name, row.language, row.data = customer.name, customer.language, data
                row.version += 1

    def add_customer_events(self, events: list[TimelineEvent], *, push: bool = True) -> list[IngestResult]:
        """Store events in the customers' histories; the same event delivered twice (by id, or by a
        second source system: see `timeline.fingerprint`) is stored once. Returns one result each.

        A batch costs a fixed number of queries for the duplicate checks (not one per event)."""
        if not events:
            return []
        prints = [timeline.fingerprint(ev.kind, ev.channel, ev.summary, ev.data) for ev in events]
        results: list[IngestResult] = []
        touched: set[tuple[str, str]] = set()
        with self._uow() as uow:
            known_ids = set(
                uow.db.scalars(
                    select(CustomerEventRow.id).where(CustomerEventRow.id.in_({ev.id for ev in events}))
                )
            )
            widest = timedelta(seconds=max(fp.window_s for fp in prints))
            # Stored events that could be twins of this batch's, by (customer, fingerprint) → [(at, id)].
            twins: dict[tuple[str, str], list[tuple[datetime, str]]] = {}
            rows = uow.db.execute(
                select(
                    CustomerEventRow.customer_id,
                    CustomerEventRow.fingerprint,
                    CustomerEventRow.at,
                    CustomerEventRow.id,
                ).where(
                    CustomerEventRow.customer_id.in_({ev.customer_id for ev in events}),
                    CustomerEventRow.fingerprint.in_({fp.key for fp in prints}),
                    CustomerEventRow.at >= min(ev.at for ev in events) - widest,
                    CustomerEventRow.at <= max(ev.at for ev in events) + widest,
                )
            )
            for customer_id, key, at, event_id in rows:
                twins.setdefault((customer_id, key), []).append((_aware(at), event_id))
            holders: dict[str, set[str]] = {}
            new_rows: list[dict[str, Any]] = []
            for ev, fp in zip(events, prints, strict=True):
                if ev.id in known_ids:
                    results.append(IngestResult("duplicate", ev.id, ev.id))
                    continue
                window = timedelta(seconds=fp.window_s)
                candidates = twins.setdefault((ev.customer_id, fp.key), [])
                twin = next((i for at, i in candidates if abs(at - ev.at) <= window), None)
                if twin is not None:
                    results.append(IngestResult("duplicate", ev.id, twin))
                    continue
                story = timeline.story_key(ev.kind, ev.data)
                new_rows.append(
                    {
                        "id": ev.id,
                        "customer_id": ev.customer_id,
                        "at": ev.at,
                        "channel": ev.channel,
                        "kind": ev.kind,
                        "summary": ev.summary,
                        "data": ev.data,
                        "phase": timeline.journey_phase(ev.kind, ev.data),
                        "story": story,
                        "fingerprint": fp.key,
                    }
                )
                known_ids.add(ev.id)
                candidates.append((ev.at, ev.id))
                if story:
                    touched.add((ev.customer_id, story))
                results.append(IngestResult("stored", ev.id))
                if push:
                    if ev.customer_id not in holders:
                        holders[ev.customer_id] = self._agents_holding(uow.db, ev.customer_id)
                    for agent_id in holders[ev.customer_id]:
                        uow.append(agent_id, "timeline.event_added", ev.model_dump(mode="json"))
            if new_rows:
                # One executemany for the batch (an ORM object per event cost a third of the ingest).
                uow.db.execute(insert(CustomerEventRow), new_rows)
            stories: dict[str, set[str]] = {}
            for customer_id, story in touched:
                stories.setdefault(customer_id, set()).add(story)
            for customer_id, keys in stories.items():
                refresh_stories(uow.db, customer_id, keys)
        return results

    def ingest_events(self, principal: Principal, items: list[Any]) -> list[IngestResult]:
        """Events from outside systems (a shop, a carrier, a CRM): each validated on its own; a bad
        one is reported by its index and the good ones are kept."""
        if principal.role != Role.SERVICE:
            raise BackendError(403, "forbidden", "Only service accounts may ingest customer events.")
        if len(items) > MAX_INGEST_BATCH:
            raise BackendError(
                413, "batch_too_large", f"At most {MAX_INGEST_BATCH} events per request, got {len(items)}."
            )
        results: list[IngestResult | None] = [None] * len(items)
        good: list[tuple[int, TimelineEvent]] = []
        with DbSession(self.engine) as db:
            known: set[str] = set()
            for index, item in enumerate(items):
                try:
                    check_event(item)
                except LimitExceeded as exc:
                    results[index] = IngestResult("error", _item_id(item), error=str(exc))
                    continue
                try:
                    event = TimelineEvent.model_validate(item)
                except ValidationError as exc:
                    results[index] = IngestResult("error", _item_id(item), error=_validation_text(exc))
                    continue
                if event.customer_id not in known:
                    if db.get(CustomerRow, event.customer_id) is None:
                        results[index] = IngestResult(
                            "error", event.id, error=f"unknown customer {event.customer_id!r}"
                        )
                        continue
                    known.add(event.customer_id)
                good.append((index, event))
        stored = self.add_customer_events([event for _, event in good])
        for (index, _), result in zip(good, stored, strict=True):
            results[index] = result
        return [r for r in results if r is not None]

    def customer_count(self) -> int:
        with DbSession(self.engine) as db:
            return db.scalar(select(func.count()).select_from(CustomerRow)) or 0

    def list_customer_ids(self) -> list[str]:
        with DbSession(self.engine) as db:
            return list(db.scalars(select(CustomerRow.id).order_by(CustomerRow.id)))

    def get_customer(self, principal: Principal, customer_id: str) -> Customer:
        self.require_access(principal, customer_id=customer_id)
        with DbSession(self.engine) as db:
            row = db.get(CustomerRow, customer_id)
            if row is None:
                raise BackendError(404, "not_found", f"No customer {customer_id}.")
            return _customer(row)

    def customer_events(
        self,
        principal: Principal,
        customer_id: str,
        *,
        before: str | None,
        limit: int,
        where: timeline.TimelineFilter | None = None,
    ) -> TimelinePage:
        """A page of the customer's history, newest first; `before` is the previous page's cursor.
        `where` narrows it (channels, phases, kinds, text, only open stories) in SQL."""
        self.require_access(principal, customer_id=customer_id)
        with DbSession(self.engine) as db:
            if db.get(CustomerRow, customer_id) is None:
                raise BackendError(404, "not_found", f"No customer {customer_id}.")
            open_keys = (
                select(CustomerStoryRow.key)
                .where(CustomerStoryRow.customer_id == customer_id, CustomerStoryRow.open.is_(True))
                .order_by(CustomerStoryRow.last_at.desc())
            )
            # The first page says which stories are open; later pages do not repeat it.
            open_stories = () if before else tuple(db.scalars(open_keys))
            fts = self.engine.dialect.name == "sqlite"
            # A search pages from its FTS matches (the unary + keeps SQLite off the time index,
            # which it would walk event by event through the whole history); see store/history.py.
            by_matches = fts and where is not None and timeline.fts_query(where.text) is not None
            customer = (
                literal_column("+customer_events.customer_id") if by_matches else CustomerEventRow.customer_id
            )
            query = select(CustomerEventRow).where(customer == customer_id)
            if where is not None:
                query = _filtered(query, where, open_keys, fts=fts)
            if before:
                at, event_id = _decode_cursor(before)
                # `at <= ?` lets the database seek in the timeline index; the OR alone made SQLite
                # walk from the newest event down to the page (older pages got slower with depth).
                query = query.where(
                    CustomerEventRow.at <= at, (CustomerEventRow.at < at) | (CustomerEventRow.id < event_id)
                )
            rows = list(
                db.scalars(
                    query.order_by(CustomerEventRow.at.desc(), CustomerEventRow.id.desc()).limit(limit + 1)
                )
            )
        more = len(rows) > limit
        rows = rows[:limit]
        events = tuple(_timeline_event(r) for r in rows)
        cursor = _encode_cursor(rows[-1].at, rows[-1].id) if more and rows else None
        return TimelinePage(events=events, next_cursor=cursor, open_stories=open_stories)

    def require_access(
        self,
        principal: Principal,
        *,
        customer_id: str | None = None,
        conversation_id: str | None = None,
        own_history: bool = False,
        roles: tuple[Role, ...] | None = None,
    ) -> None:
        """The one access check for agents' reads and writes of customer records and conversations:
        a live link (see access.py) to the customer, or to the conversation (which must be the
        agent's own; another agent's is reported as missing). `roles` pass on their role (default:
        team leads and service accounts for customers, team leads for conversations);
        `own_history` lets an agent read a conversation they handled however old it is."""
        if principal.scope != "agent":
            raise BackendError(403, "forbidden", "Customers cannot read CRM records.")
        now, window = self.clock(), self.config.access_after_wrapup_s
        with self._reading() as db:
            if conversation_id is not None:
                passing = (Role.TEAMLEAD,) if roles is None else roles
                conv = db.get(ConversationRow, conversation_id)
                if conv is None or (conv.agent_id != principal.agent_id and principal.role not in passing):
                    raise BackendError(404, "not_found", f"No conversation {conversation_id}.")
                if principal.role in passing or own_history or conversation_is_live(conv, now, window):
                    return
                raise BackendError(403, "access_expired", _expired(window, "this conversation"))
            assert customer_id is not None
            passing = (Role.TEAMLEAD, Role.SERVICE) if roles is None else roles
            if principal.role in passing:
                return
            if not customer_link(db, principal.agent_id or "", customer_id, now, window):
                raise BackendError(403, "forbidden", "This customer is not in any of your conversations.")

    @staticmethod
    def _agents_holding(db: DbSession, customer_id: str) -> set[str]:
        rows = db.scalars(
            select(ConversationRow.agent_id).where(
                ConversationRow.customer_id == customer_id,
                ConversationRow.state.in_([ConversationState.ACTIVE.value]),
                ConversationRow.agent_id.is_not(None),
            )
        )
        return {r for r in rows if r}

    # --- conversations ---------------------------------------------------------------------------

    def start_chat(
        self,
        *,
        customer_id: str,
        text: str,
        topic: str | None = None,
        language: str | None = None,
        page: WebPage | None = None,
        channel: str = "chat",
        attributes: dict[str, Any] | None = None,
    ) -> tuple[Conversation, str]:
        """A customer opens a chat: a queued conversation, its first message, a customer token.

        The conversation becomes a routing task whose attributes are the customer's value and
        journey context; `attributes` (from the caller, e.g. the shop) add to or override them.
        """
        if not text.strip():
            raise BackendError(400, "empty_message", "The first message must not be empty.")
        _check_opening(text, page, attributes)
        with self._uow() as uow:
            customer = uow.db.get(CustomerRow, customer_id)
            if customer is None:
                raise BackendError(404, "not_found", f"No customer {customer_id}.")
            self._customer_may_send(customer_id)
            now = utcnow()
            conv = ConversationRow(
                id=_new_id("cv"),
                customer_id=customer_id,
                channel=channel,
                topic=topic,
                language=language or customer.language,
                page=page.model_dump(mode="json") if page else None,
                state=ConversationState.QUEUED.value,
                started_at=now,
            )
            uow.db.add(conv)
            uow.db.flush()
            uow.db.add(
                MessageRow(
                    id=_new_id("m"),
                    conversation_id=conv.id,
                    sender="customer",
                    author=customer.name,
                    text=text.strip(),
                    at=now,
                )
            )
            token = self._mint_token(uow.db, scope="customer", conversation_id=conv.id)
            uow.db.add(self._routing_task(uow.db, conv, customer, attributes))
            uow.db.flush()
            result = self._conversation(uow.db, conv)
        self.wake_router()
        return result, token

    @staticmethod
    def _routing_task(
        db: DbSession, conv: ConversationRow, customer: CustomerRow, extra: dict[str, Any] | None
    ) -> RoutingTaskRow:
        events = db.scalars(
            select(CustomerEventRow).where(
                CustomerEventRow.customer_id == conv.customer_id,
                CustomerEventRow.kind.in_(("page_view", "cart_abandoned", "complaint")),
            )
        )
        attributes = task_attributes(
            _customer(customer),
            channel=conv.channel,
            language=conv.language,
            topic=conv.topic,
            page=WebPage.model_validate(conv.page) if conv.page else None,
            events=[_timeline_event(e) for e in events],
            now=utcnow(),
            extra=extra,
        )
        return RoutingTaskRow(
            conversation_id=conv.id,
            channel=conv.channel,
            attributes=attributes,
            created_at=_aware(conv.started_at),
        )

    def _customer_may_send(self, customer_id: str) -> None:
        """The customer rate limit, for every way a customer's message comes in (the chat API, the
        shop's widget, the simulator: all of them reach start_chat or _post_message)."""
        wait = self._customer_rate.take(customer_id)
        if wait is not None:
            per_minute = self.config.customer_messages_per_minute
            raise BackendError(
                429,
                "rate_limited",
                f"Too many messages: at most {self.config.customer_burst} at once, then "
                f"{per_minute:g} a minute. Try again in {math.ceil(wait)} s.",
                retry_after=wait,
            )

    def post_customer_message(self, principal: Principal, conversation_id: str, text: str) -> Message:
        if principal.scope == "customer" and principal.conversation_id != conversation_id:
            raise BackendError(403, "forbidden", "This token belongs to another conversation.")
        if principal.scope == "agent" and principal.role != Role.SERVICE:
            raise BackendError(403, "forbidden", "Only the customer (or a service user) can post here.")
        return self._post_message(
            conversation_id, sender="customer", agent_id=None, text=text, client_key=None
        )

    def post_agent_message(
        self, principal: Principal, conversation_id: str, text: str, client_key: str | None
    ) -> Message:
        self._require_own_conversation(principal, conversation_id)
        message = self._post_message(
            conversation_id, sender="agent", agent_id=principal.agent_id, text=text, client_key=client_key
        )
        self._after_commit(
            lambda: self._tell_listeners(self.agent_message_listeners, conversation_id, message)
        )
        return message

    @staticmethod
    def _tell_listeners(listeners: list[Callable[..., None]], *args: Any) -> None:
        for listener in list(listeners):
            try:
                listener(*args)
            except Exception:  # a listener (the simulator, cobrowse) must never break the write
                log.exception("listener %r failed", listener)

    def _post_message(
        self, conversation_id: str, *, sender: str, agent_id: str | None, text: str, client_key: str | None
    ) -> Message:
        text = text.strip()
        if not text:
            raise BackendError(400, "empty_message", M.Msg(M.EMPTY_MESSAGE))
        _check_length(text, sender)
        with self._uow() as uow:
            conv = uow.db.get(ConversationRow, conversation_id)
            if conv is None:
                raise BackendError(404, "not_found", f"No conversation {conversation_id}.")
            if sender == "customer" and conv.state != ConversationState.CLOSED.value:
                self._customer_may_send(conv.customer_id)
            if conv.state == ConversationState.CLOSED.value:
                raise BackendError(409, "conversation_closed", M.Msg(M.CONVERSATION_CLOSED))
            if sender == "agent" and conv.state != ConversationState.ACTIVE.value:
                raise BackendError(409, "conversation_not_active", M.Msg(M.CONVERSATION_NOT_ACTIVE))
            author = ""
            if agent_id:
                agent = uow.db.get(AgentRow, agent_id)
                author = agent.name if agent else ""
            else:
                customer = uow.db.get(CustomerRow, conv.customer_id)
                author = customer.name if customer else ""
            row = MessageRow(
                id=_new_id("m"),
                conversation_id=conversation_id,
                sender=sender,
                author=author,
                text=text,
                at=utcnow(),
                client_key=client_key,
            )
            uow.db.add(row)
            message = _message(row)
            if conv.agent_id and conv.state == ConversationState.ACTIVE.value:
                uow.append(conv.agent_id, "message.created", message.model_dump(mode="json"))
        return message

    def customer_messages(self, principal: Principal, conversation_id: str) -> list[Message]:
        if principal.scope == "customer" and principal.conversation_id != conversation_id:
            raise BackendError(403, "forbidden", "This token belongs to another conversation.")
        if principal.scope == "agent" and principal.role != Role.SERVICE:
            self._require_own_conversation(principal, conversation_id, allow_closed=True, read=True)
        with DbSession(self.engine) as db:
            conv = db.get(ConversationRow, conversation_id)
            if conv is None:
                raise BackendError(404, "not_found", f"No conversation {conversation_id}.")
            return list(self._conversation(db, conv).messages)

    def get_conversation(self, principal: Principal, conversation_id: str) -> Conversation:
        self._require_own_conversation(principal, conversation_id, allow_closed=True, read=True)
        with DbSession(self.engine) as db:
            conv = db.get(ConversationRow, conversation_id)
            assert conv is not None
            return self._conversation(db, conv)

    def list_conversations(self, principal: Principal, *, state: str | None) -> list[Conversation]:
        with DbSession(self.engine) as db:
            query = select(ConversationRow).where(ConversationRow.agent_id == principal.agent_id)
            if state:
                query = query.where(ConversationRow.state == state)
            rows = db.scalars(query.order_by(ConversationRow.started_at))
            return [self._conversation(db, r) for r in rows]

    def close_conversation(
        self, principal: Principal, conversation_id: str, wrapup_code: str
    ) -> Conversation:
        self._require_own_conversation(principal, conversation_id, allow_closed=True)
        with self._uow() as uow:
            if uow.db.get(WrapUpCodeRow, wrapup_code) is None:
                raise BackendError(422, "unknown_wrapup_code", M.Msg(M.UNKNOWN_WRAPUP_CODE, code=wrapup_code))
            conv = uow.db.get(ConversationRow, conversation_id)
            assert conv is not None
            if conv.state == ConversationState.CLOSED.value:
                raise BackendError(409, "conversation_closed", M.Msg(M.CONVERSATION_CLOSED))
            conv.state = ConversationState.CLOSED.value
            conv.closed_at = utcnow()
            conv.wrapup_code = wrapup_code
            uow.db.flush()
            result = self._conversation(uow.db, conv, with_messages=False)
            uow.append(principal.agent_id or "", "conversation.closed", result.model_dump(mode="json"))
            uow.append(AUDIENCE_TEAMLEADS, "conversation.closed", result.model_dump(mode="json"))
        # The chat becomes part of the customer's history, with a link to its transcript.
        contact_event = self.contact_event_builders.get(result.channel, _contact_event)
        self.add_customer_events([contact_event(result, wrapup_code)])
        self.wake_router()
        self._after_commit(lambda: self._tell_listeners(self.conversation_closed_listeners, conversation_id))
        return result

    def customer_conversation(
        self, principal: Principal, customer_id: str, conversation_id: str
    ) -> Conversation:
        """A past conversation of a customer the agent is serving, with its transcript (read-only);
        or one the agent handled themselves (their own history), whoever they serve now."""
        with DbSession(self.engine) as db:
            row = db.get(ConversationRow, conversation_id)
            own = row is not None and principal.scope == "agent" and row.agent_id == principal.agent_id
        if not own:
            self.require_access(principal, customer_id=customer_id)
        with DbSession(self.engine) as db:
            row = db.get(ConversationRow, conversation_id)
            if row is None or row.customer_id != customer_id:
                raise BackendError(404, "not_found", f"No conversation {conversation_id} of this customer.")
            return self._conversation(db, row)

    def wrapup_codes(self) -> list[WrapUpCode]:
        with DbSession(self.engine) as db:
            rows = db.scalars(select(WrapUpCodeRow).order_by(WrapUpCodeRow.position))
            return [WrapUpCode(code=r.code, label=r.label) for r in rows]

    def _require_own_conversation(
        self, principal: Principal, conversation_id: str, *, allow_closed: bool = False, read: bool = False
    ) -> None:
        """require_access for one conversation; a write to it also needs it open (unless
        `allow_closed`); `read` lets the agent read their own however old (own_history)."""
        if principal.scope != "agent":
            raise BackendError(403, "forbidden", "Agents only.")
        self.require_access(principal, conversation_id=conversation_id, own_history=read)
        if not allow_closed:
            with self._reading() as db:
                conv = db.get(ConversationRow, conversation_id)
                if conv is not None and conv.state == ConversationState.CLOSED.value:
                    raise BackendError(409, "conversation_closed", M.Msg(M.CONVERSATION_CLOSED))

    def _conversation(
        self, db: DbSession, row: ConversationRow, *, with_messages: bool = True
    ) -> Conversation:
        customer = db.get(CustomerRow, row.customer_id)
        messages: tuple[Message, ...] = ()
        if with_messages:
            messages = tuple(
                _message(m)
                for m in db.scalars(
                    select(MessageRow)
                    .where(MessageRow.conversation_id == row.id)
                    .order_by(MessageRow.at, MessageRow.id)
                )
            )
        return Conversation(
            id=row.id,
            customer=_summary(row.customer_id, customer),
            channel=row.channel,
            topic=row.topic,
            language=row.language,
            page=WebPage.model_validate(row.page) if row.page else None,
            state=ConversationState(row.state),
            agent_id=row.agent_id,
            started_at=row.started_at,
            accepted_at=row.accepted_at,
            closed_at=row.closed_at,
            wrapup_code=row.wrapup_code,
            messages=messages,
        )

    # --- relevance feedback --------------------------------------------------------------------

    def record_feedback(self, principal: Principal, feedback: RelevanceFeedback) -> dict[str, Any]:
        if principal.scope != "agent" or principal.agent_id is None:
            raise BackendError(403, "forbidden", "Agents only.")
        if feedback.outcome == "dismissed" and feedback.reason is None:
            raise BackendError(400, "reason_required", M.Msg(M.REASON_REQUIRED))
        with self._uow() as uow:
            row = FeedbackRow(
                agent_id=principal.agent_id, data=feedback.model_dump(mode="json"), created_at=utcnow()
            )
            uow.db.add(row)
            uow.db.flush()
            return {"id": row.id}

    def feedback(self, principal: Principal, *, limit: int = 5000) -> list[RelevanceFeedback]:
        """Feedback that shapes this agent's ranking: the team's, newest last (learning is shared)."""
        if principal.scope != "agent":
            raise BackendError(403, "forbidden", "Agents only.")
        with DbSession(self.engine) as db:
            rows = list(db.scalars(select(FeedbackRow).order_by(FeedbackRow.id.desc()).limit(limit)))
        return [RelevanceFeedback.model_validate(r.data) for r in reversed(rows)]

    # --- offers and routing ----------------------------------------------------------------------

    def pending_offers(self, principal: Principal) -> list[Offer]:
        with DbSession(self.engine) as db:
            rows = db.scalars(
                select(OfferRow)
                .where(OfferRow.agent_id == principal.agent_id, OfferRow.state == "offered")
                .order_by(OfferRow.offered_at)
            )
            return [self._offer(db, r) for r in rows]

    def accept_offer(self, principal: Principal, offer_id: str) -> Conversation:
        with self._uow() as uow:
            offer = self._own_open_offer(uow.db, principal, offer_id)
            now = utcnow()
            offer.state, offer.decided_at = "accepted", now
            conv = uow.db.get(ConversationRow, offer.conversation_id)
            assert conv is not None
            conv.state = ConversationState.ACTIVE.value
            conv.agent_id = offer.agent_id
            conv.accepted_at = now
            self._record_outcome(uow.db, conv, "answered", now, agent_id=offer.agent_id)
            uow.db.flush()
            revocation = OfferRevocation(offer_id=offer.id, conversation_id=conv.id, reason="accepted")
            uow.append(offer.agent_id, "offer.revoked", revocation.model_dump(mode="json"))
            result = self._conversation(uow.db, conv)
            # The push carries the latest messages only; the REST answer (result) has them all.
            uow.append(offer.agent_id, "conversation.assigned", _pushed(result).model_dump(mode="json"))
        return result

    def reject_offer(self, principal: Principal, offer_id: str) -> None:
        with self._uow() as uow:
            offer = self._own_open_offer(uow.db, principal, offer_id)
            self._end_offer(uow, offer, "rejected")
        self.wake_router()

    def withdraw_offer(self, offer_id: str) -> bool:
        """End an open offer that an external router withdrew (channels/taskrouter_mode.py);
        False when it was no longer open (the agent answered first)."""
        with self._uow() as uow:
            offer = uow.db.get(OfferRow, offer_id)
            if offer is None or offer.state != "offered":
                return False
            self._end_offer(uow, offer, "canceled")
        return True

    def _own_open_offer(self, db: DbSession, principal: Principal, offer_id: str) -> OfferRow:
        offer = db.get(OfferRow, offer_id)
        if offer is None or offer.agent_id != principal.agent_id:
            raise BackendError(404, "not_found", M.Msg(M.NO_OFFER, offer_id=offer_id))
        if offer.state != "offered":
            raise BackendError(409, f"offer_{offer.state}", f"The offer is no longer open ({offer.state}).")
        if _aware(offer.expires_at) <= utcnow():
            raise BackendError(409, "offer_timed_out", M.Msg(M.OFFER_EXPIRED))
        return offer

    def _end_offer(self, uow: _UnitOfWork, offer: OfferRow, reason: str) -> None:
        now = utcnow()
        offer.state, offer.decided_at = reason, now
        conv = uow.db.get(ConversationRow, offer.conversation_id)
        if conv is not None and conv.state == ConversationState.OFFERED.value:
            conv.state = ConversationState.QUEUED.value
        self._cooldown.setdefault(offer.conversation_id, {})[offer.agent_id] = now + timedelta(
            seconds=self.config.reoffer_cooldown_s
        )
        revocation = OfferRevocation(
            offer_id=offer.id,
            conversation_id=offer.conversation_id,
            reason=reason,  # type: ignore[arg-type]
        )
        uow.append(offer.agent_id, "offer.revoked", revocation.model_dump(mode="json"))

    def _cancel_offers_of(self, uow: _UnitOfWork, agent_id: str) -> None:
        for offer in uow.db.scalars(
            select(OfferRow).where(OfferRow.agent_id == agent_id, OfferRow.state == "offered")
        ):
            self._end_offer(uow, offer, "canceled")

    def expire_offers(self) -> int:
        now = utcnow()
        missed: list[str] = []
        with self._uow() as uow:
            for offer in uow.db.scalars(select(OfferRow).where(OfferRow.state == "offered")):
                if _aware(offer.expires_at) <= now:
                    self._end_offer(uow, offer, "timed_out")
                    missed.append(offer.agent_id)
        if self.config.away_after_missed_offer:
            for agent_id in missed:
                self.set_presence(agent_id, Presence.AWAY, reason="missed_offer")
        return len(missed)

    def assign_waiting(self) -> int:
        """One router pass: place waiting tasks in their workflow step and offer them to agents.

        The decisions are the domain's (workstation.domain.workflow.Router.plan); this method reads
        the state they need and writes their outcome: step changes, offers with their reasons, and
        tasks given up after their time to live.
        """
        now = utcnow()
        made = 0
        router = self._router
        with self._uow() as uow:
            waiting = list(
                uow.db.scalars(
                    select(ConversationRow)
                    .where(ConversationRow.state == ConversationState.QUEUED.value)
                    .order_by(ConversationRow.started_at)
                )
            )
            if not waiting:
                return 0
            rows = self._task_rows(uow.db, waiting)
            # Held for the whole pass: the session's identity map keeps rows only while referenced,
            # and each offer updates its agent's row.
            agents = {a.id: a for a in self._agent_rows(uow.db)}
            workers = self._workers(uow.db, list(agents.values()))
            tasks = [self._task_state(rows[conv.id], now) for conv in waiting]
            by_id = {conv.id: conv for conv in waiting}
            names = {
                customer_id: CustomerSummary(id=customer_id, name=name, language=language)
                for customer_id, name, language in uow.db.execute(
                    select(CustomerRow.id, CustomerRow.name, CustomerRow.language).where(
                        CustomerRow.id.in_({conv.customer_id for conv in waiting})
                    )
                )
            }
            reasons: list[OfferReasonRow] = []
            for decision in router.plan(tasks, workers, now.timestamp()):
                conv, task = by_id[decision.task_id], rows[decision.task_id]
                _record_step(task, decision)
                if decision.expired:
                    self._give_up(uow, conv)
                elif decision.worker_id is not None:
                    customer = names.get(conv.customer_id) or _summary(conv.customer_id, None)
                    agent = agents[decision.worker_id]
                    reasons.append(self._make_offer(uow, conv, customer, agent, decision, now))
                    made += 1
            # Offers first, then their reasons: no ORM relationship orders the two inserts.
            uow.db.flush()
            uow.db.add_all(reasons)
        return made

    def _make_offer(
        self,
        uow: _UnitOfWork,
        conv: ConversationRow,
        customer: CustomerSummary,
        agent: AgentRow,
        decision: Decision,
        now: datetime,
    ) -> OfferReasonRow:
        assert decision.worker_id is not None and decision.reason is not None
        offer = OfferRow(
            id=_new_id("of"),
            conversation_id=conv.id,
            agent_id=decision.worker_id,
            state="offered",
            offered_at=now,
            expires_at=now + timedelta(seconds=self.config.offer_timeout_s),
        )
        uow.db.add(offer)
        conv.state = ConversationState.OFFERED.value
        agent.last_offer_at = now
        record = _offer_record(offer, conv, customer, decision.reason)
        uow.append(agent.id, "offer.created", record.model_dump(mode="json"))
        return OfferReasonRow(offer_id=offer.id, data=decision.reason.model_dump(mode="json"))

    def _give_up(self, uow: _UnitOfWork, conv: ConversationRow) -> None:
        """A task that waited out its time to live: closed, with a word to the customer."""
        now = utcnow()
        conv.state = ConversationState.CLOSED.value
        conv.closed_at = now
        self._record_outcome(uow.db, conv, "expired", now)
        uow.db.add(
            MessageRow(
                id=_new_id("m"),
                conversation_id=conv.id,
                sender="system",
                text="No agent could take this conversation in time. Please try again later.",
                at=now,
            )
        )
        uow.db.flush()
        closed = self._conversation(uow.db, conv, with_messages=False)
        uow.append(AUDIENCE_TEAMLEADS, "conversation.closed", closed.model_dump(mode="json"))

    def _task_rows(self, db: DbSession, convs: list[ConversationRow]) -> dict[str, RoutingTaskRow]:
        rows = {
            r.conversation_id: r
            for r in db.scalars(
                select(RoutingTaskRow).where(RoutingTaskRow.conversation_id.in_([c.id for c in convs]))
            )
        }
        for conv in convs:
            if conv.id not in rows:  # queued before routing tasks existed (an older database)
                customer = db.get(CustomerRow, conv.customer_id)
                assert customer is not None
                rows[conv.id] = self._routing_task(db, conv, customer, None)
                db.add(rows[conv.id])
        return rows

    def _task_state(self, row: RoutingTaskRow, now: datetime) -> TaskState:
        cooldown = self._cooldown.get(row.conversation_id, {})
        return TaskState(
            id=row.conversation_id,
            channel=row.channel,
            attributes=row.attributes,
            created_at=_aware(row.created_at).timestamp(),
            placed=row.placed,
            filter_name=row.filter_name,
            step=row.step,
            step_started_at=_aware(row.step_started_at).timestamp() if row.step_started_at else 0.0,
            excluded=frozenset(a for a, until in cooldown.items() if until > now),
            **self._moves.get(row.conversation_id, {}),
        )

    def _workers(self, db: DbSession, agents: list[AgentRow] | None = None) -> list[WorkerState]:
        load = self._load(db)
        routing = {r.agent_id: r for r in db.scalars(select(AgentRoutingRow))}
        if agents is None:
            agents = self._agent_rows(db)
        workers = []
        for agent in agents:
            extra = routing.get(agent.id)
            capacity = _capacity(agent, extra)
            for hook in self.capacity_hooks:
                capacity = hook(agent.username, capacity, load.get(agent.id, {}))
            workers.append(
                WorkerState(
                    id=agent.id,
                    attributes=_worker_attributes(agent, extra),
                    capacity=capacity,
                    load=load.get(agent.id, {}),
                    available=agent.presence == Presence.AVAILABLE.value,
                    idle_since=_aware(agent.last_offer_at).timestamp() if agent.last_offer_at else 0.0,
                )
            )
        return workers

    @staticmethod
    def _agent_rows(db: DbSession) -> list[AgentRow]:
        return list(db.scalars(select(AgentRow).where(AgentRow.role == Role.AGENT.value)))

    @staticmethod
    def _load(db: DbSession) -> dict[str, dict[str, int]]:
        """Agent id -> channel -> conversations held plus offers open (what counts against capacity)."""
        load: dict[str, dict[str, int]] = {}
        for agent_id, channel, count in db.execute(
            select(ConversationRow.agent_id, ConversationRow.channel, func.count())
            .where(ConversationRow.state == ConversationState.ACTIVE.value)
            .group_by(ConversationRow.agent_id, ConversationRow.channel)
        ):
            if agent_id:
                load.setdefault(agent_id, {})[channel] = count
        for agent_id, channel, count in db.execute(
            select(OfferRow.agent_id, ConversationRow.channel, func.count())
            .join(ConversationRow, ConversationRow.id == OfferRow.conversation_id)
            .where(OfferRow.state == "offered")
            .group_by(OfferRow.agent_id, ConversationRow.channel)
        ):
            per_channel = load.setdefault(agent_id, {})
            per_channel[channel] = per_channel.get(channel, 0) + count
        return load

    @staticmethod
    def offer_record(
        row: OfferRow, conv: ConversationRow, customer: CustomerRow | None, routing: RoutingReason | None
    ) -> Offer:
        """An offer as agents receive it (for an external router's offers: channels/taskrouter_mode.py)."""
        return _offer_record(row, conv, _summary(conv.customer_id, customer), routing)

    def _offer(self, db: DbSession, row: OfferRow) -> Offer:
        conv = db.get(ConversationRow, row.conversation_id)
        assert conv is not None
        customer = db.get(CustomerRow, conv.customer_id)
        reason = db.get(OfferReasonRow, row.id)
        routing = RoutingReason.model_validate(reason.data) if reason else None
        return _offer_record(row, conv, _summary(conv.customer_id, customer), routing)

    # --- routing configuration (team leads and service users) ----------------------------------

    @staticmethod
    def _require_supervisor(principal: Principal) -> None:
        if principal.scope != "agent" or principal.role not in (Role.TEAMLEAD, Role.SERVICE):
            raise BackendError(403, "forbidden", "Team leads only.")

    def routing_config(self, principal: Principal) -> RoutingConfig:
        self._require_supervisor(principal)
        return self._router.config

    def replace_routing_config(self, principal: Principal, raw: Any) -> RoutingConfig:
        """Validate and store a new workflow and queues; waiting tasks are routed afresh under it."""
        self._require_supervisor(principal)
        router = _compile_config(raw)
        with self._uow() as uow:
            uow.db.merge(Meta(key=ROUTING_CONFIG_KEY, value=router.config.model_dump_json()))
            audit.record(
                uow.db,
                audit.ROUTING_CONFIG,
                actor=audit.actor_of(uow.db, principal.agent_id),
                queues=[q.id for q in router.config.queues],
            )
            for task in uow.db.scalars(
                select(RoutingTaskRow)
                .join(ConversationRow, ConversationRow.id == RoutingTaskRow.conversation_id)
                .where(ConversationRow.state == ConversationState.QUEUED.value)
            ):
                task.placed, task.filter_name, task.step, task.step_started_at = False, None, 0, None
        self._router = router
        self.wake_router()
        return router.config

    def agent_routing(self, principal: Principal) -> list[dict[str, Any]]:
        self._require_supervisor(principal)
        with DbSession(self.engine) as db:
            routing = {r.agent_id: r for r in db.scalars(select(AgentRoutingRow))}
            return [
                {
                    "agent_id": agent.id,
                    "username": agent.username,
                    "attributes": _worker_attributes(agent, routing.get(agent.id)),
                    "capacity": _capacity(agent, routing.get(agent.id)),
                }
                for agent in db.scalars(
                    select(AgentRow).where(AgentRow.role == Role.AGENT.value).order_by(AgentRow.username)
                )
            ]

    def set_agent_routing(self, principal: Principal | None, agent_id: str, routing: AgentRouting) -> None:
        """Replace an agent's routing attributes and capacity (principal None: seeding in-process).

        `skills` and `languages` in the attributes also update the agent's record, so the desktop
        and the router never disagree about them.
        """
        if principal is not None:
            self._require_supervisor(principal)
        problems = []
        for channel, capacity in routing.capacity.items():
            if not 0 <= capacity <= 20:
                problems.append({"field": f"capacity.{channel}", "problem": "must be 0 to 20"})
        for key in ("skills", "languages"):
            value = routing.attributes.get(key)
            if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                problems.append({"field": f"attributes.{key}", "problem": "must be a list of strings"})
        if problems:
            raise BackendError(400, "bad_agent_routing", "The agent's routing is invalid.", problems)
        with self._uow() as uow:
            agent = uow.db.get(AgentRow, agent_id)
            # Only agents are routed (team leads and service accounts have no routing row to show):
            # refused before anything changes, so a failed PUT leaves the record as it was.
            if agent is None or agent.role != Role.AGENT.value:
                raise BackendError(404, "not_found", f"No agent {agent_id}.")
            if principal is not None:
                audit.record(
                    uow.db,
                    audit.AGENT_ROUTING,
                    actor=audit.actor_of(uow.db, principal.agent_id),
                    target=agent.username,
                    attributes=sorted(routing.attributes),
                    capacity=[f"{k}={v}" for k, v in sorted(routing.capacity.items())],
                )
            attributes = dict(routing.attributes)
            if "skills" in attributes:
                agent.skills = list(attributes.pop("skills"))
            if "languages" in attributes:
                agent.languages = list(attributes.pop("languages"))
            for key in ("id", "username", "name"):
                attributes.pop(key, None)
            if routing.capacity.get("chat"):
                agent.max_chats = int(routing.capacity["chat"])
            uow.db.merge(AgentRoutingRow(agent_id=agent_id, attributes=attributes, capacity=routing.capacity))
        self.wake_router()

    def has_agent_routing(self, agent_id: str) -> bool:
        with DbSession(self.engine) as db:
            return db.get(AgentRoutingRow, agent_id) is not None

    def routing_history(self, principal: Principal, conversation_id: str) -> dict[str, Any]:
        """Where a task went and why: its attributes, its workflow position, every offer with its reason."""
        self._require_supervisor(principal)
        with DbSession(self.engine) as db:
            conv = db.get(ConversationRow, conversation_id)
            if conv is None:
                raise BackendError(404, "not_found", f"No conversation {conversation_id}.")
            task = db.get(RoutingTaskRow, conversation_id)
            offers = []
            for offer in db.scalars(
                select(OfferRow)
                .where(OfferRow.conversation_id == conversation_id)
                .order_by(OfferRow.offered_at)
            ):
                reason = db.get(OfferReasonRow, offer.id)
                offers.append(
                    {
                        "offer_id": offer.id,
                        "agent_id": offer.agent_id,
                        "state": offer.state,
                        "offered_at": _aware(offer.offered_at).isoformat(),
                        "decided_at": _aware(offer.decided_at).isoformat() if offer.decided_at else None,
                        "routing": reason.data if reason else None,
                    }
                )
            return {
                "conversation_id": conv.id,
                "state": conv.state,
                "agent_id": conv.agent_id,
                "attributes": task.attributes if task else None,
                "filter": task.filter_name if task else None,
                "step": task.step + 1 if task and task.placed else None,
                "offers": offers,
            }

    def why_waiting(self, principal: Principal, conversation_id: str | None = None) -> list[WaitingReason]:
        """Where each waiting task (or the one asked about) stands, and who could take it."""
        self._require_supervisor(principal)
        now = utcnow()
        with DbSession(self.engine) as db:
            query = select(ConversationRow).where(
                ConversationRow.state.in_((ConversationState.QUEUED.value, ConversationState.OFFERED.value))
            )
            if conversation_id is not None:
                conv = db.get(ConversationRow, conversation_id)
                if conv is None:
                    raise BackendError(
                        404, "not_found", M.Msg(M.NO_CONVERSATION, conversation_id=conversation_id)
                    )
                if conv.state not in (ConversationState.QUEUED.value, ConversationState.OFFERED.value):
                    raise BackendError(409, "not_waiting", M.Msg(M.NOT_WAITING, state=conv.state))
                query = query.where(ConversationRow.id == conversation_id)
            convs = list(db.scalars(query.order_by(ConversationRow.started_at)))
            rows = self._task_rows(db, convs)
            workers = self._workers(db)
            offered = {
                conv_id: agent_id
                for conv_id, agent_id in db.execute(
                    select(OfferRow.conversation_id, OfferRow.agent_id).where(
                        OfferRow.state == "offered", OfferRow.conversation_id.in_([c.id for c in convs])
                    )
                )
            }
            return [
                self._router.waiting(
                    self._task_state(rows[c.id], now), workers, now.timestamp(), offered_to=offered.get(c.id)
                )
                for c in convs
            ]

    # --- team-lead actions, and customers who leave ---------------------------------------------

    def force_presence(self, principal: Principal, agent_id: str, presence: Presence) -> Agent:
        """A team lead sets an agent's presence (e.g. Away for someone who left the desk)."""
        self._require_supervisor(principal)
        with DbSession(self.engine) as db:
            target = db.get(AgentRow, agent_id)
            lead = db.get(AgentRow, principal.agent_id or "")
            if target is None or target.role != Role.AGENT.value:
                raise BackendError(404, "not_found", M.Msg(M.NO_AGENT, agent_id=agent_id))
            by = lead.username if lead else "service"
        with self.batch():  # the change and its audit entry commit together
            agent = self.set_presence(agent_id, presence, reason=f"team_lead:{by}")
            with self._uow() as uow:
                audit.record(
                    uow.db,
                    audit.FORCE_PRESENCE,
                    actor=audit.actor_of(uow.db, principal.agent_id),
                    target=target.username,
                    presence=presence.value,
                )
        return agent

    def move_task(self, principal: Principal, conversation_id: str, queue_id: str) -> WaitingReason:
        """A team lead moves a waiting task to another queue: any member of it may take it now.

        An open offer for the task is withdrawn; the task keeps its arrival time (its wait goes on)
        and the priority of the step it was in.
        """
        self._require_supervisor(principal)
        if queue_id not in {q.id for q in self._router.config.queues}:
            raise BackendError(422, "unknown_queue", M.Msg(M.UNKNOWN_QUEUE, queue_id=queue_id))
        now = utcnow()
        with self._uow() as uow:
            conv = uow.db.get(ConversationRow, conversation_id)
            if conv is None:
                raise BackendError(
                    404, "not_found", M.Msg(M.NO_CONVERSATION, conversation_id=conversation_id)
                )
            if conv.state not in (ConversationState.QUEUED.value, ConversationState.OFFERED.value):
                raise BackendError(409, "not_waiting", M.Msg(M.NOT_WAITING, state=conv.state))
            (task,) = self._task_rows(uow.db, [conv]).values()
            for offer in uow.db.scalars(
                select(OfferRow).where(OfferRow.conversation_id == conv.id, OfferRow.state == "offered")
            ):
                self._end_offer(uow, offer, "canceled")
                self._cooldown.get(conv.id, {}).pop(offer.agent_id, None)  # not the agent's fault
            lead = uow.db.get(AgentRow, principal.agent_id or "")
            uow.db.merge(
                TaskMoveRow(
                    conversation_id=conv.id,
                    queue=queue_id,
                    priority=task.priority,
                    moved_by=lead.username if lead else "service",
                    moved_at=now,
                )
            )
            task.queue = queue_id
            audit.record(
                uow.db,
                audit.MOVE_TASK,
                actor=audit.actor_of(uow.db, principal.agent_id),
                target=conv.id,
                queue=queue_id,
            )
            self._moves[conv.id] = {"moved_to": queue_id, "moved_priority": task.priority}
        self.wake_router()
        (reason,) = self.why_waiting(principal, conversation_id)
        return reason

    def leave_chat(self, principal: Principal, conversation_id: str) -> Conversation:
        """The customer leaves: a waiting chat is closed as abandoned; an active one tells its agent."""
        if principal.scope == "customer" and principal.conversation_id != conversation_id:
            raise BackendError(403, "forbidden", "This token belongs to another conversation.")
        if principal.scope == "agent" and principal.role != Role.SERVICE:
            raise BackendError(403, "forbidden", "Only the customer (or a service user) can leave a chat.")
        now = utcnow()
        with self._uow() as uow:
            conv = uow.db.get(ConversationRow, conversation_id)
            if conv is None:
                raise BackendError(404, "not_found", f"No conversation {conversation_id}.")
            if conv.state == ConversationState.CLOSED.value:
                raise BackendError(409, "conversation_closed", M.Msg(M.CONVERSATION_CLOSED))
            note = MessageRow(
                # author given: the column default only applies at flush, after _message() reads it
                id=_new_id("m"),
                conversation_id=conv.id,
                sender="system",
                author="",
                text=M.CUSTOMER_LEFT,
                at=now,
            )
            uow.db.add(note)
            if conv.state == ConversationState.ACTIVE.value:
                # The agent still wraps it up; they see why nobody answers any more.
                if conv.agent_id:
                    uow.append(conv.agent_id, "message.created", _message(note).model_dump(mode="json"))
                uow.db.flush()
                return self._conversation(uow.db, conv, with_messages=False)
            for offer in uow.db.scalars(
                select(OfferRow).where(OfferRow.conversation_id == conv.id, OfferRow.state == "offered")
            ):
                self._end_offer(uow, offer, "canceled")
            conv.state = ConversationState.CLOSED.value
            conv.closed_at = now
            self._record_outcome(uow.db, conv, "abandoned", now)
            uow.db.flush()
            closed = self._conversation(uow.db, conv, with_messages=False)
            uow.append(AUDIENCE_TEAMLEADS, "conversation.closed", closed.model_dump(mode="json"))
        self._cooldown.pop(conversation_id, None)
        self.wake_router()
        return closed

    def _record_outcome(
        self, db: DbSession, conv: ConversationRow, outcome: str, now: datetime, agent_id: str | None = None
    ) -> None:
        """How the task left its queue, for the queue statistics (in the same transaction as the change)."""
        task = db.get(RoutingTaskRow, conv.id)
        arrived = _aware(conv.started_at)
        db.merge(
            TaskOutcomeRow(
                conversation_id=conv.id,
                queue=(task.queue if task else None) or self._router.config.workflow.default_queue,
                outcome=outcome,
                arrived_at=arrived,
                ended_at=now,
                wait_s=max(0.0, (now - arrived).total_seconds()),
                agent_id=agent_id,
            )
        )
        self._moves.pop(conv.id, None)

    async def run_router(self) -> None:
        """Expire offers and assign waiting chats, on every wake-up and at least every tick; on
        PostgreSQL only while this process holds the router lock (router_lease.py)."""
        await router_lease.run_exclusive(self.engine, self._route)

    async def _route(self) -> None:
        shared = router_lease.SharedRouterState(self) if self.fanout.shared else None
        while True:
            try:
                if shared is not None:
                    shared.refresh()
                self.expire_offers()
                if not self.external_router:
                    self.assign_waiting()
                self.prune_log()
            except Exception:
                log.exception("routing pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake_router.wait(), self.config.router_tick_s)
            self._wake_router.clear()

    # --- the event log ---------------------------------------------------------------------------

    def head(self) -> int:
        with DbSession(self.engine) as db:
            return db.scalar(select(func.max(EventLogRow.seq))) or 0

    def oldest(self) -> int:
        with DbSession(self.engine) as db:
            return db.scalar(select(func.min(EventLogRow.seq))) or 0

    def events_after(self, principal: Principal, after: int, limit: int = 1000) -> list[EventFrame]:
        audiences = [AUDIENCE_ALL, principal.agent_id or ""]
        if principal.role == Role.TEAMLEAD:
            audiences.append(AUDIENCE_TEAMLEADS)
        with DbSession(self.engine) as db:
            rows = db.scalars(
                select(EventLogRow)
                .where(EventLogRow.seq > after, EventLogRow.audience.in_(audiences))
                .order_by(EventLogRow.seq)
                .limit(limit)
            )
            return [EventFrame(seq=r.seq, type=r.type, at=r.at, data=r.data) for r in rows]

    def prune_log(self) -> None:
        head = self.head()
        cutoff = head - self.config.max_log_events
        if cutoff > 0 and self.oldest() <= cutoff:
            with self._uow() as uow:
                uow.db.query(EventLogRow).filter(EventLogRow.seq <= cutoff).delete()


def _expired(window_s: float, what: str) -> str:
    return f"Your access to {what} ended {window_s / 60:g} minutes after its wrap-up."


def _check_length(text: str, sender: str) -> None:
    limit = MAX_CUSTOMER_MESSAGE_CHARS if sender == "customer" else MAX_AGENT_MESSAGE_CHARS
    if len(text) > limit:
        raise BackendError(
            413,
            "message_too_long",
            M.Msg(
                M.AGENT_MESSAGE_TOO_LONG,
                _text=f"An agent message may have at most {limit:,} characters; this one has {len(text):,}.",
                limit=limit,
                length=len(text),
            )
            if sender != "customer"
            else f"A customer message may have at most {limit:,} characters; this one has {len(text):,}.",
        )


def _check_opening(text: str, page: WebPage | None, attributes: dict[str, Any] | None) -> None:
    """Bounds of a new chat: its first message, the page it starts on, the caller's attributes."""
    _check_length(text.strip(), "customer")
    problems = []
    if page is not None and len(page.url) > MAX_PAGE_URL_CHARS:
        problems.append({"field": "page.url", "problem": f"at most {MAX_PAGE_URL_CHARS} characters"})
    if page is not None and len(page.title) > MAX_PAGE_TITLE_CHARS:
        problems.append({"field": "page.title", "problem": f"at most {MAX_PAGE_TITLE_CHARS} characters"})
    if attributes:
        try:
            check_data("attributes", attributes, max_bytes=MAX_ATTRIBUTES_BYTES)
        except LimitExceeded as exc:
            problems.append({"field": "attributes", "problem": str(exc)})
    if problems:
        raise BackendError(413, "too_large", "Parts of the chat are too large.", problems)


def _pushed(conv: Conversation) -> Conversation:
    """`conv` as pushed on the stream: only its latest messages (PUSHED_MESSAGES, at most
    PUSHED_TRANSCRIPT_BYTES), with the count of those left out."""
    kept: list[Message] = []
    size = 0
    for message in reversed(conv.messages):
        size += len(message.model_dump_json().encode())
        if len(kept) >= PUSHED_MESSAGES or (kept and size > PUSHED_TRANSCRIPT_BYTES):
            break
        kept.append(message)
    omitted = len(conv.messages) - len(kept)
    return conv.model_copy(update={"messages": tuple(reversed(kept)), "messages_omitted": omitted})


def error_body(exc: BackendError) -> dict[str, Any]:
    error: dict[str, Any] = {"code": exc.code, "message": exc.message}
    params = M.wire_params(exc.message)  # a worded refusal: its template, for the desk to translate
    if params is not None:
        error["message_id"], error["params"] = exc.message.template, params  # type: ignore[attr-defined]
    if exc.details:
        error["details"] = exc.details
    if exc.current is not None:
        error["current"] = exc.current
    return {"error": error}


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _filtered(query: Any, where: timeline.TimelineFilter, open_keys: Any, *, fts: bool) -> Any:
    """`where` in SQL; the text through the FTS5 index when `fts` (SQLite), else by LIKE."""
    if where.channels:
        query = query.where(CustomerEventRow.channel.in_(sorted(where.channels)))
    if where.phases:
        query = query.where(CustomerEventRow.phase.in_(sorted(where.phases)))
    if where.kinds:
        query = query.where(CustomerEventRow.kind.in_(sorted(where.kinds)))
    if where.only_open:
        query = query.where(CustomerEventRow.story.in_(open_keys.order_by(None).scalar_subquery()))
    text = where.text.strip()
    match = timeline.fts_query(text) if fts else None
    if match is not None:
        rows = sql_text(f"SELECT rowid FROM {EVENTS_FTS} WHERE {EVENTS_FTS} MATCH :match")
        query = query.where(
            literal_column("customer_events.rowid").in_(
                rows.bindparams(match=match).columns(sql_column("rowid"))
            )
        )
    elif text:
        pattern = timeline.like_pattern(text)
        query = query.where(
            CustomerEventRow.summary.ilike(pattern, escape="\\")
            | func.cast(CustomerEventRow.data, String).ilike(pattern, escape="\\")
        )
    return query


#: How a wrap-up code reads as the outcome of a contact in the customer's history.
WRAPUP_OUTCOMES = {
    "resolved": "resolved",
    "info_given": "resolved",
    "follow_up": "callback_promised",
    "escalated": "escalated",
}


def _contact_event(conv: Conversation, wrapup_code: str) -> TimelineEvent:
    outcome = WRAPUP_OUTCOMES.get(wrapup_code, "unresolved")
    topic = conv.topic or "general"
    at = conv.closed_at or utcnow()
    return TimelineEvent(
        id=f"{conv.id}-closed",
        customer_id=conv.customer.id,
        at=at,
        channel=conv.channel,
        kind="contact",
        summary=f"{conv.channel.capitalize()} about {topic.replace('_', ' ')}, {outcome.replace('_', ' ')}",
        data={"topic": topic, "outcome": outcome, "conversation_id": conv.id, "wrapup_code": wrapup_code},
    )


def _item_id(item: Any) -> str | None:
    value = item.get("id") if isinstance(item, dict) else None
    return value if isinstance(value, str) else None


def _validation_text(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ())) or "event"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


def _encode_cursor(at: datetime, event_id: str) -> str:
    return f"{_aware(at).isoformat()}|{event_id}"


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        at_text, event_id = cursor.split("|", 1)
        at = datetime.fromisoformat(at_text)
    except ValueError as exc:
        raise BackendError(400, "bad_cursor", "The paging cursor is malformed.") from exc
    # SQLite keeps naive UTC timestamps; compare like with like.
    return at.replace(tzinfo=None), event_id


def _record_step(task: RoutingTaskRow, decision: Decision) -> None:
    started = datetime.fromtimestamp(decision.step_started_at, UTC)
    unchanged = (
        task.placed
        and task.filter_name == decision.filter_name
        and task.step == decision.step
        and task.step_started_at is not None
        and _aware(task.step_started_at) == started
    )
    if unchanged:  # most passes change nothing: no UPDATE for them
        return
    task.placed = True
    task.filter_name = decision.filter_name
    task.step = decision.step
    task.step_started_at = started
    task.priority = decision.priority
    task.queue = decision.queue


def _compile_config(raw: Any) -> Router:
    """A Router for a submitted configuration, or a 400 naming every problem (with positions)."""
    try:
        return compile_config(raw)
    except RoutingConfigError as exc:
        first = exc.problems[0]
        message = f"The routing configuration is invalid: {first.field}: {first.message}"
        raise BackendError(400, "bad_routing_config", message, [p.as_dict() for p in exc.problems]) from exc


def _worker_attributes(agent: AgentRow, extra: AgentRoutingRow | None) -> dict[str, Any]:
    """What worker.* reads: the agent's identity, skills and languages, then its routing attributes."""
    attributes: dict[str, Any] = dict(extra.attributes) if extra else {}
    attributes.update(
        id=agent.id,
        username=agent.username,
        name=agent.name,
        skills=list(agent.skills),
        languages=list(agent.languages),
    )
    return attributes


def _capacity(agent: AgentRow, extra: AgentRoutingRow | None) -> dict[str, int]:
    if extra is not None:
        return {str(k): int(v) for k, v in extra.capacity.items()}
    return {"chat": agent.max_chats, "voice": 1}


def _agent(row: AgentRow) -> Agent:
    return Agent(
        id=row.id,
        username=row.username,
        name=row.name,
        role=Role(row.role),
        skills=tuple(row.skills),
        languages=tuple(row.languages),
        max_chats=row.max_chats,
        presence=Presence(row.presence),
    )


def _offer_record(
    row: OfferRow, conv: ConversationRow, customer: CustomerSummary, routing: RoutingReason | None
) -> Offer:
    """An offer as agents receive it (pushed when made, listed later): one shape for both."""
    return Offer(
        id=row.id,
        conversation_id=conv.id,
        customer=customer,
        channel=conv.channel,
        topic=conv.topic,
        language=conv.language,
        page=WebPage.model_validate(conv.page) if conv.page else None,
        offered_at=row.offered_at,
        expires_at=row.expires_at,
        routing=routing,
    )


def _summary(customer_id: str, row: CustomerRow | None) -> CustomerSummary:
    # A conversation outlives nothing, but a half-migrated database must not crash a listing.
    return CustomerSummary(
        id=customer_id, name=row.name if row else "?", language=row.language if row else "en"
    )


def _customer(row: CustomerRow) -> Customer:
    return Customer.model_validate({**row.data, "id": row.id, "version": row.version})


def _timeline_event(row: CustomerEventRow) -> TimelineEvent:
    return TimelineEvent(
        id=row.id,
        customer_id=row.customer_id,
        at=row.at,
        channel=row.channel,
        kind=row.kind,
        summary=row.summary,
        data=row.data,
    )


def _message(row: MessageRow) -> Message:
    return Message(
        id=row.id,
        conversation_id=row.conversation_id,
        sender=row.sender,  # type: ignore[arg-type]
        author=row.author,
        text=row.text,
        at=row.at,
        client_key=row.client_key,
    )
