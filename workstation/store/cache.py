"""The desktop's offline cache and durable outbox: SQLAlchemy 2 on one SQLite file in WAL mode.

Push events are applied together with the sequence number they advance, in one transaction, so
a crash between the two can neither lose nor double-apply an event. Agent writes are committed to
the outbox (with their idempotency key) before anything is sent.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    event,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from workstation.domain.models import (
    Conversation,
    ConversationState,
    Customer,
    Message,
    TimelineEvent,
    TranscriptEntry,
    utcnow,
)

SCHEMA_VERSION = 1


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


class TimelineEventRow(Base):
    __tablename__ = "timeline_events"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    data: Mapped[dict[str, Any]]

    __table_args__ = (Index("ix_timeline_customer_at", "customer_id", "at"),)


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


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    key: str
    kind: str
    target: str
    payload: dict[str, Any]
    attempts: int


def open_engine(path: Path | str) -> Engine:
    """An engine on the cache file with WAL journaling; creates the schema when new."""
    url = "sqlite://" if str(path) == ":memory:" else f"sqlite:///{path}"
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives any process crash; only a power cut may lose the last commits.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    Base.metadata.create_all(engine)
    with Session(engine) as db:
        stored = db.get(KeyValue, "schema_version")
        if stored is None:
            db.add(KeyValue(key="schema_version", value=str(SCHEMA_VERSION)))
            db.commit()
        elif int(stored.value) > SCHEMA_VERSION:
            raise RuntimeError(
                f"The cache {path} was written by a newer version (schema {stored.value}); "
                "update the application or use another --basedir."
            )
    return engine


class CacheStore:
    """Reads and writes of the offline cache; each method is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def close(self) -> None:
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
    ) -> None:
        """Upsert records and advance the stream position, all in one transaction."""
        now = utcnow()
        with self._sessions.begin() as db:
            for customer in customers:
                db.merge(CustomerRow(id=customer.id, data=customer.model_dump(mode="json"), fetched_at=now))
            for ev in events:
                db.merge(
                    TimelineEventRow(
                        id=ev.id, customer_id=ev.customer_id, at=ev.at, data=ev.model_dump(mode="json")
                    )
                )
            for conv in conversations:
                data = conv.model_dump(mode="json", exclude={"messages"})
                db.merge(
                    ConversationRow(id=conv.id, state=conv.state.value, started_at=conv.started_at, data=data)
                )
                for message in conv.messages:
                    self._put_message(db, message)
            for message in messages:
                self._put_message(db, message)
            if log_id is not None:
                db.merge(KeyValue(key="log_id", value=json.dumps(log_id)))
            if seq is not None:
                db.merge(KeyValue(key="seq", value=json.dumps(seq)))

    @staticmethod
    def _put_message(db: Session, message: Message) -> None:
        if message.client_key:
            # The server's copy replaces the pending local one written when the agent pressed Enter.
            db.execute(delete(MessageRow).where(MessageRow.id == _local_id(message.client_key)))
        db.merge(
            MessageRow(
                id=message.id,
                conversation_id=message.conversation_id,
                at=message.at,
                client_key=message.client_key,
                delivery="sent",
                error=None,
                data=message.model_dump(mode="json"),
            )
        )

    # --- reads -----------------------------------------------------------------------------------

    def customer(self, customer_id: str) -> Customer | None:
        with self._sessions() as db:
            row = db.get(CustomerRow, customer_id)
            return Customer.model_validate(row.data) if row else None

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
        self, kind: str, payload: dict[str, Any], *, target: str = "", local_message: Message | None = None
    ) -> str:
        """Commit an agent write (and its pending transcript line) before anything is sent."""
        key = local_message.client_key if local_message and local_message.client_key else new_key()
        with self._sessions.begin() as db:
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
            return len(list(db.scalars(select(OutboxRow.id).where(OutboxRow.state == "pending"))))

    def note_attempt(self, item_id: int) -> None:
        with self._sessions.begin() as db:
            row = db.get(OutboxRow, item_id)
            if row is not None:
                row.attempts += 1

    def complete(
        self, item_id: int, *, messages: Sequence[Message] = (), conversations: Sequence[Conversation] = ()
    ) -> None:
        """The backend took the write: mark it done and store what it answered, atomically."""
        with self._sessions.begin() as db:
            row = db.get(OutboxRow, item_id)
            if row is not None:
                row.state = "done"
            for message in messages:
                self._put_message(db, message)
            for conv in conversations:
                data = conv.model_dump(mode="json", exclude={"messages"})
                db.merge(
                    ConversationRow(id=conv.id, state=conv.state.value, started_at=conv.started_at, data=data)
                )

    def fail(self, item_id: int, reason: str) -> OutboxItem | None:
        """The backend refused the write for good: keep it, with the reason, for the agent to see."""
        with self._sessions.begin() as db:
            row = db.get(OutboxRow, item_id)
            if row is None:
                return None
            row.state, row.error = "failed", reason
            db.execute(
                MessageRow.__table__.update()
                .where(MessageRow.id == _local_id(row.key))
                .values(delivery="failed", error=reason)
            )
            return OutboxItem(row.id, row.key, row.kind, row.target, row.payload, row.attempts)

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


def new_key() -> str:
    """A client-generated idempotency key."""
    return uuid.uuid4().hex


def _local_id(key: str) -> str:
    return f"local:{key}"
