"""The customer beside a conversation: read from the cache first, refreshed in the background."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from PySide6.QtCore import QObject, Signal

from workstation.client.api import ApiError, BackendApi, BackendUnavailable, ProtocolError
from workstation.domain import messages as M
from workstation.domain.models import Customer, TimelineEvent, TimelinePage
from workstation.domain.timeline import TimelineEntry, TimelineFilter, story_key
from workstation.services.ranking import CONTEXT_EVENTS
from workstation.services.sync import AppliedEvent, SyncService
from workstation.store.cache import HISTORY_CURSOR_PREFIX, CacheStore

log = logging.getLogger(__name__)

TIMELINE_PAGE = CONTEXT_EVENTS


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    sender: str
    text: str
    at: datetime | None


@dataclass(frozen=True, slots=True)
class CustomerContext:
    customer: Customer | None
    #: newest first
    events: list[TimelineEvent]
    #: when the record last came from the backend; None if it never did on this desktop
    fetched_at: datetime | None = None


class CustomerContextService(QObject):
    """Customer records and histories for the panels beside conversations.

    Signals: `context_refreshed(customer_id)` when fresh data from the backend landed in the cache,
    `events_added(customer_id, list[TimelineEvent])` for live history pushed while a chat is open,
    `history_loaded(customer_id, count)` when older history arrived from the backend (count may be 0
    when the history is complete), `history_failed(customer_id, reason)` when it could not be loaded.
    """

    context_refreshed = Signal(str)
    events_added = Signal(str, list)
    history_loaded = Signal(str, int)
    history_failed = Signal(str, object)  # the reason: a Msg the desk shows translated

    #: events per backend request when the agent scrolls into older history
    OLDER_PAGE = 1000
    #: newest pages fetched at most on a refresh to close a gap after a long time offline
    MAX_CATCH_UP_PAGES = 10

    def __init__(
        self,
        api: BackendApi,
        store: CacheStore,
        sync: SyncService,
        parent: QObject | None = None,
        *,
        cache_limit_bytes: int | None = None,
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._store = store
        self._limit = cache_limit_bytes
        self._sync = sync
        self._loading: set[str] = set()
        #: Customers whose refresh() is under way (it fetches the newest page and the paging cursor).
        self._refreshing: set[str] = set()
        sync.events_applied.connect(self._on_sync_events_applied)

    def cached(self, customer_id: str) -> CustomerContext:
        """What the cache has now: never waits for the network (the first paint depends on it)."""
        customer, fetched_at = self._store.customer_and_fetched_at(customer_id)
        return CustomerContext(customer, self._store.timeline(customer_id, limit=TIMELINE_PAGE), fetched_at)

    # --- the history, page by page ------------------------------------------------------------------

    def page(
        self,
        customer_id: str,
        where: TimelineFilter | None,
        before: TimelineEntry | None,
        limit: int,
    ) -> list[TimelineEntry]:
        """A page of the cached history (newest first), narrowed by `where`."""
        return self._store.timeline_page(customer_id, where=where, before=before, limit=limit)

    def event_by_id(self, event_id: str) -> TimelineEvent | None:
        return self._store.timeline_event(event_id)

    def story(self, customer_id: str, key: str) -> list[TimelineEntry]:
        return self._store.story_entries(customer_id, key)

    def open_stories(self, customer_id: str) -> set[str]:
        return self._store.open_stories(customer_id)

    def history_complete(self, customer_id: str) -> bool:
        """True when the cache holds the customer's whole history back to the first event."""
        return bool(self._store.get_value(_older_key(customer_id)) == _COMPLETE)

    def loading_older(self, customer_id: str) -> bool:
        return customer_id in self._loading

    async def load_older(self, customer_id: str) -> int:
        """Fetch the next older page of the history from the backend into the cache.

        Returns how many events arrived; emits `history_loaded` or `history_failed`."""
        if customer_id in self._loading or self.history_complete(customer_id):
            return 0
        self._loading.add(customer_id)
        try:
            cursor = self._store.get_value(_older_key(customer_id))
            if cursor is None:
                return await self._start_paging(customer_id)
            try:
                page = await self._api.customer_events(customer_id, before=cursor, limit=self.OLDER_PAGE)
            except (BackendUnavailable, ApiError) as exc:
                log.info("older history of %s not loaded: %s", customer_id, exc)
                self.history_failed.emit(customer_id, _history_failure(exc))
                return 0
            # One job: the events and the cursor that says how far back they reach commit together.
            await self._store.writes.run(self._store_older_page, customer_id, page.events, page.next_cursor)
            self.history_loaded.emit(customer_id, len(page.events))
            await self.keep_within_limit(customer_id)
            return len(page.events)
        finally:
            self._loading.discard(customer_id)

    async def _start_paging(self, customer_id: str) -> int:
        """No paging cursor: either nothing was fetched yet, and refresh() (started when the tab
        opened) is fetching the newest page and the cursor, or the cache limit dropped this history
        (prune_to forgets the cursor with it). In the second case nothing else would fetch it again
        and the history would stay empty: fetch the newest page here."""
        if customer_id in self._refreshing:
            return 0
        try:
            count = await self._fetch_newest(customer_id)
        except (BackendUnavailable, ApiError) as exc:
            log.info("history of %s not loaded: %s", customer_id, exc)
            self.history_failed.emit(customer_id, _history_failure(exc))
            return 0
        self.history_loaded.emit(customer_id, count)
        return count

    async def keep_within_limit(self, *on_screen: str) -> int:
        """Older history is where the cache grows: past its limit, the timelines of the customers
        opened longest ago go (store.prune_to), never those on screen. Returns the rows dropped."""
        if self._limit is None or self._store.used_bytes() <= self._limit:
            return 0
        removed = await self._store.writes.run(self._store.prune_to, self._limit, keep=on_screen)
        log.info(
            "cache over %d MB: dropped %d rows of the least recently used history", self._limit >> 20, removed
        )
        return removed

    async def refresh(self, customer_id: str) -> bool:
        """Fetch the customer, their latest history and notes into the cache; False when offline."""
        self._store.writes.submit(self._store.mark_used, customer_id)  # nothing waits for it
        self._refreshing.add(customer_id)
        try:
            customer = await self._api.customer(customer_id)
            if customer.id != customer_id:
                raise _foreign(customer_id)
            notes = await self._api.customer_notes(customer_id)
            mine = [n for n in notes if n.customer_id == customer_id]
            await self._store.writes.run(self._store.apply, customers=[customer], notes=mine)
            await self._fetch_newest(customer_id)
        except BackendUnavailable as exc:
            log.info("customer %s stays as cached: %s", customer_id, exc)
            self.history_failed.emit(customer_id, _history_failure(exc))
            return False
        except ApiError as exc:
            log.warning("customer %s could not be refreshed: %s", customer_id, exc.message)
            self.history_failed.emit(customer_id, _history_failure(exc))
            return False
        finally:
            self._refreshing.discard(customer_id)
        self.context_refreshed.emit(customer_id)
        return True

    async def _fetch_newest(self, customer_id: str) -> int:
        """The newest page, and further pages until they meet what the cache already holds (events
        that happened while this desktop was offline), so the cached history has no hole. Returns
        how many events arrived."""
        cursor: str | None = None
        arrived = 0
        had_history = self._store.get_value(_older_key(customer_id)) is not None
        for _ in range(self.MAX_CATCH_UP_PAGES):
            page = await self._api.customer_events(customer_id, before=cursor, limit=TIMELINE_PAGE)
            if any(ev.customer_id != customer_id for ev in page.events):
                raise _foreign(customer_id)
            met = await self._store.writes.run(self._store_newest_page, customer_id, page)
            arrived += len(page.events)
            if met or not had_history or page.next_cursor is None:
                return arrived
            cursor = page.next_cursor
        log.info(
            "history of %s: more than %d new pages; older ones load on scrolling",
            customer_id,
            self.MAX_CATCH_UP_PAGES,
        )
        return arrived

    async def transcript(self, customer_id: str, event: TimelineEvent) -> list[TranscriptLine]:
        """The transcript of a past contact in the history, read-only: carried by the event (an
        imported chat or e-mail), in the cache (the agent's own chat), or from the backend.

        Raises LookupError, with a message for the agent, when there is none or it cannot be had now."""
        lines = event.data.get("transcript")
        if isinstance(lines, list) and lines:
            return [
                TranscriptLine(str(line.get("sender", "")), str(line.get("text", "")), None)
                for line in lines
                if isinstance(line, dict)
            ]
        conversation_id = event.data.get("conversation_id")
        if not isinstance(conversation_id, str):
            raise LookupError(M.Msg(M.NO_TRANSCRIPT))
        cached = self._store.transcript(conversation_id)
        if cached:
            return [TranscriptLine(e.message.sender, e.message.text, e.message.at) for e in cached]
        try:
            conv = await self._api.customer_conversation(customer_id, conversation_id)
        except BackendUnavailable as exc:
            raise LookupError(M.Msg(M.TRANSCRIPT_NOT_CACHED)) from exc
        except ApiError as exc:
            raise LookupError(M.Msg(M.TRANSCRIPT_UNAVAILABLE, reason=exc.message)) from exc
        return [TranscriptLine(m.sender, m.text, m.at) for m in conv.messages]

    def _on_sync_events_applied(self, applied: list[AppliedEvent]) -> None:
        added: dict[str, list[TimelineEvent]] = {}
        for event in applied:
            if isinstance(event.record, TimelineEvent):
                added.setdefault(event.record.customer_id, []).append(event.record)
        for customer_id, events in added.items():
            stories = {key for ev in events if (key := story_key(ev.kind, ev.data))}
            if not stories:
                self.events_added.emit(customer_id, events)
                continue
            # The panel reads the open stories when it repaints: tell it once they are stored.
            job = self._store.writes.submit(self._store.refresh_stories, customer_id, stories)
            self._sync.committed(job, partial(self.events_added.emit, customer_id, events))

    # --- write jobs (run on the store's writer thread) --------------------------------------------

    def _store_older_page(self, customer_id: str, events: list[TimelineEvent], cursor: str | None) -> None:
        self._store.apply(events=events)
        self._store.set_value(_older_key(customer_id), cursor or _COMPLETE)

    def _store_newest_page(self, customer_id: str, page: TimelinePage) -> bool:
        """Store a newest page; True when the cache held its oldest event already (the page met
        what was cached before: no gap left behind it). On the writer thread, like the write."""
        met = any(self._store.timeline_event(ev.id) is not None for ev in page.events[-1:])
        self._store.apply(events=page.events)
        self._store.set_open_stories(customer_id, page.open_stories)
        if self._store.get_value(_older_key(customer_id)) is None:
            self._store.set_value(_older_key(customer_id), page.next_cursor or _COMPLETE)
        return met


_COMPLETE = "complete"


def _older_key(customer_id: str) -> str:
    return f"{HISTORY_CURSOR_PREFIX}{customer_id}"


def _foreign(customer_id: str) -> ProtocolError:
    """The backend answered a question about one customer with another's data: nothing is stored."""
    reason = f"customer {customer_id} answered with another's data"
    log.warning("rejected an answer from the backend: %s", reason)
    return ProtocolError(reason)


def _history_failure(exc: ApiError | BackendUnavailable) -> M.Msg:
    """Why the history could not be loaded, for the agent (the technical detail goes to the log)."""
    if isinstance(exc, ApiError):
        return M.Msg(M.HISTORY_REFUSED, reason=exc.message)
    return M.Msg(M.HISTORY_OFFLINE)
