"""The desktop's offline cache and durable outbox: SQLAlchemy 2 on one SQLite file in WAL mode.

Push events are applied together with the sequence number they advance, in one transaction, so
a crash between the two can neither lose nor double-apply an event. Agent writes are committed to
the outbox (with their idempotency key) before anything is sent. The schema is migrated by Alembic
(workstation/store/migrations) when the file is opened; the size is kept under a limit by evicting
the histories of customers the agent has not opened for longest (never unsent writes).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    cast,
    create_engine,
    delete,
    event,
    func,
    select,
    update,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from workstation.domain import timeline
from workstation.domain.models import (
    Conversation,
    ConversationState,
    Customer,
    CustomerNote,
    Message,
    TimelineEvent,
    TranscriptEntry,
    utcnow,
)
from workstation.domain.timeline import TimelineEntry, TimelineFilter
from workstation.store.writer import CacheWriter

#: Written to the kv table for versions of the application from before Alembic, which refuse a
#: cache whose number is above theirs (1 or 2). It is the head revision's number.
SCHEMA_VERSION = 3

#: SQLite's `synchronous` setting. FULL syncs the WAL at every commit, so a write the agent was
#: told is saved survives a power cut or an OS crash too, not only a crash of the application
#: (NORMAL). Measured cost in the README (Offline benchmarks).
DEFAULT_SYNCHRONOUS = "FULL"

#: Outbox states: waiting to be sent, delivered, refused for good (with the reason), or refused
#: because the record changed meanwhile (kept with the backend's version until the agent decides).
PENDING, DONE, FAILED, CONFLICT = "pending", "done", "failed", "conflict"
#: Key prefix (key/value table) of how far back a customer's history is cached; see prune_to.
HISTORY_CURSOR_PREFIX = "timeline.older:"


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, datetime: DateTime(timezone=True)}


class KeyValue(Base):
    __tablename__ = "kv"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class CustomerRow(Base):
    __tablename__ = "customers"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict[str, Any]]
    fetched_at: Mapped[datetime]
    #: When a conversation with this customer was last opened here (eviction keeps recent ones).
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class TimelineEventRow(Base):
    __tablename__ = "timeline_events"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    data: Mapped[dict[str, Any]]
    # Copied out of `data` (revision 0002) so the history pages and filters in SQL without parsing JSON.
    channel: Mapped[str] = mapped_column(String(32), default="")
    kind: Mapped[str] = mapped_column(String(48), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    phase: Mapped[str] = mapped_column(String(16), default="interest")
    story: Mapped[str | None] = mapped_column(String(80), default=None)

    __table_args__ = (
        Index("ix_timeline_customer_at", "customer_id", "at"),
        Index("ix_timeline_customer_story", "customer_id", "story"),
    )


class TimelineStoryRow(Base):
    """The customer's stories that are open (as the backend last said, or as pushed events made them)."""

    __tablename__ = "timeline_stories"
    customer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    open: Mapped[bool]


class ConversationRow(Base):
    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    started_at: Mapped[datetime]
    data: Mapped[dict[str, Any]]


class MessageRow(Base):
    __tablename__ = "messages"
    id: Mapped[str] = mapped_column(String(160), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    client_key: Mapped[str | None] = mapped_column(String(128), default=None, index=True)
    delivery: Mapped[str] = mapped_column(String(16), default="sent")
    error: Mapped[str | None] = mapped_column(Text, default=None)
    data: Mapped[dict[str, Any]]

    __table_args__ = (Index("ix_messages_conversation_at", "conversation_id", "at"),)


class NoteRow(Base):
    """A note on a customer: the backend's copy, or a new one not yet delivered (`local:<key>`)."""

    __tablename__ = "notes"
    id: Mapped[str] = mapped_column(String(160), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    client_key: Mapped[str | None] = mapped_column(String(128), default=None)
    delivery: Mapped[str] = mapped_column(String(16), default="sent")
    updated_at: Mapped[datetime]
    data: Mapped[dict[str, Any]]

    __table_args__ = (
        Index("ix_notes_customer", "customer_id"),
        Index("ix_notes_client_key", "client_key"),
    )


class OutboxRow(Base):
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(128), default="")
    payload: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(16), index=True)  # pending | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime]
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    key: str
    kind: str
    target: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True, slots=True)
