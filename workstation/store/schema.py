"""The cache's tables (SQLAlchemy 2 models; Alembic migrates a file to them) and small row helpers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    type_coerce,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from workstation.domain.models import (
    utcnow,
)


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
        # id too: a page ends among events of one instant, and the next starts after (at, id).
        Index("ix_timeline_customer_at_id", "customer_id", "at", "id"),
        Index("ix_timeline_customer_story_at", "customer_id", "story", "at", "id"),
    )


#: The FTS5 index of the cached history's summaries and data (revision 0004: an external-content
#: table over timeline_events by rowid, kept in step by triggers; not a model).
FTS_TABLE = "timeline_fts"


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


def json_text(column: Any) -> Any:
    """A JSON column read as its stored text: pydantic's `model_validate_json` parses that several times
    faster than SQLAlchemy's json.loads plus `model_validate` (200 history events: 2 ms instead of 15 ms,
    on the GUI thread for every screen pop and re-ranking)."""
    return type_coerce(column, String)


def utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=utcnow().tzinfo)


def new_key() -> str:
    """A client-generated idempotency key."""
    return uuid.uuid4().hex


def local_id(key: str) -> str:
    """The id of the pending local copy of a record written with idempotency key `key`."""
    return f"local:{key}"


def upsert(db: Session, model: type[Base], rows: Sequence[dict[str, Any]], key: str = "id") -> None:
    """Insert rows, or replace the columns given of rows already there, in one statement.

    Runs on the session's connection, not through the ORM: the cache's hot writes (each pushed
    batch, each answered reply) did an ORM `merge` per row (a SELECT, then an UPDATE at flush), and
    the ORM's per-statement work was most of the writer thread's CPU with 20 busy chats, time the
    GUI thread waited for the interpreter lock (README, desk core). Every row names the same columns."""
    if not rows:
        return
    statement = sqlite_insert(model)
    columns = {name: statement.excluded[name] for name in rows[0] if name != key}
    db.connection().execute(statement.on_conflict_do_update(index_elements=[key], set_=columns), rows)
