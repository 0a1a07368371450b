"""The reference backend's SQLAlchemy 2 models and engine (SQLite in WAL mode by default)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from workstation.domain import timeline


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: DateTime(timezone=True)}


class Meta(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AgentRow(Base):
    __tablename__ = "agents"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))
    skills: Mapped[list[Any]] = mapped_column(default=list)
    languages: Mapped[list[Any]] = mapped_column(default=list)
    max_chats: Mapped[int] = mapped_column(Integer, default=3)
    presence: Mapped[str] = mapped_column(String(16), default="offline")
    presence_since: Mapped[datetime]
    last_offer_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Set by `users disable` / `service-accounts revoke`: no sign-in, no token of theirs works.
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)


class TokenRow(Base):
    """Session tokens, stored as SHA-256 digests: a copied database file grants no access."""

    __tablename__ = "tokens"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id"), default=None)
    conversation_id: Mapped[str | None] = mapped_column(String(64), default=None)
    scope: Mapped[str] = mapped_column(String(16))  # "agent" or "customer"
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class CustomerRow(Base):
    __tablename__ = "customers"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    language: Mapped[str] = mapped_column(String(8))
    data: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer, default=1)


class CustomerEventRow(Base):
    __tablename__ = "customer_events"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(48))
    summary: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]]
    #: journey phase, story key and duplicate fingerprint (workstation.domain.timeline), stored so
    #: the history can be filtered and linked in SQL
    phase: Mapped[str] = mapped_column(String(16), default="interest")
    story: Mapped[str | None] = mapped_column(String(80), default=None)
    fingerprint: Mapped[str] = mapped_column(String(256), default="")

    __table_args__ = (
        Index("ix_customer_events_timeline", "customer_id", "at", "id"),
        # A story's events in time order straight from the index: with (customer_id, story) alone
        # SQLite sorted by walking the customer's whole timeline index instead (every ingest
        # refreshes the stories it touched, so ingest cost grew with the customer's history).
        Index("ix_customer_events_story_at", "customer_id", "story", "at", "id"),
        Index("ix_customer_events_fingerprint", "customer_id", "fingerprint", "at"),
    )


class CustomerStoryRow(Base):
    """Whether each of a customer's stories (an order, a topic, ...) is still open."""

    __tablename__ = "customer_stories"
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    open: Mapped[bool]
    last_at: Mapped[datetime]


class NoteRow(Base):
    """An agent's note on a customer; `version` guards edits (If-Match)."""

    __tablename__ = "customer_notes"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    client_key: Mapped[str | None] = mapped_column(String(128), default=None)


class ConversationRow(Base):
    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str | None] = mapped_column(String(64), default=None)
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    page: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    state: Mapped[str] = mapped_column(String(16), index=True)
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id"), default=None, index=True)
    started_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    wrapup_code: Mapped[str | None] = mapped_column(String(64), default=None)


class MessageRow(Base):
    __tablename__ = "messages"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    sender: Mapped[str] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
    client_key: Mapped[str | None] = mapped_column(String(128), default=None)

    __table_args__ = (Index("ix_messages_conversation", "conversation_id", "at"),)


class OfferRow(Base):
    __tablename__ = "offers"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    offered_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(default=None)

    # One reservation per task: the database refuses a second open offer for a conversation.
    __table_args__ = (
        Index(
            "uq_offers_one_open_per_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text("state = 'offered'"),
            postgresql_where=text("state = 'offered'"),
        ),
    )


class RoutingTaskRow(Base):
    """A conversation as a routing task: its attributes and where it stands in its workflow."""

    __tablename__ = "routing_tasks"
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    attributes: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    #: False until the router has matched a filter (or the default queue) for it.
    placed: Mapped[bool] = mapped_column(default=False)
    filter_name: Mapped[str | None] = mapped_column(String(120), default=None)
    step: Mapped[int] = mapped_column(Integer, default=0)
    step_started_at: Mapped[datetime | None] = mapped_column(default=None)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    queue: Mapped[str | None] = mapped_column(String(64), default=None)


class AgentRoutingRow(Base):
    """An agent's routing attributes (worker.*) and capacity per channel."""

    __tablename__ = "agent_routing"
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), primary_key=True)
    attributes: Mapped[dict[str, Any]]
    capacity: Mapped[dict[str, Any]]


class OfferReasonRow(Base):
    """Why an offer went to its agent (a RoutingReason), kept beside the offer."""

    __tablename__ = "offer_reasons"
    offer_id: Mapped[str] = mapped_column(ForeignKey("offers.id"), primary_key=True)
    data: Mapped[dict[str, Any]]


class IdempotencyRow(Base):
    """The stored answer to a write, replayed when the same key comes again."""

    __tablename__ = "idempotency"
    principal: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    request: Mapped[str] = mapped_column(String(256))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class EventLogRow(Base):
    """The append-only event log; `seq` is the monotonic position clients resume from."""

    __tablename__ = "event_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    audience: Mapped[str] = mapped_column(String(64), index=True)
    type: Mapped[str] = mapped_column(String(48))
    data: Mapped[dict[str, Any]]