class Answer:
    """What the backend answered to a write, to be stored with it."""

    messages: Sequence[Message] = ()
    conversations: Sequence[Conversation] = ()
    customers: Sequence[Customer] = ()
    notes: Sequence[CustomerNote] = ()


@dataclass(frozen=True, slots=True)
class Sent:
    """The outcome of one sent write: done with its answer, or refused for good with a reason."""

    item_id: int
    answer: Answer = Answer()
    refused: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """An outbox item with its state: what the agent did, and what became of it."""

    item: OutboxItem
    state: str
    error: str | None
    detail: dict[str, Any] | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NoteEntry:
    """A note as the agent sees it: the backend's copy, or a new one still pending."""

    note: CustomerNote
    delivery: str


#: Kinds of write that are about a customer (their `target` is the customer id).
CUSTOMER_KINDS = ("customer_update", "note_create", "note_update")


def open_engine(
    path: Path | str,
    *,
    synchronous: str = DEFAULT_SYNCHRONOUS,
    progress: Callable[[str], None] | None = None,
) -> Engine:
    """An engine on the cache file (WAL journaling), its schema migrated to this version's head.

    `progress(step)` hears what a migration is doing ("backup", "migrate", "done"); nothing when the
    file is at the head already. It is called on the thread that opens the cache."""
    from workstation.store import migrate

    memory = str(path) == ":memory:"
    if synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"synchronous must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")
    if not memory:
        migrate.restore_interrupted(Path(path))
    url = "sqlite://" if memory else f"sqlite:///{path}"
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.close()

    try:
        with Session(engine) as db:
            stored = db.get(KeyValue, "schema_version") if _has_kv(engine) else None
            if stored is not None and int(stored.value) > SCHEMA_VERSION:
                raise migrate.NewerCacheError(
                    f"The cache {path} was written by a newer version (schema {stored.value}); "
                    "update the application or use another --basedir."
                )
        migrate.upgrade(engine, None if memory else Path(path), progress=progress)
        with Session(engine) as db:
            db.merge(KeyValue(key="schema_version", value=str(SCHEMA_VERSION)))
            db.commit()
    except BaseException:
        engine.dispose()
        raise
    return engine


def open_store(
    path: Path | str,
    *,
    synchronous: str = DEFAULT_SYNCHRONOUS,
    progress: Callable[[str], None] | None = None,
) -> Future[CacheStore]:
    """Open (and migrate, and back up before migrating) the cache on its writer thread.

    The migration at sign-in can take seconds on a large cache; on the writer thread the window stays
    responsive and can show `progress`. The future fails as `open_engine` would (the writer is
    stopped then)."""
    writer = CacheWriter()

    def _open() -> CacheStore:
        try:
            return CacheStore(open_engine(path, synchronous=synchronous, progress=progress), writer=writer)
        except BaseException:
            writer.close()
            raise

    return writer.submit(_open)


def _has_kv(engine: Engine) -> bool:
    from sqlalchemy import inspect

    return "kv" in inspect(engine).get_table_names()


def _entry(row: Any) -> TimelineEntry:
    at = row[1] if row[1].tzinfo is not None else row[1].replace(tzinfo=UTC)
    return TimelineEntry(row[0], at, row[2], row[3], row[4], row[5], row[6])


def _fill_entry_columns(row: TimelineEventRow, ev: TimelineEvent) -> None:
    row.channel, row.kind, row.summary = ev.channel, ev.kind, ev.summary
    row.phase = timeline.journey_phase(ev.kind, ev.data)
    row.story = timeline.story_key(ev.kind, ev.data)


