"""Customers, notes, conversations and transcripts in the cache: the upserts every write path shares,
and the reads of a screen pop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    delete,
    select,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from workstation.domain.models import (
    Conversation,
    ConversationState,
    Customer,
    CustomerNote,
    Message,
    TranscriptEntry,
    utcnow,
)
from workstation.store.schema import (
    ConversationRow,
    CustomerRow,
    MessageRow,
    NoteRow,
    json_text,
    local_id,
    upsert,
    utc,
)


@dataclass(frozen=True, slots=True)
class NoteEntry:
    """A note as the agent sees it: the backend's copy, or a new one still pending."""

    note: CustomerNote
    delivery: str


def put_customer(db: Session, customer: Customer, now: datetime) -> None:
    row = db.get(CustomerRow, customer.id)
    data = customer.model_dump(mode="json")
    if row is None:
        db.add(CustomerRow(id=customer.id, data=data, fetched_at=now))
    elif int(row.data.get("version", 0)) <= customer.version:
        # An older copy (a slow refresh answered after a newer push) never replaces a newer one.
        row.data, row.fetched_at = data, now


def put_note(db: Session, note: CustomerNote) -> None:
    if note.client_key:
        db.execute(delete(NoteRow).where(NoteRow.id == local_id(note.client_key)))
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


def put_conversations(db: Session, conversations: Sequence[Conversation]) -> None:
    """Upsert conversations (their transcripts are rows of their own: `put_messages`)."""
    upsert(
        db,
        ConversationRow,
        [
            {
                "id": conv.id,
                "state": conv.state.value,
                "started_at": conv.started_at,
                "data": conv.model_dump(mode="json", exclude={"messages"}),
            }
            for conv in {conv.id: conv for conv in conversations}.values()
        ],
    )


def put_messages(db: Session, messages: Sequence[Message]) -> None:
    """Upsert the server's copies, in two statements however many (the outbox drains thousands)."""
    if not messages:
        return
    # The server's copy replaces the pending local one written when the agent pressed Enter.
    local = [local_id(m.client_key) for m in messages if m.client_key]
    for start in range(0, len(local), 500):
        db.connection().execute(delete(MessageRow).where(MessageRow.id.in_(local[start : start + 500])))
    upsert(
        db,
        MessageRow,
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


class RecordsReads:
    """Reads (and the one bookkeeping write, mark_used) of records, mixed into CacheStore."""

    _sessions: sessionmaker[Session]

    def customer(self, customer_id: str) -> Customer | None:
        with self._sessions() as db:
            row = db.get(CustomerRow, customer_id)
            return Customer.model_validate(row.data) if row else None

    def customer_fetched_at(self, customer_id: str) -> datetime | None:
        """When the customer's record last came from the backend (None: never, on this desktop)."""
        return self.customer_and_fetched_at(customer_id)[1]

    def customer_and_fetched_at(self, customer_id: str) -> tuple[Customer | None, datetime | None]:
        """The customer's record and when it last came from the backend, in one read (opening a
        conversation read the same row twice for them)."""
        with self._sessions() as db:
            row = db.get(CustomerRow, customer_id)
            return (Customer.model_validate(row.data), utc(row.fetched_at)) if row else (None, None)

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

    def conversation(self, conversation_id: str) -> Conversation | None:
        with self._sessions() as db:
            row = db.get(ConversationRow, conversation_id)
            return Conversation.model_validate(row.data) if row else None

    def conversations(self, *, state: ConversationState | None = None) -> list[Conversation]:
        with self._sessions() as db:
            query = select(json_text(ConversationRow.data)).order_by(ConversationRow.started_at)
            if state is not None:
                query = query.where(ConversationRow.state == state.value)
            texts = db.scalars(query).all()
        return [Conversation.model_validate_json(text) for text in texts]

    def transcript(self, conversation_id: str, *, last: int | None = None) -> list[TranscriptEntry]:
        """The conversation's messages, oldest first; only the `last` newest if given (what a tab
        repaints after a write settled: reading a long chat's whole transcript for it stalled the GUI)."""
        m = MessageRow
        query = select(json_text(m.data), m.delivery, m.error).where(m.conversation_id == conversation_id)
        if last is None:
            query = query.order_by(MessageRow.at, MessageRow.id)
        else:
            query = query.order_by(MessageRow.at.desc(), MessageRow.id.desc()).limit(last)
        with self._sessions() as db:
            rows = list(db.execute(query))
        if last is not None:
            rows.reverse()
        return [
            TranscriptEntry(message=Message.model_validate_json(text), delivery=delivery, error=error)
            for text, delivery, error in rows
        ]
