"""The durable outbox: agent writes committed (with their idempotency keys and pending local copies)
before anything is sent, sent in order, settled with what the backend answered."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from workstation.domain.models import (
    Conversation,
    Customer,
    CustomerNote,
    Message,
    utcnow,
)
from workstation.store.history import Generations
from workstation.store.records import put_conversations, put_customer, put_messages, put_note
from workstation.store.schema import MessageRow, NoteRow, OutboxRow, local_id, new_key, utc

#: Outbox states: waiting to be sent, delivered, refused for good (with the reason), or refused
#: because the record changed meanwhile (kept with the backend's version until the agent decides).
PENDING, DONE, FAILED, CONFLICT = "pending", "done", "failed", "conflict"


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


#: Kinds of write that are about a customer (their `target` is the customer id).
CUSTOMER_KINDS = ("customer_update", "note_create", "note_update")


class OutboxStore:
    """The outbox's reads and writes, mixed into CacheStore."""

    _sessions: sessionmaker[Session]
    #: set by CacheStore (a stored answer can carry a customer's record)
    generations: Generations

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
        # Core inserts on the session's connection: the ORM's unit of work was most of this job's
        # CPU on the writer thread (the GIL the GUI thread waits for), for three plain rows.
        with self._sessions.begin() as db:
            conn = db.connection()
            if local_note is not None:
                conn.execute(
                    insert(NoteRow),
                    {
                        "id": local_id(key),
                        "customer_id": local_note.customer_id,
                        "client_key": key,
                        "delivery": "pending",
                        "updated_at": local_note.updated_at,
                        "data": local_note.model_dump(mode="json"),
                    },
                )
            conn.execute(
                insert(OutboxRow),
                {
                    "key": key,
                    "kind": kind,
                    "target": target,
                    "payload": payload,
                    "state": PENDING,
                    "created_at": utcnow(),
                },
            )
            if local_message is not None:
                conn.execute(
                    insert(MessageRow),
                    {
                        "id": local_id(key),
                        "conversation_id": local_message.conversation_id,
                        "at": local_message.at,
                        "client_key": key,
                        "delivery": "pending",
                        "data": local_message.model_dump(mode="json"),
                    },
                )
        return key

    def pending(self, limit: int = 100) -> list[OutboxItem]:
        """Unsent writes, oldest first (they are sent in the order the agent made them)."""
        o = OutboxRow
        query = (
            select(o.id, o.key, o.kind, o.target, o.payload, o.attempts)
            .where(o.state == PENDING)
            .order_by(o.id)
            .limit(limit)
        )
        with self._sessions() as db:  # plain rows, no ORM objects: asked after every send
            return [OutboxItem(*row) for row in db.connection().execute(query)]

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
                    utc(r.created_at),
                )
                for r in db.scalars(query)
            ]

    def outbox_record(self, item_id: int) -> OutboxRecord | None:
        with self._sessions() as db:
            r = db.get(OutboxRow, item_id)
            if r is None:
                return None
            item = OutboxItem(r.id, r.key, r.kind, r.target, r.payload, r.attempts)
            return OutboxRecord(item, r.state, r.error, r.detail, utc(r.created_at))

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

    @contextmanager
    def _bookkeeping(self) -> Iterator[Session]:
        """A transaction whose commit does not wait for the disk (`synchronous=NORMAL` for it alone).

        WAL keeps the file consistent and an application crash cannot lose it; a power cut can lose
        the last such commits. Only for what a re-send recovers: attempt counts, and the backend's
        answers to writes sent with their idempotency key (if lost, the write is pending again, is
        sent again, and the backend answers with what it stored the first time). That fsync was a
        third of "reply confirmed" on a busy disk; the agent's own writes (`enqueue`) keep FULL."""
        engine = self._sessions.kw["bind"]
        with engine.connect() as conn:
            previous = int(conn.exec_driver_sql("PRAGMA synchronous").scalar() or 0)
            conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
            # Ends the connection's autobegun (empty) transaction, so the session's commit is a real
            # one; the pragma is a setting of the connection, not part of a transaction.
            conn.rollback()
            try:
                with Session(conn, expire_on_commit=False) as db, db.begin():
                    yield db
            finally:
                conn.exec_driver_sql(f"PRAGMA synchronous={previous}")
                conn.rollback()

    def note_attempt(self, *item_ids: int) -> None:
        """These writes are about to be sent (once more): a count for the agent's information."""
        with self._bookkeeping() as db:
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
        with self._bookkeeping() as db:
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
                    put_customer(db, customer, now)
                for note in o.answer.notes:
                    put_note(db, note)
            put_conversations(db, [c for o in done for c in o.answer.conversations])
            put_messages(db, [m for o in done for m in o.answer.messages])
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
                    .where(MessageRow.id == local_id(row.key))
                    .values(delivery="failed", error=reason)
                    .execution_options(synchronize_session=False)
                )
                db.execute(update(NoteRow).where(NoteRow.id == local_id(row.key)).values(delivery="failed"))
                refused[row.id] = OutboxItem(row.id, row.key, row.kind, row.target, row.payload, row.attempts)
        self.generations.changed(c.id for o in done for c in o.answer.customers)
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
