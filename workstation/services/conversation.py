"""What happens when a conversation opens: read from the cache and ranked off the GUI thread, shown once.

Opening a conversation used to read the transcript, the customer, 200 history events, the agent's
pending edits and notes, and rank the relevance cards, all on the GUI thread, between the accept and
the first paint. Here that work runs on the reader thread (one thread, so reads and rankings happen in
the order they were asked for, and the GUI thread competes with one worker, not several, for the
GIL); the result comes back by a queued signal and is handed to the window as one
`conversation_ready`, with everything its first paint needs. The refresh from the backend starts
after that paint (the cache first, the network after).

When the refresh has brought the backend's answer into the cache, the customer's context, contact
details and notes are read again on the same thread (`customer_refreshed`): a refresh follows every
screen pop, and these reads (the outbox's pending edits among them) cost the GUI thread ~8 ms each time.

A result nobody wants any more is dropped: the conversation closed meanwhile, or it was opened again
(a newer read is under way). Lines that arrived for a conversation while its read was under way are
handed over with the result (`later`), so none is lost between the read and the paint.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Executor
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt, Signal

from workstation.domain.models import Conversation, TranscriptEntry
from workstation.domain.relevance import Ranking
from workstation.domain.timeline import TimelineEntry
from workstation.services.cobrowse import CobrowseService
from workstation.services.customer_context import CustomerContext, CustomerContextService
from workstation.services.inbox import InboxService
from workstation.services.records import CustomerView, NoteView, RecordsService
from workstation.services.relevance import RelevanceService
from workstation.services.tasks import TaskSet

log = logging.getLogger(__name__)

#: Events of the history's first page (what the history list shows before the agent scrolls).
HISTORY_PAGE = 200


@dataclass(frozen=True, slots=True)
class HistoryStart:
    """The history list's first page, read with the rest: newest first, unfiltered."""

    entries: list[TimelineEntry]
    open_stories: set[str]
    #: the cache holds the customer's whole history (nothing older to fetch from the backend)
    complete: bool


@dataclass(frozen=True, slots=True)
class ConversationReady:
    """Everything the first paint of a conversation needs, read from the cache."""

    conversation: Conversation
    transcript: list[TranscriptEntry]
    context: CustomerContext
    history: HistoryStart
    ranking: Ranking
    #: the contact details with the agent's unsent edits; None without a records service
    contact: CustomerView | None = None
    notes: list[NoteView] | None = None
    #: lines that arrived while the cache was being read (apply after `transcript`; may repeat some)
    later: list[TranscriptEntry] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CustomerRefreshed:
    """A customer read again from the cache after their refresh from the backend landed there."""

    customer_id: str
    context: CustomerContext
    #: the history's first page now (for a tab whose list was empty: a customer new to the cache)
    history: HistoryStart
    #: None without a records service, or when the agent's edits changed them during the read (the
    #: records controller has shown the newer ones then)
    contact: CustomerView | None = None
    notes: list[NoteView] | None = None


@dataclass(slots=True)
class _Read:
    """A finished read, on its way from the reader thread to the GUI thread."""

    conversation: Conversation
    generation: int
    ready: ConversationReady | None = None
    handled: dict[str, str] = field(default_factory=dict)
    error: str = ""


