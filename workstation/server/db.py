"""The reference backend's SQLAlchemy 2 models and engine (SQLite in WAL mode by default)."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
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
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from workstation.domain import timeline
from workstation.server.history_index import history_search

log = logging.getLogger(__name__)


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
    #: The first stored record of the same event when this one is its twin from another system (the
    #: CRM's record of a call the telephony system logged): stored, but counted and listed once, with
    #: the first (revision 0008).
    twin_of: Mapped[str | None] = mapped_column(String(64), default=None)

    __table_args__ = (
        Index("ix_customer_events_timeline", "customer_id", "at", "id"),
        # A story's events in time order straight from the index: with (customer_id, story) alone
        # SQLite sorted by walking the customer's whole timeline index instead (every ingest
        # refreshes the stories it touched, so ingest cost grew with the customer's history).
        Index("ix_customer_events_story_at", "customer_id", "story", "at", "id"),
        Index("ix_customer_events_fingerprint", "customer_id", "fingerprint", "at"),
        # The twins of a page's events, and whether a customer has any (a search reads theirs too).
        Index("ix_customer_events_twin_of", "customer_id", "twin_of"),
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
    #: 64-bit on PostgreSQL (a busy centre passes 2^31 events); on SQLite the rowid, 64-bit already.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
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


class SipCredentialRow(Base):
    """A SIP user's digest credential for the proxy (workstation/server/voice_credentials.py): only
    HA1 = md5(user:realm:password), never the password."""

    __tablename__ = "voice_sip_credentials"
    sip_user: Mapped[str] = mapped_column(String(64), primary_key=True)
    realm: Mapped[str] = mapped_column(String(128))
    ha1: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime]


class MonitorSampleRow(Base):
    """A sample of the queue statistics (per queue: waiting, service level; agent states) for charts."""

    __tablename__ = "monitor_samples"
    at: Mapped[datetime] = mapped_column(primary_key=True)
    data: Mapped[dict[str, Any]]


class ConnectorStateRow(Base):
    """A connector's durable checkpoint (its own JSON) and its counters, written after each batch."""

    __tablename__ = "connector_state"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    checkpoint: Mapped[dict[str, Any]]
    imported: Mapped[int] = mapped_column(Integer, default=0)
    last_sync_at: Mapped[datetime | None] = mapped_column(default=None)
    #: The newest upstream change time imported (upstream's clock): lag = now - this.
    upstream_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    last_error_at: Mapped[datetime | None] = mapped_column(default=None)


class ConnectorLinkRow(Base):
    """An upstream record behind a customer: its source, and the field values last agreed with it
    (the base of a three-way comparison when the desk and the upstream both change a field)."""

    __tablename__ = "connector_links"
    connector: Mapped[str] = mapped_column(String(64), primary_key=True)
    record: Mapped[str] = mapped_column(String(128), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    fields: Mapped[dict[str, Any]]
    url: Mapped[str | None] = mapped_column(String(500), default=None)
    #: The customer's version when it was last compared with `fields` (a newer one: the desk edited).
    seen_version: Mapped[int] = mapped_column(Integer, default=0)


class DeadLetterRow(Base):
    """An upstream record that could not be mapped, with the reason; cleared when it maps again."""

    __tablename__ = "connector_dead_letters"
    connector: Mapped[str] = mapped_column(String(64), primary_key=True)
    record: Mapped[str] = mapped_column(String(128), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    excerpt: Mapped[str] = mapped_column(Text, default="")
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=1)


class ConnectorConflictRow(Base):
    """A field both the desk and the upstream changed since they last agreed: nothing is written
    either way until someone decides (before / theirs / yours)."""

    __tablename__ = "connector_conflicts"
    connector: Mapped[str] = mapped_column(String(64), primary_key=True)
    record: Mapped[str] = mapped_column(String(128), primary_key=True)
    field: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    before: Mapped[str | None] = mapped_column(Text, default=None)
    theirs: Mapped[str | None] = mapped_column(Text, default=None)
    yours: Mapped[str | None] = mapped_column(Text, default=None)
    at: Mapped[datetime]


class ConnectorWriteRow(Base):
    """A write-back that reached the upstream system (a conversation's wrap-up), by its key: the
    key travels on to the upstream record too, so a write repeated after a crash is found there."""

    __tablename__ = "connector_writes"
    connector: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    upstream: Mapped[str] = mapped_column(String(128))
    done_at: Mapped[datetime]


class ChannelThreadRow(Base):
    """A desk conversation fed by an outside chat platform (channels/chatwoot_channel.py): which
    conversation of which channel it answers. A platform conversation that outlives ours (closed
    here, written to again there) gets a new desk conversation, so several rows may name it."""

    __tablename__ = "channel_threads"
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(64))
    external: Mapped[str] = mapped_column(String(128))

    __table_args__ = (Index("ix_channel_threads_external", "channel", "external"),)


