"""The agent's work: offers with their deadlines, open conversations, replies and wrap-ups."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from workstation.client.api import ApiError, BackendApi, BackendUnavailable
from workstation.domain import messages as M
from workstation.domain.messages import WRITE_REFUSED, Msg
from workstation.domain.models import (
    Conversation,
    ConversationState,
    Message,
    Offer,
    OfferRevocation,
    Presence,
    PresenceChange,
    TranscriptEntry,
    WrapUpCode,
    utcnow,
)
from workstation.services.session import SessionService
from workstation.services.sync import AppliedEvent, SyncService
from workstation.store.cache import CacheStore, new_key

log = logging.getLogger(__name__)

#: Newest messages re-read for a tab when a reply was refused (the rest did not change).
REPAINTED = 20

#: Longest a reader waits for the cache's writer (a stuck disk); then its read fails and says so.
WRITE_WAIT_S = 10.0


class InboxError(Exception):
    """An inbox action that could not be done, with a message for the agent."""


@dataclass(frozen=True, slots=True)
class PendingOffer:
    offer: Offer
    #: time.monotonic() at which the offer lapses on this machine (immune to clock differences)
    deadline: float


class InboxService(QObject):
    """Offers and conversations of the signed-in agent.

    Signals: `offer_received(PendingOffer)`, `offer_removed(offer_id, reason)`,
    `conversation_opened(Conversation)`, `conversation_closed(conversation_id)`,
    `transcript_updated(conversation_id, list[TranscriptEntry])`, `write_refused(str message)`,
    `customer_changed(Conversation)` when an open conversation moved to another customer (an unknown
    caller identified: the desk re-opens it with that customer's records).
    """

    offer_received = Signal(object)
    offer_removed = Signal(str, str)
    conversation_opened = Signal(object)
    conversation_closed = Signal(str)
    transcript_updated = Signal(str, list)
    write_refused = Signal(object)  # a Msg: English text that the desk shows translated
    customer_changed = Signal(object)

    def __init__(
        self,
        api: BackendApi,
        store: CacheStore,
        sync: SyncService,
        session: SessionService,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._store = store
        self._sync = sync
        self._session = session
        self.offers: dict[str, PendingOffer] = {}
        self._open: set[str] = set()
        self._wrapup_codes: list[WrapUpCode] = []
        sync.events_applied.connect(self._on_sync_events_applied)
        sync.reset_applied.connect(self._on_sync_reset_applied)
        sync.write_refused.connect(self._on_sync_write_refused)
        sync.messages_stored.connect(self._on_sync_messages_stored)

    # --- reading ---------------------------------------------------------------------------------

    def open_conversations(self) -> list[Conversation]:
        return [c for c in self._store.conversations(state=ConversationState.ACTIVE)]

    def conversation(self, conversation_id: str) -> Conversation | None:
        return self._store.conversation(conversation_id)

    def transcript(self, conversation_id: str) -> list[TranscriptEntry]:
        return self._store.transcript(conversation_id)

    def wait_for_writes(self, timeout: float = WRITE_WAIT_S) -> None:
        """Block until every cache write submitted so far is committed (read-your-writes for a reader
        thread: an accepted conversation is opened while its commit is under way). Never on the GUI
        thread; raises TimeoutError, or WriterClosed once the cache is closed."""
        self._store.writes.barrier().result(timeout)

    async def refresh(self) -> None:
        """Fetch offers and conversations (after sign-in or a stream reset); cache wins when offline."""
        for conv in self.open_conversations():
            self._open_once(conv)
        try:
            offers = await self._api.offers()
            active = await self._api.conversations(state=ConversationState.ACTIVE.value)
        except BackendUnavailable as exc:
            log.info("working from the cache: %s", exc)
            return
        await self._store.writes.run(self._store.apply, conversations=active)
        for conv in active:
            self._open_once(conv)
        current = {o.id for o in offers}
        for offer_id in list(self.offers):
            if offer_id not in current:
                self._drop_offer(offer_id, "canceled")
        for offer in offers:
            self._add_offer(offer)

    async def wrapup_codes(self) -> list[WrapUpCode]:
        if not self._wrapup_codes:
            try:
                self._wrapup_codes = await self._api.wrapup_codes()
                codes = [c.model_dump(mode="json") for c in self._wrapup_codes]
                await self._store.writes.run(self._store.set_value, "wrapup_codes", codes)
            except BackendUnavailable:
                cached = self._store.get_value("wrapup_codes") or []
                self._wrapup_codes = [WrapUpCode.model_validate(c) for c in cached]
        return list(self._wrapup_codes)

    # --- acting ----------------------------------------------------------------------------------

    def set_presence(self, presence: Presence) -> None:
        self._session.note_presence(presence)
        self._sync.submit("presence", {"presence": presence.value})

    async def accept(self, offer_id: str) -> Conversation:
        """Accept an offer; needs the backend (an offer is a live reservation)."""
        try:
            conv = await self._api.accept(offer_id)
        except ApiError as exc:
            self._drop_offer(offer_id, "gone")
            raise InboxError(exc.message) from exc
        except BackendUnavailable as exc:
            raise InboxError(Msg(M.UNREACHABLE_NOT_ACCEPTED)) from exc
        self._drop_offer(offer_id, "accepted")
        # Opened while the writer commits it (a wait for the disk): the window builds the tab's
        # widgets meanwhile, and the opening read waits for this commit (`wait_for_writes`). Awaited
        # after that, so the accept still returns (or raises) once the cache holds the conversation.
        job = self._store.writes.submit(self._store.apply, conversations=[conv])
        self._open_once(conv)
        await asyncio.wrap_future(job)
        return conv

    async def reject(self, offer_id: str) -> None:
        self._drop_offer(offer_id, "rejected")
        try:
            await self._api.reject(offer_id)
        except ApiError as exc:
            log.info("reject of %s: %s", offer_id, exc.message)  # it had lapsed anyway
        except BackendUnavailable as exc:
            raise InboxError(Msg(M.UNREACHABLE_OFFER_LAPSES)) from exc

    def send(self, conversation_id: str, text: str) -> TranscriptEntry:
        """Queue a reply: shown as pending as soon as the cache's writer committed it (a moment later,
        off the GUI thread), delivered by the outbox. Returns the pending entry."""
        text = text.strip()
        if not text:
            raise InboxError(Msg(M.NOTHING_TO_SEND))
        agent = self._session.agent
        key = new_key()
        local = Message(
            id=f"local:{key}",
            conversation_id=conversation_id,
            sender="agent",
            author=agent.name if agent else "",
            text=text,
            at=utcnow(),
            client_key=key,
        )
        entry = TranscriptEntry(message=local, delivery="pending")
        self._sync.submit(
            "message",
            {"text": text},
            target=conversation_id,
            local_message=local,
            then=lambda: self.transcript_updated.emit(conversation_id, [entry]),
        )
        return entry

    def close(self, conversation_id: str, wrapup_code: str) -> None:
        """Wrap up: closed here once the cache's writer committed it (with the close in the outbox,
        which delivers it)."""
        conv = self._store.conversation(conversation_id)
        if conv is None:
            raise InboxError(Msg(M.UNKNOWN_CONVERSATION))
        self._sync.submit("close", {"wrapup_code": wrapup_code}, target=conversation_id)
        closed = conv.model_copy(update={"state": ConversationState.CLOSED, "wrapup_code": wrapup_code})
        # Behind the close in the writer's queue: both are committed when the tab goes.
        job = self._store.writes.submit(self._store.apply, conversations=[closed])
        self._open.discard(conversation_id)
        self._sync.committed(
            job, lambda: self.conversation_closed.emit(conversation_id), kind="close", target=conversation_id
        )

    async def customer_linked(self, conv: Conversation) -> None:
        """The backend moved an open conversation to another customer (the answer to our own request,
        which may come before the pushed event, or instead of it while the stream is down)."""
        await self._store.writes.run(self._store.apply, conversations=[conv])
        if conv.id in self._open:
            self.customer_changed.emit(conv)

    # --- pushed events ---------------------------------------------------------------------------

    def _on_sync_events_applied(self, applied: list[AppliedEvent]) -> None:
        by_conversation: dict[str, list[TranscriptEntry]] = {}
        for event in applied:
            record = event.record
            if isinstance(record, Offer):
                self._add_offer(record)
            elif isinstance(record, OfferRevocation):
                if record.reason != "accepted":
                    self._drop_offer(record.offer_id, record.reason)
            elif isinstance(record, Conversation):
                if event.type == "conversation.customer_changed":
                    if record.id in self._open:
                        self.customer_changed.emit(record)
                elif record.state == ConversationState.ACTIVE:
                    self._open_once(record)
                elif record.state == ConversationState.CLOSED and record.id in self._open:
                    self._open.discard(record.id)
                    self.conversation_closed.emit(record.id)
            elif isinstance(record, Message):
                by_conversation.setdefault(record.conversation_id, []).append(TranscriptEntry(message=record))
            elif isinstance(record, PresenceChange):
                self._session.on_pushed(record)
        for conversation_id, entries in by_conversation.items():
            self.transcript_updated.emit(conversation_id, entries)

    def _on_sync_reset_applied(self) -> None:
        for conv in self._store.conversations(state=ConversationState.CLOSED):
            if conv.id in self._open:
                self._open.discard(conv.id)
                self.conversation_closed.emit(conv.id)
        for conv in self.open_conversations():
            if conv.id in self._open:
                self.transcript_updated.emit(conv.id, self._store.transcript(conv.id))
            self._open_once(conv)

    def _on_sync_messages_stored(self, messages: list[Message]) -> None:
        # The server's copies (with their ids) replaced the pending lines in the cache, stored exactly
        # as these entries say ("sent", no error): shown from memory, not read back on the GUI thread
        # (that read of the newest lines was a fifth of the GUI thread's work per reply under load).
        by_conversation: dict[str, list[TranscriptEntry]] = {}
        for message in messages:
            by_conversation.setdefault(message.conversation_id, []).append(TranscriptEntry(message=message))
        for conversation_id, entries in by_conversation.items():
            self.transcript_updated.emit(conversation_id, entries)

    def _on_sync_write_refused(self, kind: str, target: str, reason: str) -> None:
        template = WRITE_REFUSED.get(kind, WRITE_REFUSED[""])
        self.write_refused.emit(Msg(template, reason=reason))
        if kind == "message":
            self.transcript_updated.emit(target, self._store.transcript(target, last=REPAINTED))

    # --- helpers ---------------------------------------------------------------------------------

    def _add_offer(self, offer: Offer) -> None:
        if offer.id in self.offers:
            return
        # Capped by the offer's full timeout, so a clock behind the server's cannot extend it.
        remaining = min(offer.timeout_s, (offer.expires_at - utcnow()).total_seconds())
        if remaining <= 0:
            return  # lapsed while we were away; the backend re-routes it
        pending = PendingOffer(offer=offer, deadline=time.monotonic() + remaining)
        self.offers[offer.id] = pending
        self.offer_received.emit(pending)

    def _drop_offer(self, offer_id: str, reason: str) -> None:
        if self.offers.pop(offer_id, None) is not None:
            self.offer_removed.emit(offer_id, reason)

    def _open_once(self, conv: Conversation) -> None:
        if conv.id not in self._open and conv.state == ConversationState.ACTIVE:
            self._open.add(conv.id)
            self.conversation_opened.emit(conv)