class ConversationService(QObject):
    """Opens conversations for the window.

    Signals: `conversation_opening(Conversation)` at once (the window may build the tab's widgets while
    the cache is read), `conversation_ready(ConversationReady)` once read and ranked (off the GUI
    thread), `conversation_failed(conversation_id, reason)` if the cache could not be read,
    `customer_refreshed(CustomerRefreshed)` when a customer's refresh landed and was read again.
    """

    conversation_opening = Signal(object)
    conversation_ready = Signal(object)
    conversation_failed = Signal(str, str)
    customer_refreshed = Signal(object)
    #: internal: a read finished on the reader thread (delivered queued, on the GUI thread)
    _read_done = Signal(object)
    #: internal: a customer read again on the reader thread: (CustomerRefreshed, records generation)
    _customer_read = Signal(object, int)

    def __init__(
        self,
        inbox: InboxService,
        context: CustomerContextService,
        relevance: RelevanceService,
        reader: Executor,
        *,
        records: RecordsService | None = None,
        cobrowse: CobrowseService | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._inbox = inbox
        self._context = context
        self._relevance = relevance
        self._records = records
        self._cobrowse = cobrowse
        self._reader = reader
        self._tasks = TaskSet()
        #: conversation id -> the generation of its newest read; absent when not open
        self._generation: dict[str, int] = {}
        #: lines pushed while a conversation's read is under way
        self._later: dict[str, list[TranscriptEntry]] = {}
        #: threads that ran reads (tests check the GUI thread is not among them)
        self.reader_threads: set[int] = set()
        #: customer id -> how often the agent's edits changed their records (a read that began before
        #: the newest change carries older records than the screen shows: they are not shown)
        self._records_changes: dict[str, int] = {}
        self._read_done.connect(self._on_read_done, Qt.ConnectionType.QueuedConnection)
        self._customer_read.connect(self._on_customer_read, Qt.ConnectionType.QueuedConnection)
        context.context_refreshed.connect(self._on_context_refreshed)
        if records is not None:
            records.customer_changed.connect(self._on_records_changed)
            records.notes_changed.connect(self._on_records_changed)
        inbox.conversation_opened.connect(self.open)
        inbox.conversation_closed.connect(self.forget)
        inbox.transcript_updated.connect(self._on_inbox_transcript_updated)

    def open(self, conversation: Conversation) -> None:
        """Read the conversation from the cache on the reader thread; `conversation_ready` follows."""
        generation = self._generation.get(conversation.id, 0) + 1
        self._generation[conversation.id] = generation
        self._later[conversation.id] = []
        # The read first: it runs while the window builds the tab's widgets (half the screen pop each).
        self._reader.submit(self._read, conversation, generation)
        self.conversation_opening.emit(conversation)

    def forget(self, conversation_id: str) -> None:
        """The conversation closed: a read still under way for it is dropped when it arrives."""
        self._generation.pop(conversation_id, None)
        self._later.pop(conversation_id, None)

    async def stop(self) -> None:
        self._generation.clear()
        await self._tasks.cancel_all()

    # --- on the reader thread -----------------------------------------------------------------------

    def _read(self, conversation: Conversation, generation: int) -> None:
        self.reader_threads.add(threading.get_ident())
        result = _Read(conversation, generation)
        try:
            result.handled = self._relevance.handled_before(conversation.id)
            result.ready = self._read_cache(conversation, result.handled)
        except Exception as exc:  # a broken cache file must not kill the reader thread
            log.exception("conversation %s could not be read from the cache", conversation.id)
            result.error = str(exc) or type(exc).__name__
        try:
            self._read_done.emit(result)
        except RuntimeError:  # the service is gone (shutting down): nobody waits for it
            log.debug("conversation %s read after shutdown", conversation.id)

    def _read_cache(self, conversation: Conversation, handled: dict[str, str]) -> ConversationReady:
        customer_id = conversation.customer.id
        # The customer and their history first (the heaviest reads): the accept's write (the
        # conversation and its messages) does not touch them, so they are read while its commit
        # waits for the disk, or for the writes queued before it on a busy desk. A refresh of the
        # customer follows every opening, so a write of theirs still in that queue shows a moment later.
        context = self._context.cached(customer_id)
        history = self._history_start(customer_id)
        self._inbox.wait_for_writes()  # an accepted conversation is opened before its commit ends
        transcript = self._inbox.transcript(conversation.id)
        ranking = self._relevance.rank_cached(conversation, context, transcript, handled)
        contact = notes = None
        if self._records is not None:
            # After the wait: the agent's own edits, queued just before, are shown as theirs.
            contact = self._records.customer(customer_id)
            notes = self._records.notes(customer_id)
        return ConversationReady(conversation, transcript, context, history, ranking, contact, notes)

    def _history_start(self, customer_id: str) -> HistoryStart:
        return HistoryStart(
            self._context.page(customer_id, None, None, HISTORY_PAGE),
            self._context.open_stories(customer_id),
            self._context.history_complete(customer_id),
        )

    # --- back on the GUI thread ---------------------------------------------------------------------

    def _on_read_done(self, result: _Read) -> None:
        conversation = result.conversation
        if self._generation.get(conversation.id) != result.generation:
            log.debug("dropped a stale read of conversation %s", conversation.id)
            return
        later = self._later.pop(conversation.id, [])
        if result.ready is None:
            self.conversation_failed.emit(conversation.id, result.error)
            return
        ready = ConversationReady(
            conversation,
            result.ready.transcript,
            result.ready.context,
            result.ready.history,
            result.ready.ranking,
            result.ready.contact,
            result.ready.notes,
            later,
        )
        self._relevance.adopt(conversation, result.handled, ready.ranking)
        if later:
            self._relevance.on_transcript_updated(conversation.id, later)
        self.conversation_ready.emit(ready)
        # The cache is on screen: now what the backend knows, in the background.
        self._tasks.start(self._context.refresh(conversation.customer.id), "refresh-customer")
        if self._cobrowse is not None:
            self._tasks.start(self._cobrowse.refresh(conversation.id), "refresh-cobrowse")

    # --- a customer refreshed -----------------------------------------------------------------------

    def _on_context_refreshed(self, customer_id: str) -> None:
        self._reader.submit(self._read_customer, customer_id, self._records_changes.get(customer_id, 0))

    def _on_records_changed(self, customer_id: str) -> None:
        self._records_changes[customer_id] = self._records_changes.get(customer_id, 0) + 1

    def _read_customer(self, customer_id: str, changes: int) -> None:
        """On the reader thread: what the refresh stored, with the agent's unsent edits over it."""
        self.reader_threads.add(threading.get_ident())
        try:
            contact = notes = None
            context = self._context.cached(customer_id)
            if self._records is not None:
                contact = self._records.customer(customer_id)
                notes = self._records.notes(customer_id)
            result = CustomerRefreshed(customer_id, context, self._history_start(customer_id), contact, notes)
        except Exception:  # a broken cache file must not kill the reader thread; the tab keeps its data
            log.exception("customer %s could not be read again from the cache", customer_id)
            return
        try:
            self._customer_read.emit(result, changes)
        except RuntimeError:  # the service is gone (shutting down)
            log.debug("customer %s read after shutdown", customer_id)

    def _on_customer_read(self, result: CustomerRefreshed, changes: int) -> None:
        if self._records_changes.get(result.customer_id, 0) != changes:
            result = CustomerRefreshed(result.customer_id, result.context, result.history)
        self.customer_refreshed.emit(result)

    def _on_inbox_transcript_updated(self, conversation_id: str, entries: list[TranscriptEntry]) -> None:
        pending = self._later.get(conversation_id)
        if pending is not None:
            pending.extend(entries)
