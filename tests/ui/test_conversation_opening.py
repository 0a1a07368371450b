"""Opening a conversation (workstation.services.conversation), against the real backend and a real cache
file: one `conversation_ready` carries transcript, customer, history and ranking; the cache is read
on the reader thread, never on the GUI thread; a read nobody wants any more is dropped."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from tests.helpers.backend import Backend
from tests.helpers.desk import Desk
from workstation.domain.models import Message, Presence, TranscriptEntry, utcnow
from workstation.services.conversation import ConversationReady, CustomerRefreshed

pytestmark = pytest.mark.gui

#: Tables a conversation's first paint reads (the outbox is read by the sync service all the time).
OPENING_TABLES = re.compile(r"\b(messages|timeline_events|timeline_stories|customers|notes)\b")


def _offer(desk: Desk, backend: Backend, customer_id: str = "c-1", text: str = "Wo ist mein Paket?") -> str:
    """A chat of `customer_id` offered to the desk; returns the offer id."""
    desk.window.set_presence(Presence.AVAILABLE)
    desk.wait_until(lambda: desk.ws.store.count_pending() == 0)
    backend.start_chat(customer_id, text)
    desk.wait_until(lambda: desk.window.offer_cards)
    (offer_id,) = desk.window.offer_cards
    return offer_id


def _readies(desk: Desk) -> list[ConversationReady]:
    readies: list[ConversationReady] = []
    assert desk.ws.conversations is not None
    desk.ws.conversations.conversation_ready.connect(readies.append)
    return readies


@contextmanager
def _reader_held(desk: Desk) -> Iterator[threading.Event]:
    """The reader thread busy until the event is set (or the block ends): reads queue behind it."""
    assert desk.ws.reader is not None
    release = threading.Event()
    started = threading.Event()

    def hold() -> None:
        started.set()
        release.wait(10)

    desk.ws.reader.submit(hold)
    started.wait(5)
    try:
        yield release
    finally:
        release.set()


class _SelectsByThread:
    """SELECTs of the cache matching `tables`, with the thread that ran them, while `on` is set."""

    def __init__(self, desk: Desk, tables: re.Pattern[str]) -> None:
        self.reads: list[tuple[int, str]] = []
        self.on = False
        self._tables = tables
        self._engine = desk.ws.store.engine

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        select = statement.lstrip().upper().startswith("SELECT")
        if self.on and select and self._tables.search(statement):
            self.reads.append((threading.get_ident(), statement))

    def __enter__(self) -> _SelectsByThread:
        event.listen(self._engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self._engine, "before_cursor_execute", self._seen)

    def on_thread(self, thread: int) -> list[str]:
        return [statement for t, statement in self.reads if t == thread]


def _refreshed(desk: Desk) -> list[str]:
    """Customers whose background refresh (started once a tab is painted) finished."""
    done: list[str] = []
    desk.ws.context.context_refreshed.connect(done.append)
    desk.ws.context.history_failed.connect(lambda customer_id, _reason: done.append(customer_id))
    return done


def test_ready_carries_transcript_customer_history_and_ranking(desk: Desk, backend: Backend) -> None:
    readies = _readies(desk)
    refreshed = _refreshed(desk)
    # A first chat of the customer: nothing cached yet; its tab's refresh fills the cache.
    desk.window.accept_offer(_offer(desk, backend, text="Hallo"))
    desk.wait_until(lambda: readies and refreshed)
    assert readies[0].context.customer is None and not readies[0].history.entries
    # The customer writes again: this time the first paint has all of it, from the cache.
    desk.window.accept_offer(_offer(desk, backend, text="Wo ist mein Paket?"))
    desk.wait_until(lambda: len(readies) == 2 and len(refreshed) == 2)
    ready = readies[1]
    conv_id = ready.conversation.id
    assert [e.message.text for e in ready.transcript] == ["Wo ist mein Paket?"]
    assert ready.context.customer is not None and ready.context.customer.name == "Jana Kowalski"
    cached = desk.ws.store.timeline_page("c-1", where=None, before=None, limit=200)
    assert [e.id for e in ready.history.entries] == [e.id for e in cached] and len(cached) == 25
    assert ready.history.complete  # 25 events: the backend's first page held them all
    # Ranked from that cache: the customer's words (a parcel: delivery) and their history.
    assert ready.ranking.case_id == conv_id and "delivery" in ready.ranking.topics
    history_ids = {e.id for e in cached}
    assert any(set(item.refs) & history_ids for item in (*ready.ranking.cards, *ready.ranking.hidden))
    assert ready.contact is not None and ready.contact.customer is not None
    # The window painted exactly that, and selected the tab it accepted.
    view = desk.window.views[conv_id]
    assert view.transcript_model.rowCount() == 1
    assert view.timeline_model.entry_count() == 25
    assert desk.window.current_view() is view
    assert desk.ws.relevance.ranking(conv_id) is ready.ranking


def test_the_cache_is_read_on_the_reader_thread_never_on_the_gui_thread(desk: Desk, backend: Backend) -> None:
    refreshed = _refreshed(desk)
    gui = threading.get_ident()
    assert desk.ws.conversations is not None
    ready_threads: list[int] = []
    desk.ws.conversations.conversation_ready.connect(lambda _r: ready_threads.append(threading.get_ident()))
    shown: list[str] = []
    with _SelectsByThread(desk, OPENING_TABLES) as selects:
        desk.window.conversation_shown.connect(lambda cid: (shown.append(cid), setattr(selects, "on", False)))
        offer_id = _offer(desk, backend, "c-2")
        selects.on = True  # from the accept (the read is queued before `conversation_opening`) to the paint
        desk.window.accept_offer(offer_id)
        desk.wait_until(lambda: shown and refreshed)
    assert selects.reads, "opening the conversation read the cache"
    on_gui = selects.on_thread(gui)
    assert not on_gui, f"cache reads on the GUI thread while opening: {on_gui}"
    assert gui not in desk.ws.conversations.reader_threads
    assert ready_threads == [gui]  # delivered back to the GUI thread (queued), where the window paints


def test_a_read_for_a_conversation_closed_meanwhile_is_dropped(desk: Desk, backend: Backend) -> None:
    readies = _readies(desk)
    conversations = desk.ws.conversations
    assert conversations is not None
    opened: list[str] = []
    conversations.conversation_opening.connect(lambda conv: opened.append(conv.id))
    offer_id = _offer(desk, backend)
    with _reader_held(desk):
        desk.window.accept_offer(offer_id)
        desk.wait_until(lambda: opened)
        conv_id = opened[0]
        assert conv_id not in desk.window.views  # not shown before its read is done
        conversations.forget(conv_id)  # as when the conversation closes
    desk.run(_drain_reader(desk))
    assert readies == []
    assert conv_id not in desk.window.views


def test_only_the_newest_read_of_a_conversation_is_shown(desk: Desk, backend: Backend) -> None:
    readies = _readies(desk)
    conversations = desk.ws.conversations
    assert conversations is not None
    opened: list[Any] = []
    conversations.conversation_opening.connect(opened.append)
    offer_id = _offer(desk, backend)
    with _reader_held(desk):
        desk.window.accept_offer(offer_id)
        desk.wait_until(lambda: opened)
        conv = opened[0]
        conversations.open(conv)  # opened again (e.g. after a stream reset) before the first read ran
    refreshed = _refreshed(desk)
    desk.wait_until(lambda: readies and refreshed)
    desk.run(_drain_reader(desk))
    assert len(readies) == 1 and len(opened) == 2
    assert list(desk.window.views) == [conv.id]
    assert desk.window.tabs.count() == 1


def test_lines_arriving_while_the_cache_is_read_reach_the_tab(desk: Desk, backend: Backend) -> None:
    readies = _readies(desk)
    assert desk.ws.conversations is not None
    opened: list[str] = []
    desk.ws.conversations.conversation_opening.connect(lambda conv: opened.append(conv.id))
    offer_id = _offer(desk, backend, text="Hallo")
    with _reader_held(desk):
        desk.window.accept_offer(offer_id)
        desk.wait_until(lambda: opened)
        conv_id = opened[0]
        # What the inbox reports while the read waits (a line pushed after the read's snapshot).
        late = Message(id="m-late", conversation_id=conv_id, sender="customer", text="Noch da?", at=utcnow())
        desk.ws.inbox.transcript_updated.emit(conv_id, [TranscriptEntry(message=late)])
    refreshed = _refreshed(desk)
    desk.wait_until(lambda: readies and refreshed)
    assert [e.message.id for e in readies[0].later] == ["m-late"]
    texts = [e.message.text for e in desk.window.views[conv_id].transcript_model.entries()]
    assert texts == ["Hallo", "Noch da?"]


async def _drain_reader(desk: Desk) -> None:
    """Until every job queued on the reader ran and its result was delivered (queued) to this thread."""
    import asyncio

    assert desk.ws.reader is not None
    await asyncio.wrap_future(desk.ws.reader.submit(lambda: None))
    for _ in range(5):  # the queued signal is delivered by the Qt event loop on a later turn
        await asyncio.sleep(0.02)


def test_an_accepted_offer_takes_the_spare_tab_and_a_new_spare_follows(desk: Desk, backend: Backend) -> None:
    """The desk builds one tab's widgets ahead of time (after sign-in and after each opened tab): the
    next accepted offer fills that spare in instead of building a tab between Accept and paint."""
    controller = desk.controller
    desk.wait_until(lambda: controller._spare is not None)
    spare = controller._spare
    # Hidden, and still hidden when the window is shown again (e.g. from the tray).
    desk.window.hide()
    desk.window.show()
    assert not spare.isVisible()
    refreshed = _refreshed(desk)
    desk.window.accept_offer(_offer(desk, backend, "c-2", text="Meine Rechnung stimmt nicht"))
    desk.wait_until(lambda: desk.window.views and refreshed)
    (view,) = desk.window.views.values()
    assert view is spare
    # The spare now shows this conversation: its customer, channel and topic, its accessible names.
    assert view.conversation.customer.id == "c-2"
    assert view.objectName() == f"conversation-{view.conversation.id}"
    assert view.customer_header.name_label.text() == view.conversation.customer.name
    assert view.conversation.customer.name in view.reply_edit.accessibleName()
    assert view.context_label.text()
    assert view.isVisible() and desk.window.current_view() is view
    # Its edits name its customer (connected before it had one).
    edits: list[str] = []
    view.customer_edit_requested.connect(edits.append)
    view.customer_header.edit_requested.emit()
    assert edits == ["c-2"]
    # A new spare is built for the next offer, not the one just taken.
    desk.wait_until(lambda: controller._spare is not None)
    assert controller._spare is not view and not controller._spare.isVisible()


def test_a_refreshed_customer_is_read_again_off_the_gui_thread_and_shown(
    desk: Desk, backend: Backend
) -> None:
    conversations = desk.ws.conversations
    assert conversations is not None
    refreshed: list[CustomerRefreshed] = []
    conversations.customer_refreshed.connect(refreshed.append)
    gui = threading.get_ident()
    shown: list[str] = []
    # Who reads the customer's context, from the paint on (the opening's own read is the reader's too;
    # other GUI-thread readers of the records, e.g. for a pushed customer, are not this change's).
    readers: list[int] = []
    cached = desk.ws.context.cached

    def recorded(customer_id: str) -> Any:
        if shown:
            readers.append(threading.get_ident())
        return cached(customer_id)

    desk.ws.context.cached = recorded  # type: ignore[method-assign]
    desk.window.conversation_shown.connect(shown.append)
    # The customer's first chat: nothing cached, so the tab opens empty and the refresh fills it.
    desk.window.accept_offer(_offer(desk, backend, "c-2"))
    desk.wait_until(lambda: shown and refreshed)
    read = refreshed[0]
    assert read.customer_id == "c-2"
    assert read.context.customer is not None and read.contact is not None and read.notes is not None
    assert readers, "the refresh was read from the cache"
    assert gui not in readers, "the refreshed customer was read on the GUI thread"
    # The tab shows what was read: the customer's record and the history the refresh brought.
    view = desk.window.views[shown[0]]
    assert [e.id for e in view.timeline_model.entries()] == [e.id for e in read.history.entries]
    assert read.history.entries and "Updated" in view.customer_header.freshness_label.text()


def test_records_changed_during_the_refresh_read_are_not_overwritten(desk: Desk, backend: Backend) -> None:
    conversations = desk.ws.conversations
    assert conversations is not None
    refreshed: list[CustomerRefreshed] = []
    conversations.customer_refreshed.connect(refreshed.append)
    desk.window.accept_offer(_offer(desk, backend, "c-1"))
    desk.wait_until(lambda: refreshed)
    refreshed.clear()
    with _reader_held(desk):
        desk.ws.context.context_refreshed.emit("c-1")  # a read queued behind the held reader ...
        desk.ws.records.customer_changed.emit("c-1")  # ... while the agent's edit changes the record
    desk.wait_until(lambda: refreshed)
    assert refreshed[0].contact is None and refreshed[0].notes is None  # the newer ones stay on screen
    assert refreshed[0].context.customer is not None