class FeedbackRow(Base):
    """Relevance feedback from agents, kept for learning (and for team leads to review)."""

    __tablename__ = "relevance_feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), index=True)
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class CobrowseRow(Base):
    """A cobrowse session, a child of its chat conversation. Only its state: page data is never stored."""

    __tablename__ = "cobrowse_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    data: Mapped[dict[str, Any]]


class WrapUpCodeRow(Base):
    __tablename__ = "wrapup_codes"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("label"),)


class TaskOutcomeRow(Base):
    """How a task left its queue (answered, abandoned, expired): what queue statistics are built from."""

    __tablename__ = "task_outcomes"
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    queue: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    arrived_at: Mapped[datetime]
    ended_at: Mapped[datetime] = mapped_column(index=True)
    wait_s: Mapped[float]
    agent_id: Mapped[str | None] = mapped_column(String(64), default=None)


class TaskMoveRow(Base):
    """A waiting task a team lead moved to another queue (it leaves its workflow)."""

    __tablename__ = "task_moves"
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    queue: Mapped[str] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    moved_by: Mapped[str] = mapped_column(String(64))
    moved_at: Mapped[datetime]


class AuditRow(Base):
    """Who did what and when (workstation.server.audit). Append-only: the code has no update or
    delete path, and on SQLite triggers refuse both."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    #: "agent:<username>", "cli" (an admin command), or "anonymous" (a failed sign-in).
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(48), index=True)
    target: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]]


class MonitorSampleRow(Base):
    """A sample of the queue statistics (per queue: waiting, service level; agent states) for charts."""

    __tablename__ = "monitor_samples"
    at: Mapped[datetime] = mapped_column(primary_key=True)
    data: Mapped[dict[str, Any]]


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout."""
    is_sqlite = url.startswith("sqlite")
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30} if is_sqlite else {},
    )
    if is_sqlite:

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    Base.metadata.create_all(engine)
    _upgrade(engine)
    _add_missing_columns(engine)
    if is_sqlite:
        _append_only(engine, AuditRow.__tablename__)
        _history_search(engine)
    # create_all skips the indexes of tables that already exist: databases made before the
    # one-open-offer index (or the story index by time) get them here.
    for index in (*OfferRow.__table__.indexes, *CustomerEventRow.__table__.indexes):
        index.create(engine, checkfirst=True)
    with engine.begin() as conn:
        # Superseded by ix_customer_events_story_at (kept, it would still tempt the planner).
        conn.execute(text("DROP INDEX IF EXISTS ix_customer_events_story"))
    return engine


#: Columns added to existing tables since their first release: (table, column, model column).
_ADDED_COLUMNS = (("agents", "disabled_at", AgentRow.__table__.c.disabled_at),)


def _add_missing_columns(engine: Engine) -> None:
    for table, name, column in _ADDED_COLUMNS:
        if name not in {c["name"] for c in inspect(engine).get_columns(table)}:
            sql_type = column.type.compile(dialect=engine.dialect)
            with engine.begin() as conn:
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {sql_type}"))


def _append_only(engine: Engine, table: str) -> None:
    """SQLite triggers that refuse UPDATE and DELETE on `table` (a second guard beside the code)."""
    with engine.begin() as conn:
        for verb in ("UPDATE", "DELETE"):
            conn.execute(
                text(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
            )


#: The FTS5 index of the customers' histories (SQLite only; PostgreSQL searches with LIKE until
#: its full-text search is wired in with the server's migrations).
EVENTS_FTS = "customer_events_fts"
_FTS_TRIGGERS = {
    "customer_events_fts_insert": (
        "AFTER INSERT ON customer_events BEGIN "
        f"INSERT INTO {EVENTS_FTS}(rowid, summary, data) VALUES (new.rowid, new.summary, new.data); END"
    ),
    "customer_events_fts_delete": (
        "AFTER DELETE ON customer_events BEGIN "
        f"INSERT INTO {EVENTS_FTS}({EVENTS_FTS}, rowid, summary, data) "
        "VALUES ('delete', old.rowid, old.summary, old.data); END"
    ),
    "customer_events_fts_update": (
        "AFTER UPDATE ON customer_events BEGIN "
        f"INSERT INTO {EVENTS_FTS}({EVENTS_FTS}, rowid, summary, data) "
        "VALUES ('delete', old.rowid, old.summary, old.data); "
        f"INSERT INTO {EVENTS_FTS}(rowid, summary, data) VALUES (new.rowid, new.summary, new.data); END"
    ),
}


def _history_search(engine: Engine) -> None:
    """Create the history's FTS5 index (an external-content table over customer_events by rowid,
    kept in step by triggers) if missing, indexing the events already stored.

    Done at start like the other in-place upgrades here; the server's Alembic migrations (being
    introduced separately) should take it over as a revision."""
    with engine.begin() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n"), {"n": EVENTS_FTS}
        ).first()
        if exists is None:
            conn.execute(
                text(
                    f"CREATE VIRTUAL TABLE {EVENTS_FTS} USING fts5(summary, data, content='customer_events', "
                    "content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')"
                )
            )
        triggers = set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        for name, body in _FTS_TRIGGERS.items():
            conn.execute(text(f"CREATE TRIGGER IF NOT EXISTS {name} {body}"))
        if exists is None or not triggers >= _FTS_TRIGGERS.keys():
            # New, or writes may have gone by unindexed (the events table was rebuilt, dropping
            # its triggers): index what is stored now.
            conn.execute(text(f"INSERT INTO {EVENTS_FTS}({EVENTS_FTS}) VALUES ('rebuild')"))