class CacheStore:
    """Reads and writes of the offline cache; each method is one short transaction.

    The methods themselves are synchronous. In the desktop every write goes through `writes`, the
    store's single writer thread (`await store.writes.run(store.apply, ...)`), so that no commit waits
    for the disk on the GUI thread and writes commit in the order they were submitted; reads are run
    wherever they are called (WAL snapshots)."""

    def __init__(self, engine: Engine, *, writer: CacheWriter | None = None) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.writes = writer if writer is not None else CacheWriter()

    def close(self) -> None:
        """Commit every queued write, then close the file."""
        self.writes.close()
        self.engine.dispose()

    # --- key/value -------------------------------------------------------------------------------

    def get_value(self, key: str) -> Any:
        with self._sessions() as db:
            row = db.get(KeyValue, key)
            return json.loads(row.value) if row else None

    def set_value(self, key: str, value: Any) -> None:
        with self._sessions.begin() as db:
            db.merge(KeyValue(key=key, value=json.dumps(value)))

    def stream_position(self) -> tuple[str | None, int]:
        """The event log this cache follows and the last sequence number applied from it."""
        return self.get_value("log_id"), int(self.get_value("seq") or 0)

    # --- applying pushed state -------------------------------------------------------------------

    def apply(
        self,
        *,
        log_id: str | None = None,
        seq: int | None = None,
        customers: Iterable[Customer] = (),
        events: Iterable[TimelineEvent] = (),
        conversations: Iterable[Conversation] = (),
        messages: Iterable[Message] = (),
        notes: Iterable[CustomerNote] = (),
    ) -> None:
        """Upsert records and advance the stream position, all in one transaction."""
        now = utcnow()
        with self._sessions.begin() as db:
            for customer in customers:
                self._put_customer(db, customer, now)
            for note in notes:
                self._put_note(db, note)
            for ev in events:
                row = TimelineEventRow(
                    id=ev.id, customer_id=ev.customer_id, at=ev.at, data=ev.model_dump(mode="json")
                )
                _fill_entry_columns(row, ev)
                db.merge(row)
            conversations = list(conversations)
            for conv in conversations:
                data = conv.model_dump(mode="json", exclude={"messages"})
                db.merge(
                    ConversationRow(id=conv.id, state=conv.state.value, started_at=conv.started_at, data=data)
                )
            self._put_messages(db, [m for conv in conversations for m in conv.messages] + list(messages))
            if log_id is not None:
                db.merge(KeyValue(key="log_id", value=json.dumps(log_id)))
            if seq is not None:
                db.merge(KeyValue(key="seq", value=json.dumps(seq)))

    @staticmethod
    def _put_customer(db: Session, customer: Customer, now: datetime) -> None:
        row = db.get(CustomerRow, customer.id)
        data = customer.model_dump(mode="json")
        if row is None:
            db.add(CustomerRow(id=customer.id, data=data, fetched_at=now))
        elif int(row.data.get("version", 0)) <= customer.version:
            # An older copy (a slow refresh answered after a newer push) never replaces a newer one.
            row.data, row.fetched_at = data, now

    @staticmethod
    def _put_note(db: Session, note: CustomerNote) -> None:
        if note.client_key:
            db.execute(delete(NoteRow).where(NoteRow.id == _local_id(note.client_key)))
        row = db.get(NoteRow, note.id)
        if row is not None and int(row.data.get("version", 0)) > note.version:
            return
        db.merge(
            NoteRow(
                id=note.id,
                customer_id=note.customer_id,
                client_key=note.client_key,
                delivery="sent",
                updated_at=note.updated_at,
                data=note.model_dump(mode="json"),
            )
        )

    @staticmethod
    def _put_messages(db: Session, messages: Sequence[Message]) -> None:
        """Upsert the server's copies, in two statements however many (the outbox drains thousands)."""
        if not messages:
            return
        # The server's copy replaces the pending local one written when the agent pressed Enter.
        local = [_local_id(m.client_key) for m in messages if m.client_key]
        for start in range(0, len(local), 500):
            db.execute(
                delete(MessageRow)
                .where(MessageRow.id.in_(local[start : start + 500]))
                .execution_options(synchronize_session=False)
            )
        upsert = sqlite_insert(MessageRow)
        columns = ("conversation_id", "at", "client_key", "delivery", "error", "data")
        upsert = upsert.on_conflict_do_update(
            index_elements=[MessageRow.id], set_={c: upsert.excluded[c] for c in columns}
        )
        db.execute(
            upsert,
            [
                {
                    "id": m.id,
                    "conversation_id": m.conversation_id,
                    "at": m.at,
                    "client_key": m.client_key,
                    "delivery": "sent",
                    "error": None,
                    "data": m.model_dump(mode="json"),
                }
                for m in messages
            ],
        )

    # --- reads -----------------------------------------------------------------------------------

    def customer(self, customer_id: str) -> Customer | None:
        with self._sessions() as db:
            row = db.get(CustomerRow, customer_id)
            return Customer.model_validate(row.data) if row else None

    def customer_fetched_at(self, customer_id: str) -> datetime | None:
        """When the customer's record last came from the backend (None: never, on this desktop)."""
        with self._sessions() as db:
            row = db.get(CustomerRow, customer_id)
            return _utc(row.fetched_at) if row else None

    def mark_used(self, customer_id: str) -> None:
        """The agent opened a conversation with this customer (eviction keeps recent ones longest)."""
        with self._sessions.begin() as db:
            db.execute(update(CustomerRow).where(CustomerRow.id == customer_id).values(used_at=utcnow()))

    def notes(self, customer_id: str) -> list[NoteEntry]:
        """The customer's notes, newest first, including new ones not yet delivered."""
        with self._sessions() as db:
            rows = db.scalars(
                select(NoteRow)
                .where(NoteRow.customer_id == customer_id)
                .order_by(NoteRow.updated_at.desc(), NoteRow.id.desc())
            )
            return [NoteEntry(CustomerNote.model_validate(r.data), r.delivery) for r in rows]

    def note_by_key(self, client_key: str) -> CustomerNote | None:
        """The backend's copy of the note created with this key, once it was delivered."""
        with self._sessions() as db:
            row = db.scalar(
                select(NoteRow).where(NoteRow.client_key == client_key, NoteRow.delivery == "sent")
            )
            return CustomerNote.model_validate(row.data) if row else None

    def note(self, note_id: str) -> CustomerNote | None:
        with self._sessions() as db:
            row = db.get(NoteRow, note_id)
            return CustomerNote.model_validate(row.data) if row else None

    def timeline(self, customer_id: str, *, limit: int = 500) -> list[TimelineEvent]:
        """The customer's cached history, newest first."""
        with self._sessions() as db:
            rows = db.scalars(
                select(TimelineEventRow)
                .where(TimelineEventRow.customer_id == customer_id)
                .order_by(TimelineEventRow.at.desc(), TimelineEventRow.id.desc())
                .limit(limit)
            )
            return [TimelineEvent.model_validate(r.data) for r in rows]

    def timeline_page(
        self,
        customer_id: str,
        *,
        where: TimelineFilter | None = None,
        before: TimelineEntry | None = None,
        limit: int = 200,
    ) -> list[TimelineEntry]:
        """One page of the cached history, newest first, narrowed by `where`; `before` is the last
        entry of the previous page. Reads only the columns a history row shows (no JSON)."""
        t = TimelineEventRow
        query = select(t.id, t.at, t.channel, t.kind, t.summary, t.phase, t.story).where(
            t.customer_id == customer_id
        )
        if where is not None:
            if where.channels:
                query = query.where(t.channel.in_(sorted(where.channels)))
            if where.phases:
                query = query.where(t.phase.in_(sorted(where.phases)))
            if where.kinds:
                query = query.where(t.kind.in_(sorted(where.kinds)))
            if where.only_open:
                query = query.where(t.story.in_(sorted(self.open_stories(customer_id))))
            needle = where.text.strip()
            if needle:
                pattern = timeline.like_pattern(needle)
                query = query.where(
                    t.summary.ilike(pattern, escape="\\") | cast(t.data, String).ilike(pattern, escape="\\")
                )
        if before is not None:
            query = query.where((t.at < before.at) | ((t.at == before.at) & (t.id < before.id)))
        query = query.order_by(t.at.desc(), t.id.desc()).limit(limit)
        with self._sessions() as db:
            return [_entry(row) for row in db.execute(query)]

    def timeline_event(self, event_id: str) -> TimelineEvent | None:
        with self._sessions() as db:
            row = db.get(TimelineEventRow, event_id)
            return TimelineEvent.model_validate(row.data) if row else None

    def timeline_count(self, customer_id: str) -> int:
        with self._sessions() as db:
            query = select(func.count()).select_from(TimelineEventRow)
            return db.scalar(query.where(TimelineEventRow.customer_id == customer_id)) or 0

    def story_entries(self, customer_id: str, story: str) -> list[TimelineEntry]:
        """The cached events of one story, oldest first (how the agent reads a story)."""
        t = TimelineEventRow
        query = (
            select(t.id, t.at, t.channel, t.kind, t.summary, t.phase, t.story)
            .where(t.customer_id == customer_id, t.story == story)
            .order_by(t.at, t.id)
        )
        with self._sessions() as db:
            return [_entry(row) for row in db.execute(query)]

    def open_stories(self, customer_id: str) -> set[str]:
        with self._sessions() as db:
            query = select(TimelineStoryRow.key).where(
                TimelineStoryRow.customer_id == customer_id, TimelineStoryRow.open.is_(True)
            )
            return set(db.scalars(query))

    def set_open_stories(self, customer_id: str, keys: Iterable[str]) -> None:
        """What the backend says is open now (it sees the whole history; the cache may not)."""
        with self._sessions.begin() as db:
            db.execute(delete(TimelineStoryRow).where(TimelineStoryRow.customer_id == customer_id))
            db.add_all(TimelineStoryRow(customer_id=customer_id, key=k, open=True) for k in set(keys))

    def refresh_stories(self, customer_id: str, keys: Iterable[str]) -> set[str]:
        """Recompute stories from their cached events (after a pushed event); returns the open ones."""
        opened: set[str] = set()
        with self._sessions.begin() as db:
            for key in set(keys):
                rows = db.execute(
                    select(TimelineEventRow.kind, TimelineEventRow.data)
                    .where(TimelineEventRow.customer_id == customer_id, TimelineEventRow.story == key)
                    .order_by(TimelineEventRow.at, TimelineEventRow.id)
                ).all()
                is_open = timeline.story_open((kind, data.get("data")) for kind, data in rows)
                db.merge(TimelineStoryRow(customer_id=customer_id, key=key, open=is_open))
                if is_open:
                    opened.add(key)
        return opened

    def conversation(self, conversation_id: str) -> Conversation | None:
        with self._sessions() as db:
            row = db.get(ConversationRow, conversation_id)
            return Conversation.model_validate(row.data) if row else None

    def conversations(self, *, state: ConversationState | None = None) -> list[Conversation]:
        with self._sessions() as db:
            query = select(ConversationRow).order_by(ConversationRow.started_at)
            if state is not None:
                query = query.where(ConversationRow.state == state.value)
            return [Conversation.model_validate(r.data) for r in db.scalars(query)]

    def transcript(self, conversation_id: str) -> list[TranscriptEntry]:
        with self._sessions() as db:
            rows = db.scalars(
                select(MessageRow)
                .where(MessageRow.conversation_id == conversation_id)
                .order_by(MessageRow.at, MessageRow.id)
            )
            return [
                TranscriptEntry(message=Message.model_validate(r.data), delivery=r.delivery, error=r.error)  # type: ignore[arg-type]
                for r in rows
            ]

    # --- the outbox ------------------------------------------------------------------------------

    def enqueue(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        target: str = "",
        local_message: Message | None = None,
        local_note: CustomerNote | None = None,
        key: str | None = None,
    ) -> str:
        """Commit an agent write (and its pending transcript line or note) before anything is sent."""
        if key is None:
            key = local_message.client_key if local_message and local_message.client_key else new_key()
        if local_note is not None and local_note.client_key:
            key = local_note.client_key
        with self._sessions.begin() as db:
            if local_note is not None:
                db.add(
                    NoteRow(
                        id=_local_id(key),
                        customer_id=local_note.customer_id,
                        client_key=key,
                        delivery="pending",
                        updated_at=local_note.updated_at,
                        data=local_note.model_dump(mode="json"),
                    )
                )
            db.add(
                OutboxRow(
                    key=key, kind=kind, target=target, payload=payload, state="pending", created_at=utcnow()
                )
            )
            if local_message is not None:
                db.add(
                    MessageRow(
                        id=_local_id(key),
                        conversation_id=local_message.conversation_id,
                        at=local_message.at,
                        client_key=key,
                        delivery="pending",
                        data=local_message.model_dump(mode="json"),
                    )
                )
        return key

    def pending(self, limit: int = 100) -> list[OutboxItem]:
        """Unsent writes, oldest first (they are sent in the order the agent made them)."""
        with self._sessions() as db:
            rows = db.scalars(
                select(OutboxRow).where(OutboxRow.state == "pending").order_by(OutboxRow.id).limit(limit)
            )
            return [OutboxItem(r.id, r.key, r.kind, r.target, r.payload, r.attempts) for r in rows]

    def count_pending(self) -> int:
        with self._sessions() as db:
            return int(db.scalar(select(func.count()).where(OutboxRow.state == PENDING)) or 0)

    def outbox_records(
        self, *, kinds: Sequence[str] = (), states: Sequence[str] = (), target: str | None = None
    ) -> list[OutboxRecord]:
        """Outbox items (oldest first), filtered by kind, state and target."""
        query = select(OutboxRow).order_by(OutboxRow.id)
        if kinds:
            query = query.where(OutboxRow.kind.in_(kinds))
        if states:
            query = query.where(OutboxRow.state.in_(states))
        if target is not None:
            query = query.where(OutboxRow.target == target)
        with self._sessions() as db:
            return [
                OutboxRecord(
                    OutboxItem(r.id, r.key, r.kind, r.target, r.payload, r.attempts),
                    r.state,
                    r.error,
                    r.detail,
                    _utc(r.created_at),
                )
                for r in db.scalars(query)
            ]

    def outbox_record(self, item_id: int) -> OutboxRecord | None:
        with self._sessions() as db:
            r = db.get(OutboxRow, item_id)
            if r is None:
                return None
            item = OutboxItem(r.id, r.key, r.kind, r.target, r.payload, r.attempts)
            return OutboxRecord(item, r.state, r.error, r.detail, _utc(r.created_at))

    def conflict(self, item_id: int, reason: str, detail: dict[str, Any]) -> None:
        """The record changed meanwhile: keep the write with the backend's version for the agent."""
        with self._sessions.begin() as db:
            row = db.get(OutboxRow, item_id)
            if row is not None:
                row.state, row.error, row.detail = CONFLICT, reason, detail

    def settle(
        self, item_id: int, outcome: str, *, then: tuple[str, dict[str, Any], str] | None = None
    ) -> str:
        """The agent decided a conflict: close the item with the outcome and, in the same
        transaction, queue what they chose (kind, payload, target); returns the new key or ''."""
        with self._sessions.begin() as db:
            row = db.get(OutboxRow, item_id)
            if row is None or row.state != CONFLICT:
                raise LookupError(f"outbox item {item_id} is not an open conflict")
            row.state, row.error = DONE, outcome
            if then is None:
                return ""
            kind, payload, target = then
            key = new_key()
            db.add(
                OutboxRow(
                    key=key, kind=kind, target=target, payload=payload, state=PENDING, created_at=utcnow()
                )
            )
            return key

    def note_attempt(self, *item_ids: int) -> None:
        """These writes are about to be sent (once more)."""
        with self._sessions.begin() as db:
            db.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(item_ids))
                .values(attempts=OutboxRow.attempts + 1)
                .execution_options(synchronize_session=False)
            )

    def complete(
        self,
        item_id: int,
        *,
        messages: Sequence[Message] = (),
        conversations: Sequence[Conversation] = (),
        customers: Sequence[Customer] = (),
        notes: Sequence[CustomerNote] = (),
    ) -> None:
        """The backend took the write: mark it done and store what it answered, atomically."""
        answer = Answer(messages, conversations, customers, notes)
        self.settle_sent([Sent(item_id, answer)])

    def fail(self, item_id: int, reason: str) -> OutboxItem | None:
        """The backend refused the write for good: keep it, with the reason, for the agent to see."""
        return self.settle_sent([Sent(item_id, refused=reason)])[0]

    def settle_sent(self, outcomes: Sequence[Sent]) -> list[OutboxItem | None]:
        """What the backend answered to writes sent together, stored in one transaction: each is
        done (with what it answered) or refused for good (kept, with the reason, for the agent).
        Returns the refused items (None for the others)."""
        refused: dict[int, OutboxItem] = {}
        done = [o for o in outcomes if o.refused is None]
        with self._sessions.begin() as db:
            ids = [o.item_id for o in done]
            for start in range(0, len(ids), 500):
                db.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id.in_(ids[start : start + 500]))
                    .values(state=DONE)
                    .execution_options(synchronize_session=False)
                )
            now = utcnow()
            for o in done:
                for customer in o.answer.customers:
                    self._put_customer(db, customer, now)
                for note in o.answer.notes:
                    self._put_note(db, note)
                for conv in o.answer.conversations:
                    data = conv.model_dump(mode="json", exclude={"messages"})
                    db.merge(
                        ConversationRow(
                            id=conv.id, state=conv.state.value, started_at=conv.started_at, data=data
                        )
                    )
            self._put_messages(db, [m for o in done for m in o.answer.messages])
            for outcome in outcomes:
                if outcome.refused is None:
                    continue
                row = db.get(OutboxRow, outcome.item_id)
                if row is None:
                    continue
                reason = outcome.refused
                row.state, row.error = FAILED, reason
                db.execute(
                    update(MessageRow)
                    .where(MessageRow.id == _local_id(row.key))
                    .values(delivery="failed", error=reason)
                    .execution_options(synchronize_session=False)
                )
                db.execute(update(NoteRow).where(NoteRow.id == _local_id(row.key)).values(delivery="failed"))
                refused[row.id] = OutboxItem(row.id, row.key, row.kind, row.target, row.payload, row.attempts)
        return [refused.get(o.item_id) for o in outcomes]

    def outbox_payloads(self, kind: str) -> list[tuple[str, dict[str, Any]]]:
        """Every write of one kind the agent made, oldest first, with its state (pending/done/failed)."""
        with self._sessions() as db:
            query = select(OutboxRow.state, OutboxRow.payload).where(OutboxRow.kind == kind)
            rows = db.execute(query.order_by(OutboxRow.id))
            return [(state, payload) for state, payload in rows]

    def failed(self) -> list[tuple[OutboxItem, str]]:
        with self._sessions() as db:
            rows = db.scalars(select(OutboxRow).where(OutboxRow.state == "failed").order_by(OutboxRow.id))
            return [
                (OutboxItem(r.id, r.key, r.kind, r.target, r.payload, r.attempts), r.error or "")
                for r in rows
            ]

    # --- privacy and size ------------------------------------------------------------------------

    def customer_identifiers(self) -> set[str]:
        """Names, e-mail addresses, phone numbers and companies of every customer in the cache
        (what diagnostics must scrub from anything they export)."""
        found: set[str] = set()
        with self._sessions() as db:
            for data in db.scalars(select(CustomerRow.data)):
                found.update(str(data[k]) for k in ("name", "email", "phone", "company") if data.get(k))
            for data in db.scalars(select(ConversationRow.data)):
                name = (data.get("customer") or {}).get("name")
                if name:
                    found.add(str(name))
        return found

    def used_bytes(self) -> int:
        """Bytes the cache's pages hold (free pages left by deletions are reused, not counted)."""
        with self._sessions() as db:
            size, pages, free = (
                int(db.execute(sql_text(f"PRAGMA {name}")).scalar_one())
                for name in ("page_size", "page_count", "freelist_count")
            )
        return (pages - free) * size

    def prune_to(self, max_bytes: int, *, keep: Iterable[str] = (), batch: int = 50) -> int:
        """Drop cached history until the cache holds at most `max_bytes`.

        First the timelines of the customers the agent opened longest ago (or never), whole, one
        customer after the other; then closed conversations with their transcripts, oldest first.
        Never the outbox, never a customer with an open conversation or in `keep` (the one on
        screen), never a customer's record or notes (the screen pop needs them, and they are small).
        Returns how many rows went."""
        removed = 0
        if self.used_bytes() <= max_bytes:
            return 0
        busy = (
            select(func.json_extract(ConversationRow.data, "$.customer.id"))
            .where(ConversationRow.state != ConversationState.CLOSED.value)
            .scalar_subquery()
        )
        recency = func.coalesce(CustomerRow.used_at, CustomerRow.fetched_at)
        with self._sessions() as db:
            # Customers with history, least recently used first (no record at all: never used).
            candidates = list(
                db.scalars(
                    select(TimelineEventRow.customer_id)
                    .outerjoin(CustomerRow, CustomerRow.id == TimelineEventRow.customer_id)
                    .where(TimelineEventRow.customer_id.not_in(busy))
                    .where(TimelineEventRow.customer_id.not_in(list(keep)))
                    .group_by(TimelineEventRow.customer_id)
                    .order_by(func.max(recency).is_not(None), func.max(recency))
                )
            )
        for customer_id in candidates:
            if self.used_bytes() <= max_bytes:
                return removed
            with self._sessions.begin() as db:
                result = db.execute(
                    delete(TimelineEventRow).where(TimelineEventRow.customer_id == customer_id)
                )
                removed += int(getattr(result, "rowcount", 0) or 0)
                db.execute(delete(TimelineStoryRow).where(TimelineStoryRow.customer_id == customer_id))
                # The history is no longer cached back to the stored paging cursor: forget it, so the
                # next refresh starts paging afresh (CustomerContextService's "timeline.older:").
                db.execute(delete(KeyValue).where(KeyValue.key == f"{HISTORY_CURSOR_PREFIX}{customer_id}"))
        while self.used_bytes() > max_bytes:
            with self._sessions.begin() as db:
                closed = db.scalars(
                    select(ConversationRow.id)
                    .where(ConversationRow.state == ConversationState.CLOSED.value)
                    .order_by(ConversationRow.started_at)
                    .limit(batch)
                ).all()
                if not closed:
                    break  # what is left is open work and the screen's customer: it stays, whatever the limit
                result = db.execute(delete(MessageRow).where(MessageRow.conversation_id.in_(closed)))
                db.execute(delete(ConversationRow).where(ConversationRow.id.in_(closed)))
                removed += len(closed) + int(getattr(result, "rowcount", 0) or 0)
        return removed


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=utcnow().tzinfo)


def new_key() -> str:
    """A client-generated idempotency key."""
    return uuid.uuid4().hex


def _local_id(key: str) -> str:
    return f"local:{key}"