class ChannelInboundRow(Base):
    """A platform message seen (exactly-once inbound): the desk message it became, or None when it
    was not the customer's (an outgoing or private one) or could not be taken (`problem`)."""

    __tablename__ = "channel_inbound"
    channel: Mapped[str] = mapped_column(String(64), primary_key=True)
    external: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    thread: Mapped[str] = mapped_column(String(128))
    message_id: Mapped[str | None] = mapped_column(String(64), default=None)
    problem: Mapped[str | None] = mapped_column(Text, default=None)
    at: Mapped[datetime]

    __table_args__ = (Index("ix_channel_inbound_thread", "channel", "thread", "external"),)


class ChannelOutboundRow(Base):
    """An agent's reply on its way to the platform (exactly-once outbound): `sending` once a POST
    may have left (so a retry looks for it first, by its echo id), `posted` with the platform's id,
    `failed` when the platform refused it for good (`problem`)."""

    __tablename__ = "channel_outbound"
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16))
    external: Mapped[int | None] = mapped_column(BigInteger, default=None)
    #: The newest platform message id known when the POST left: the lookup starts after it.
    after: Mapped[int] = mapped_column(BigInteger, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    problem: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[datetime]


class TaskRouterTaskRow(Base):
    """A desk conversation handed to an external router (channels/taskrouter_mode.py) as a task:
    `creating` once the POST may have left (a retry looks the task up first), then `created`."""

    __tablename__ = "taskrouter_tasks"
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    router: Mapped[str] = mapped_column(String(64))
    task_sid: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]


class TaskRouterReservationRow(Base):
    """A reservation the external router made, the desk offer it became, and the answer given back
    (`answer` None until the offer is decided, `answered` once TaskRouter has it)."""

    __tablename__ = "taskrouter_reservations"
    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    router: Mapped[str] = mapped_column(String(64))
    task_sid: Mapped[str] = mapped_column(String(64))
    offer_id: Mapped[str] = mapped_column(ForeignKey("offers.id"), index=True)
    answer: Mapped[str | None] = mapped_column(String(16), default=None)
    answered: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime]


#: PostgreSQL connections a backend process keeps open, and how many more it may open in a burst
#: (closed again when handed back). Three processes at most 3 × 24 = 72, under PostgreSQL's
#: default max_connections of 100.
PG_POOL_SIZE = 12
PG_POOL_OVERFLOW = 12


def make_engine(url: str) -> Engine:
    """An engine for `url`, its schema migrated to the head revision (workstation/server/migrate.py).

    SQLite gets WAL, foreign keys and a busy timeout; PostgreSQL (postgresql+psycopg://...) a
    connection check before a pooled connection is reused (a restarted server leaves dead ones).
    """
    is_sqlite = url.startswith("sqlite")
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30} if is_sqlite else {},
        pool_pre_ping=not is_sqlite,
        # SQLAlchemy keeps 5 by default and closes any further one when it is handed back; here
        # the writer, the tailer, two reader threads and the token checks of concurrent requests
        # (on AnyIO's worker threads) use the database at once, so under load each process opened
        # and closed ~9 PostgreSQL sessions a second (a forked server process each).
        **({} if is_sqlite else {"pool_size": PG_POOL_SIZE, "max_overflow": PG_POOL_OVERFLOW}),
    )
    if is_sqlite:

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    else:

        @event.listens_for(engine, "connect")
        def _utc(dbapi_connection: Any, _record: Any) -> None:
            # The code compares timestamptz columns with naive UTC datetimes (what SQLite stores):
            # PostgreSQL reads a naive value in the session's time zone, so that must be UTC.
            cursor = dbapi_connection.cursor()
            cursor.execute("SET TIME ZONE 'UTC'")
            cursor.close()
            dbapi_connection.commit()

    from workstation.server import migrate

    try:
        migrate.upgrade(engine)
        if is_sqlite:
            with engine.begin() as conn:
                history_search(conn)
    except BaseException:
        engine.dispose()
        raise
    return engine