def _upgrade(engine: Engine) -> None:
    """Bring a database made by an earlier version up to these models, keeping its data.

    create_all adds missing tables but not missing columns: the timeline's phase/story/fingerprint
    columns are added here and filled from each event's kind and data.
    """
    columns = {c["name"] for c in inspect(engine).get_columns("customer_events")}
    if "story" in columns:
        return
    with engine.begin() as conn:
        for column in (
            "phase VARCHAR(16) NOT NULL DEFAULT 'interest'",
            "story VARCHAR(80)",
            "fingerprint VARCHAR(256) NOT NULL DEFAULT ''",
        ):
            conn.execute(text(f"ALTER TABLE customer_events ADD COLUMN {column}"))
        rows = conn.execute(text("SELECT id, channel, kind, summary, data FROM customer_events")).all()
        for row in rows:
            data = json.loads(row.data) if isinstance(row.data, str) else (row.data or {})
            conn.execute(
                text("UPDATE customer_events SET phase = :p, story = :s, fingerprint = :f WHERE id = :id"),
                {
                    "p": timeline.journey_phase(row.kind, data),
                    "s": timeline.story_key(row.kind, data),
                    "f": timeline.fingerprint(row.kind, row.channel, row.summary, data).key,
                    "id": row.id,
                },
            )
    for index in CustomerEventRow.__table__.indexes:
        index.create(engine, checkfirst=True)
    with Session(engine) as db, db.begin():
        pairs = db.execute(
            text("SELECT DISTINCT customer_id, story FROM customer_events WHERE story IS NOT NULL")
        ).all()
        for customer_id, story in pairs:
            refresh_story(db, customer_id, story)


def refresh_story(db: Session, customer_id: str, key: str) -> bool:
    """Recompute whether one of a customer's stories is open, from its events; returns the state."""
    rows = db.execute(
        select(CustomerEventRow.kind, CustomerEventRow.data, CustomerEventRow.at)
        .where(CustomerEventRow.customer_id == customer_id, CustomerEventRow.story == key)
        .order_by(CustomerEventRow.at, CustomerEventRow.id)
    ).all()
    if not rows:
        return False
    is_open = timeline.story_open((r.kind, r.data) for r in rows)
    db.merge(CustomerStoryRow(customer_id=customer_id, key=key, open=is_open, last_at=rows[-1].at))
    return is_open


def refresh_stories(db: Session, customer_id: str, keys: set[str]) -> None:
    """`refresh_story` for many stories of one customer in two queries (an ingest batch touches
    hundreds; one query and one merge each was half of its cost)."""
    if not keys:
        return
    by_story: dict[str, list[tuple[str, Any, datetime]]] = {}
    for chunk in _chunks(sorted(keys)):
        rows = db.execute(
            select(CustomerEventRow.story, CustomerEventRow.kind, CustomerEventRow.data, CustomerEventRow.at)
            .where(CustomerEventRow.customer_id == customer_id, CustomerEventRow.story.in_(chunk))
            .order_by(CustomerEventRow.story, CustomerEventRow.at, CustomerEventRow.id)
        )
        for story, kind, data, at in rows:
            by_story.setdefault(story, []).append((kind, data, at))
        known = {
            row.key: row
            for row in db.scalars(
                select(CustomerStoryRow).where(
                    CustomerStoryRow.customer_id == customer_id, CustomerStoryRow.key.in_(chunk)
                )
            )
        }
        for key in chunk:
            events = by_story.get(key)
            if not events:
                continue
            is_open = timeline.story_open((kind, data) for kind, data, _ in events)
            row = known.get(key)
            if row is None:
                db.add(
                    CustomerStoryRow(customer_id=customer_id, key=key, open=is_open, last_at=events[-1][2])
                )
            else:
                row.open, row.last_at = is_open, events[-1][2]


#: Bound parameters per IN (...) list (SQLite allows 32,766; PostgreSQL more).
_IN_CHUNK = 500


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + _IN_CHUNK] for i in range(0, len(items), _IN_CHUNK)]
