"""The desktop's offline cache and durable outbox: SQLAlchemy 2 on one SQLite file in WAL mode.

Push events are applied together with the sequence number they advance, in one transaction, so
a crash between the two can neither lose nor double-apply an event. Agent writes are committed to
the outbox (with their idempotency key) before anything is sent. The schema is migrated by Alembic
(workstation/store/migrations) when the file is opened; the size is kept under a limit by evicting
the histories of customers the agent has not opened for longest (never unsent writes).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from sqlalchemy import (
    create_engine,
    delete,
    event,
    func,
    select,
)
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from workstation.domain.models import (
    Conversation,
    ConversationState,
    Customer,
    CustomerNote,
    Message,
    TimelineEvent,
    utcnow,
)
from workstation.store.history import HISTORY_CURSOR_PREFIX, Generations, HistoryStore, Rankings, put_events
from workstation.store.outbox import (
    CONFLICT,
    CUSTOMER_KINDS,
    DONE,
    FAILED,
    PENDING,
    Answer,
    OutboxItem,
    OutboxRecord,
    OutboxStore,
    Sent,
)
from workstation.store.records import (
    NoteEntry,
    RecordsReads,
    put_conversations,
    put_customer,
    put_messages,
    put_note,
)
from workstation.store.schema import (
    Base,
    ConversationRow,
    CustomerRow,
    KeyValue,
    MessageRow,
    NoteRow,
    OutboxRow,
    TimelineEventRow,
    TimelineStoryRow,
    local_id,
    new_key,
    upsert,
)
from workstation.store.writer import CacheWriter

__all__ = [
    "CONFLICT",
    "CUSTOMER_KINDS",
    "DEFAULT_SYNCHRONOUS",
    "DONE",
    "FAILED",
    "HISTORY_CURSOR_PREFIX",
    "PENDING",
    "SCHEMA_VERSION",
    "Answer",
    "Base",
    "CacheStore",
    "ConversationRow",
    "CustomerRow",
    "KeyValue",
    "MessageRow",
    "NoteEntry",
    "NoteRow",
    "OutboxItem",
    "OutboxRecord",
    "OutboxRow",
    "Sent",
    "TimelineEventRow",
    "TimelineStoryRow",
    "local_id",
    "new_key",
    "open_engine",
    "open_store",
]

#: Written to the kv table for versions of the application from before Alembic, which refuse a
#: cache whose number is above theirs (1 or 2). It is the head revision's number.
SCHEMA_VERSION = 4

#: SQLite's `synchronous` setting. FULL syncs the WAL at every commit, so a write the agent was
#: told is saved survives a power cut or an OS crash too, not only a crash of the application
#: (NORMAL). Measured cost in the README (Offline benchmarks).
DEFAULT_SYNCHRONOUS = "FULL"


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


def open_reader(path: Path | str) -> CacheStore:
    """The cache file for reading only, from another process (the ranking process).

    Nothing is migrated (the desktop did that when it opened the file); SQLite's `query_only` refuses
    any write on these connections, and the store's writer is closed, so a write job fails at once
    (WriterClosed). WAL lets this process read what the desktop committed while it writes."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"no cache file at {path}")
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    writer = CacheWriter(name="cache-writer-unused")
    writer.close()
    return CacheStore(engine, writer=writer)


def _has_kv(engine: Engine) -> bool:
    from sqlalchemy import inspect

    return "kv" in inspect(engine).get_table_names()


class CacheStore(RecordsReads, HistoryStore, OutboxStore):
    """Reads and writes of the offline cache; each method is one short transaction.

    The methods themselves are synchronous. In the desktop every write goes through `writes`, the
    store's single writer thread (`await store.writes.run(store.apply, ...)`), so that no commit waits
    for the disk on the GUI thread and writes commit in the order they were submitted; reads are run
    wherever they are called (WAL snapshots)."""

    def __init__(self, engine: Engine, *, writer: CacheWriter | None = None) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.generations = Generations()
        self.rankings = Rankings()
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
        events, customers = list(events), list(customers)
        with self._sessions.begin() as db:
            for customer in customers:
                put_customer(db, customer, now)
            for note in notes:
                put_note(db, note)
            put_events(db, events)
            conversations = list(conversations)
            put_conversations(db, conversations)
            put_messages(db, [m for conv in conversations for m in conv.messages] + list(messages))
            position = {"log_id": log_id, "seq": seq}
            upsert(
                db,
                KeyValue,
                [{"key": k, "value": json.dumps(v)} for k, v in position.items() if v is not None],
                key="key",
            )
        # After the commit: what is derived from these customers is made again from here on.
        self.generations.changed([*(ev.customer_id for ev in events), *(c.id for c in customers)])

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
            self.generations.changed([customer_id])
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
