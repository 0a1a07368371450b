"""The backend's base: its database, the unit of work, the event log and the router's wake-up."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as DbSession

from workstation.domain.models import (
    Conversation,
    EventFrame,
    Message,
    Role,
    TimelineEvent,
    utcnow,
)
from workstation.domain.workflow import (
    Router,
    compile_config,
)
from workstation.server.backend.core import (
    AUDIENCE_ALL,
    AUDIENCE_TEAMLEADS,
    DEFAULT_WRAPUP_CODES,
    ROUTING_CONFIG_KEY,
    BackendConfig,
    EventHub,
    Principal,
    _UnitOfWork,
    log,
)
from workstation.server.backend.workers import CapacityHook, WorkerDirectory
from workstation.server.db import (
    EventLogRow,
    IdempotencyRow,
    Meta,
    TaskMoveRow,
    WrapUpCodeRow,
    read_session,
)
from workstation.server.fanout import EventFanout
from workstation.server.limits import (
    RateLimiter,
)
from workstation.server.streams import StreamRegistry
from workstation.server.writer_thread import LoopHandoff, WriterThread

if TYPE_CHECKING:
    from workstation.domain.models import Agent, Presence
    from workstation.domain.workflow import TaskState, WorkerState
    from workstation.server.backend.core import IngestResult
    from workstation.server.backend.mappers import _TaskFacts
    from workstation.server.db import ConversationRow, CustomerRow, OfferRow, RoutingTaskRow


def _guarded(callback: Callable[[], None]) -> None:
    try:
        callback()
    except Exception:  # a listener must never break the write that is already committed
        log.exception("after-commit listener failed")


class BackendBase:
    """The database, the units of work (one transaction, events pushed after its commit), the event log."""

    def __init__(
        self, engine: Engine, config: BackendConfig | None = None, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.engine = engine
        self.config = config or BackendConfig()
        #: The time access checks compare against (tests move it past the after-wrap-up window).
        self.clock = clock
        self.hub = EventHub()
        #: Held by every unit of work and, for a whole operation, by the writer thread: the backend's
        #: state changes (database and in-memory routing state) never interleave (writer_thread.py).
        self.state_lock = threading.RLock()
        #: Gets pushes, router wake-ups and listeners from the writer thread onto the event loop.
        self.loop = LoopHandoff()
        #: Where the REST API's state changes and the router's passes run, off the event loop.
        self.writer = WriterThread(self.state_lock, self.loop)
        #: Writes the event log and feeds the hub (across processes on PostgreSQL: fanout.py).
        self.fanout = EventFanout(engine, self.hub, self.loop)
        self._customer_rate = RateLimiter(
            self.config.customer_burst, self.config.customer_messages_per_minute
        )
        #: Open WebSocket streams per token: revoking a token (logout) closes them.
        self.streams = StreamRegistry()
        self.fanout.on_revoked = self.streams.revoke_key
        self._wake_router = asyncio.Event()
        # On PostgreSQL a chat opened through another process reaches the router this way (before:
        # at its next tick, a quarter of a second later at worst); router_min_gap_s bounds the passes.
        self.fanout.on_delivered = self.wake_router
        #: conversation id -> agent id -> not before: agents who declined or missed that chat.
        self._cooldown: dict[str, dict[str, datetime]] = {}
        self.agent_message_listeners: list[Callable[[str, Message], None]] = []
        #: conversation id -> TaskState fields of a task a team lead moved to another queue.
        self._moves: dict[str, dict[str, Any]] = {}
        #: Called with a conversation's id after it was closed (cobrowse ends its session then).
        self.conversation_closed_listeners: list[Callable[[str], None]] = []
        #: (username, capacity, load) -> capacity: the voice channel's rules (no phone, no calls).
        self.capacity_hooks: list[CapacityHook] = []
        #: The router's view of the agents, parsed again only where it changed (workers.py).
        self._worker_directory = WorkerDirectory()
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
        with read_session(engine) as db:
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
        with self.state_lock, DbSession(self.engine, expire_on_commit=False) as db:
            uow = _UnitOfWork(db)
            yield uow
            db.flush()
            # Still under the lock: frames are handed on in commit order, which is seq order.
            self.fanout.commit(db, uow.pending)
        for callback in uow.after:
            self.loop.call(_guarded, callback)

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
        return contextlib.nullcontext(outer.db) if outer is not None else read_session(self.engine)

    def _after_commit(self, callback: Callable[[], None]) -> None:
        outer = self._batch.get()
        if outer is not None:
            outer.after.append(callback)
        else:
            self.loop.call(callback)

    def wake_router(self) -> None:
        """Thread-safe: from the writer thread (or voice's SIP thread) the wake-up goes through the loop."""
        self.loop.call(self._wake_router.set)

    # --- the event log ---------------------------------------------------------------------------

    def head(self) -> int:
        with read_session(self.engine) as db:
            return db.scalar(select(func.max(EventLogRow.seq))) or 0

    def oldest(self) -> int:
        with read_session(self.engine) as db:
            return db.scalar(select(func.min(EventLogRow.seq))) or 0

    def events_after(self, principal: Principal, after: int, limit: int = 1000) -> list[EventFrame]:
        audiences = [AUDIENCE_ALL, principal.agent_id or ""]
        if principal.role == Role.TEAMLEAD:
            audiences.append(AUDIENCE_TEAMLEADS)
        with read_session(self.engine) as db:
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

    if TYPE_CHECKING:
        # What one area's mixin calls of another's (Backend composes them all). Declared for the type
        # checker only: at run time these names resolve, through Backend's MRO, to the one definition
        # in the area named; the signatures must stay identical to those definitions.

        # auth.py (AuthAndPresence)
        def _mint_token(
            self,
            db: DbSession,
            *,
            scope: str,
            agent_id: str | None = None,
            conversation_id: str | None = None,
        ) -> str: ...

        def set_presence(self, agent_id: str, presence: Presence, reason: str | None = None) -> Agent: ...

        # customers.py (Customers)
        def add_customer_events(
            self, events: list[TimelineEvent], *, push: bool = True
        ) -> list[IngestResult]: ...

        def require_access(
            self,
            principal: Principal,
            *,
            customer_id: str | None = None,
            conversation_id: str | None = None,
            own_history: bool = False,
            roles: tuple[Role, ...] | None = None,
        ) -> None: ...

        # conversations.py (Conversations)
        def _conversation(
            self, db: DbSession, row: ConversationRow, *, with_messages: bool = True
        ) -> Conversation: ...

        @staticmethod
        def _routing_task(
            db: DbSession, conv: ConversationRow, customer: CustomerRow, extra: dict[str, Any] | None
        ) -> RoutingTaskRow: ...

        # offers.py (OffersAndRouting)
        def _end_offer(self, uow: _UnitOfWork, offer: OfferRow, reason: str) -> None: ...

        def _cancel_offers_of(self, uow: _UnitOfWork, agent_id: str) -> None: ...

        def _task_rows(
            self, db: DbSession, convs: list[ConversationRow], *, store: bool = True
        ) -> dict[str, RoutingTaskRow]: ...

        def _task_state(self, row: _TaskFacts, now: datetime) -> TaskState: ...

        def _workers(self, db: DbSession) -> list[WorkerState]: ...

        # routing_admin.py (RoutingAdmin)
        def _record_outcome(
            self,
            db: DbSession,
            conv: ConversationRow,
            outcome: str,
            now: datetime,
            agent_id: str | None = None,
        ) -> None: ...