@contextlib.contextmanager
def autocommit_reads(engine: Engine) -> Iterator[Connection]:
    """A pooled connection for pure reads, outside any transaction.

    Each statement sees what was committed when it began, as every statement does in a READ
    COMMITTED transaction (PostgreSQL's default, and ours): for a read of one statement nothing
    changes but the frame. That frame costs two round trips on PostgreSQL, since psycopg sends
    BEGIN as a command of its own before the first statement and the pool sends ROLLBACK when the
    connection comes back. Reads done for every request or every pushed event (the token check,
    the event log tailer) skip them; the pool restores the isolation level on return."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        yield conn


class ReadOnlySessionError(RuntimeError):
    """A read session (read_session) was asked to write: the write would commit on its own."""


class ReadSession(Session):
    """A session that only reads, outside any transaction: made by read_session()."""


@event.listens_for(ReadSession, "before_flush")
def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    # Outside a transaction every flushed statement would commit at once, half a change at a time:
    # a read session that has something to write is a mistake in the code, said loudly.
    changed = [obj for obj in session.dirty if session.is_modified(obj)]
    if session.new or session.deleted or changed:
        raise ReadOnlySessionError("a read session cannot write; use a unit of work")


@event.listens_for(ReadSession, "do_orm_execute")
def _refuse_write_statement(state: Any) -> None:
    if not state.is_select:
        raise ReadOnlySessionError(f"a read session cannot run {type(state.statement).__name__}")


def read_session(engine: Engine) -> ReadSession:
    """A session for reads, outside any transaction (as autocommit_reads, for ORM reads).

    Each statement sees what was committed when it began, as it would inside a READ COMMITTED
    transaction, so a read loses nothing by running without one. On PostgreSQL it saves the BEGIN
    and ROLLBACK round trips, and psycopg keeps its prepared statements, which it forgets at every
    ROLLBACK (a rolled-back transaction may have undone a PREPARE). A session that tries to write
    raises ReadOnlySessionError instead: without a transaction, nothing would undo half a change.
    """
    session = ReadSession(engine)
    # Documented way to set one session's isolation: ask for its connection first, with the option.
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    return session


def legacy_upgrade(engine: Engine) -> None:
    """Bring a database made before migrations existed to revision 0001, keeping its data.

    What start-up did before Alembic: create the missing tables and the one-open-offer index, then
    add the timeline columns (below). Only the tables revision 0001 knows are created here.
    """
    tables = [Base.metadata.tables[name] for name in LEGACY_TABLES]
    Base.metadata.create_all(engine, tables=tables)
    # create_all skips the indexes of tables that already exist: databases made before the
    # one-open-offer index get it here (the timeline's indexes come with its columns, below).
    for index in Base.metadata.tables[OfferRow.__tablename__].indexes:
        index.create(engine, checkfirst=True)
    _add_timeline_columns(engine)


def _add_timeline_columns(engine: Engine) -> None:
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
    for index in Base.metadata.tables[CustomerEventRow.__tablename__].indexes:
        if index.name != "ix_customer_events_twin_of":  # its column comes with revision 0008
            index.create(engine, checkfirst=True)
    with Session(engine) as db, db.begin():
        pairs = db.execute(
            text("SELECT DISTINCT customer_id, story FROM customer_events WHERE story IS NOT NULL")
        ).all()
        for customer_id, story in pairs:
            refresh_story(db, customer_id, story)


#: The tables of migration revision 0001 (what a database from before migrations is brought to).
LEGACY_TABLES = (
    "meta", "agents", "tokens", "customers", "customer_events", "customer_stories", "customer_notes",
    "conversations", "messages", "offers", "routing_tasks", "agent_routing", "offer_reasons",
    "idempotency", "event_log", "relevance_feedback", "cobrowse_sessions", "wrapup_codes",
    "task_outcomes", "task_moves", "monitor_samples",
)  # fmt: skip


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
