"""The history beside a conversation: the paged model (checked by qtmodeltester), day headers,
filters, stories, live inserts that keep the agent's place, and against the real backend: lazy
loading of older pages, the open-issues filter, and a past chat opened read-only."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.helpers.backend import Backend
from tests.helpers.desk import Desk
from tests.ui.test_desktop import _accept_next, _go_available
from workstation.demo import journeys
from workstation.domain import timeline
from workstation.domain.models import Presence, TimelineEvent, utcnow
from workstation.domain.timeline import TimelineEntry, TimelineFilter
from workstation.store.cache import CacheStore, open_engine
from workstation.ui.history_panel import HistoryPanel, TranscriptDialog
from workstation.ui.language import datetime_text
from workstation.ui.timeline_model import TimelineModel

pytestmark = pytest.mark.gui


class CacheSource:
    """The page source the desktop uses, over a real cache file, without the network."""

    def __init__(self, store: CacheStore, complete: bool = True) -> None:
        self.store = store
        self.complete = complete

    def page(
        self, cid: str, where: TimelineFilter | None, before: TimelineEntry | None, limit: int
    ) -> list[TimelineEntry]:
        return self.store.timeline_page(cid, where=where, before=before, limit=limit)

    def history_complete(self, cid: str) -> bool:
        return self.complete

    def open_stories(self, cid: str) -> set[str]:
        return self.store.open_stories(cid)

    def event_by_id(self, event_id: str) -> TimelineEvent | None:
        return self.store.timeline_event(event_id)

    def story(self, cid: str, key: str) -> list[TimelineEntry]:
        return self.store.story_entries(cid, key)


def _simulated(n_seed: int = 3) -> tuple[CacheStore, list[TimelineEvent]]:
    rng = random.Random(n_seed)
    raw = journeys.make_customer(rng, "c-1")
    history = journeys.make_history(rng, raw, utcnow(), first_event_id=1)
    events = [TimelineEvent.model_validate({**e, "customer_id": "c-1"}) for e in history]
    store = CacheStore(open_engine(":memory:"))
    store.apply(events=events)
    store.refresh_stories("c-1", {k for e in events if (k := timeline.story_key(e.kind, e.data))})
    return store, events


def _many(n: int, start: datetime) -> list[TimelineEvent]:
    return [
        TimelineEvent(
            id=f"m{i:06d}",
            customer_id="c-1",
            at=start - timedelta(minutes=37 * i),
            channel=("web", "shop", "chat")[i % 3],
            kind=("page_view", "order_placed", "contact")[i % 3],
            summary=f"Event {i}",
            data={"order_id": str(i)} if i % 3 == 1 else {},
        )
        for i in range(n)
    ]


def _check_rows(model: TimelineModel) -> None:
    """Days descend, each day's header comes right before its events, events newest first."""
    rows = [model.index(r).data(model.EntryRole) for r in range(model.rowCount())]
    headers = [model.index(r).data(model.HeaderRole) for r in range(model.rowCount())]
    assert not rows or headers[0], "the first row is a day header"
    current_day = None
    previous: TimelineEntry | None = None
    for row, is_header in zip(rows, headers, strict=True):
        if is_header:
            current_day = None
            continue
        assert isinstance(row, TimelineEntry)
        day = row.at.astimezone().date()
        if current_day is None:
            current_day = day
        assert day == current_day
        if previous is not None:
            assert (row.at, row.id) < (previous.at, previous.id)
        previous = row
    assert len([h for h in headers if h]) == len({e.at.astimezone().date() for e in model.entries()})


def test_model_pages_lazily_and_passes_qtmodeltester(qtbot: QtBot, qtmodeltester: Any) -> None:
    store = CacheStore(open_engine(":memory:"))
    store.apply(events=_many(1000, utcnow()))
    model = TimelineModel()
    model.set_source(CacheSource(store), "c-1")
    qtmodeltester.check(model)
    model.reload()
    assert len(model.entries()) == model.PAGE and model.canFetchMore()
    _check_rows(model)
    while model.canFetchMore():
        model.fetch_page()
    assert len(model.entries()) == 1000 and model.complete()
    _check_rows(model)
    # filter changes, live inserts (newest, in the middle of a day, a new day) and resets
    model.reload(TimelineFilter(kinds=frozenset({"contact"})))
    assert {e.kind for e in model.entries()} == {"contact"}
    model.reload(TimelineFilter())
    now = utcnow()
    live = [
        TimelineEvent(
            id="live-1",
            customer_id="c-1",
            at=now + timedelta(days=2),
            channel="chat",
            kind="contact",
            summary="Chat now",
        ),
        TimelineEvent(
            id="live-2",
            customer_id="c-1",
            at=now - timedelta(minutes=5),
            channel="web",
            kind="page_view",
            summary="Page",
        ),
        TimelineEvent(
            id="m000000", customer_id="c-1", at=now, channel="web", kind="page_view", summary="dup"
        ),
    ]
    model.add(live)
    model.flush()
    ids = [e.id for e in model.entries()]
    assert ids[:3] == ["live-1", "m000000", "live-2"] and ids.count("m000000") == 1
    _check_rows(model)
    qtmodeltester.check(model)


def test_listed_rows_share_their_repeated_strings_and_keep_their_fields(qtbot: QtBot) -> None:
    """The cache hands out a new string per row and column; the model keeps one copy of each
    channel, kind, phase and story (the memory of a 100,000-row history), and every field intact."""
    store = CacheStore(open_engine(":memory:"))
    events = _many(600, utcnow())
    store.apply(events=events)
    model = TimelineModel()
    model.set_source(CacheSource(store), "c-1")
    model.reload()
    while model.canFetchMore():
        model.fetch_page()
    listed = model.entries()
    assert len(listed) == 600
    expected = {
        e.id: (e.at, e.channel, e.kind, e.summary, timeline.journey_phase(e.kind, e.data)) for e in events
    }
    assert {e.id: (e.at, e.channel, e.kind, e.summary, e.phase) for e in listed} == expected
    assert {e.story for e in listed if e.kind == "order_placed"} == {
        timeline.story_key(e.kind, e.data) for e in events if e.kind == "order_placed"
    }
    for field in ("channel", "kind", "phase"):
        copies = {id(getattr(e, field)) for e in listed}
        assert len(copies) == len({getattr(e, field) for e in listed}), field
    assert model.entry(listed[-1].id) == listed[-1]


def test_a_live_event_older_than_the_listed_window_waits_for_its_page(qtbot: QtBot) -> None:
    store = CacheStore(open_engine(":memory:"))
    store.apply(events=_many(500, utcnow()))
    model = TimelineModel()
    model.set_source(CacheSource(store), "c-1")
    model.reload()
    old = TimelineEvent(
        id="old",
        customer_id="c-1",
        at=utcnow() - timedelta(days=365),
        channel="web",
        kind="page_view",
        summary="old",
    )
    model.add([old])
    model.flush()
    assert model.entry("old") is None
    store.apply(events=[old])
    while model.canFetchMore():
        model.fetch_page()
    assert model.entries()[-1].id == "old"


def test_older_history_is_asked_for_when_the_cache_runs_out(qtbot: QtBot) -> None:
    store = CacheStore(open_engine(":memory:"))
    store.apply(events=_many(150, utcnow()))
    model = TimelineModel()
    source = CacheSource(store, complete=False)
    model.set_source(source, "c-1")
    asked: list[bool] = []
    model.older_needed.connect(lambda: asked.append(True))
    model.reload()
    assert asked and not model.canFetchMore() and not model.complete()
    store.apply(events=_many(400, utcnow())[150:])
    source.complete = True
    model.more_available()
    model.fetch_page()
    model.fetch_page()
    assert len(model.entries()) == 400 and model.complete()


def test_panel_filters_stories_and_keeps_place_on_live_events(qtbot: QtBot) -> None:
    store, events = _simulated()
    panel = HistoryPanel()
    qtbot.addWidget(panel)
    panel.resize(700, 400)
    panel.show()
    panel.bind(CacheSource(store), "c-1")
    total = len(events)
    assert len(panel.model.entries()) == min(total, panel.model.PAGE)
    assert "start of history" in panel.status_label.text()

    panel.open_check.setChecked(True)
    open_stories = store.open_stories("c-1")
    assert {e.story for e in panel.model.entries()} <= open_stories
    assert len(panel.model.entries()) == sum(
        1 for e in events if timeline.story_key(e.kind, e.data) in open_stories
    )
    assert "matching" in panel.status_label.text()
    panel.clear_filter()
    panel.phase_buttons["purchase"].setChecked(True)
    assert panel.model.entries() and {e.phase for e in panel.model.entries()} == {"purchase"}
    panel.clear_filter()
    panel.search_edit.setText("ORDER")
    qtbot.waitUntil(lambda: panel.model.where.text == "ORDER")
    assert panel.model.entries() and all(
        "order" in e.summary.lower() or "order" in e.kind or store.timeline_event(e.id) is not None
        for e in panel.model.entries()
    )
    panel.clear_filter()

    # selecting an event of an order tints its story and lists it, with links
    order = next(e for e in panel.model.entries() if e.story and e.story.startswith("order:"))
    assert panel.select(order.id)
    assert "Order" in panel.story_label.text() and f'href="{order.id}"' in panel.story_label.text()
    row = panel.model.row_of(order.id)
    assert panel.model.index(row).data(Qt.ItemDataRole.BackgroundRole) is not None

    # scrolled down with an event selected: a burst of live events keeps both
    bar = panel.view.verticalScrollBar()
    middle = panel.model.entries()[len(panel.model.entries()) // 2]
    panel.select(middle.id)
    QApplication.processEvents()
    before_top = panel.view.indexAt(panel.view.viewport().rect().topLeft()).data(panel.model.EntryRole)
    assert bar.value() > 0
    burst = [
        TimelineEvent(
            id=f"new-{i}",
            customer_id="c-1",
            at=utcnow() + timedelta(seconds=i),
            channel="web",
            kind="page_view",
            summary=f"Live {i}",
        )
        for i in range(5)
    ]
    panel.model.add(burst)
    panel.model.flush()
    QApplication.processEvents()
    assert panel.selected_entry() is not None and panel.selected_entry().id == middle.id
    after_top = panel.view.indexAt(panel.view.viewport().rect().topLeft()).data(panel.model.EntryRole)
    assert after_top == before_top
    # at the top, the agent sees new events come in
    bar.setValue(0)
    panel.model.add(
        [
            TimelineEvent(
                id="newest",
                customer_id="c-1",
                at=utcnow() + timedelta(minutes=5),
                channel="chat",
                kind="contact",
                summary="Newest",
            )
        ]
    )
    panel.model.flush()
    QApplication.processEvents()
    assert bar.value() == 0 and panel.model.entries()[0].id == "newest"


def test_past_chat_transcripts_open_read_only(qtbot: QtBot) -> None:
    store, events = _simulated(5)
    chat = next(e for e in events if e.data.get("transcript"))
    panel = HistoryPanel()
    qtbot.addWidget(panel)
    panel.bind(CacheSource(store), "c-1")
    assert panel.select(chat.id)
    assert panel.transcript_button.isVisibleTo(panel)
    with qtbot.waitSignal(panel.transcript_requested) as signal:
        panel.transcript_button.click()
    assert signal.args == [chat.id]
    lines = [(line["sender"], line["text"], "") for line in chat.data["transcript"]]
    dialog = TranscriptDialog("Chat", lines)
    qtbot.addWidget(dialog)
    assert dialog.browser.isReadOnly()
    assert chat.data["transcript"][0]["text"] in dialog.browser.toPlainText()


def test_imported_event_links_to_its_record_upstream(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    store = CacheStore(open_engine(":memory:"))
    source = {"source": "tryton", "source_id": "sale.complaint,5"}
    events = [
        TimelineEvent(
            id="e1",
            customer_id="c-1",
            at=utcnow(),
            channel="email",
            kind="complaint",
            data={**source, "source_url": "https://erp.example.com/#shop/model/sale.complaint/5"},
        ),
        TimelineEvent(
            id="e2",
            customer_id="c-1",
            at=utcnow() - timedelta(hours=1),
            channel="email",
            kind="complaint",
            data={**source, "source_url": "javascript:alert(1)"},
        ),
    ]
    store.apply(events=events)
    opened: list[str] = []
    monkeypatch.setattr(
        "workstation.ui.history_panel.QDesktopServices.openUrl", lambda url: opened.append(url.toString())
    )
    panel = HistoryPanel()
    qtbot.addWidget(panel)
    panel.bind(CacheSource(store), "c-1")
    assert panel.select("e1")
    assert panel.source_button.isVisibleTo(panel) and panel.source_button.text() == "Open in Tryton"
    panel.source_button.click()
    assert opened == ["https://erp.example.com/#shop/model/sale.complaint/5"]
    assert panel.select("e2")
    assert not panel.source_button.isVisibleTo(panel)  # a link in another scheme is not offered


# --- against the real backend ---------------------------------------------------------------------


def _accept(desk: Desk, backend: Backend, customer: str, text: str) -> str:
    if desk.ws.session.presence != Presence.AVAILABLE:
        _go_available(desk)
    return _accept_next(desk, backend, customer, text)[1]


def test_scrolling_loads_older_history_from_the_backend(desk: Desk, backend: Backend) -> None:
    start = utcnow() - timedelta(days=1)
    batch = [e.model_dump(mode="json") for e in _many(2600, start)]
    for i in range(0, len(batch), 1000):
        response = backend.http.post(
            "/api/v1/events",
            json=batch[i : i + 1000],
            headers={"Authorization": f"Bearer {backend.service_token}"},
        )
        assert response.json()["stored"] == len(batch[i : i + 1000])
    conv_id = _accept(desk, backend, "c-1", "Hallo")
    view = desk.window.views[conv_id]
    panel = view.history
    desk.wait_until(lambda: len(panel.model.entries()) >= 200)
    total = 2600 + 25
    for _ in range(200):
        if len(panel.model.entries()) == total:
            break
        panel.view.scrollToBottom()
        if panel.model.canFetchMore():
            panel.model.fetch_page()
        desk.run(_sleep(0.05))
    assert len(panel.model.entries()) == total
    assert len({e.id for e in panel.model.entries()}) == total
    desk.wait_until(lambda: "start of history" in panel.status_label.text())
    assert desk.ws.store.timeline_count("c-1") == total


async def _sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


def test_own_closed_chat_opens_read_only_from_the_history(desk: Desk, backend: Backend) -> None:
    conv_id = _accept(desk, backend, "c-2", "Where is my parcel?")
    view = desk.window.views[conv_id]
    desk.wait_until(lambda: view.history.model.entries())
    # an earlier chat with the same customer, answered and closed by this agent
    old_id = _accept(desk, backend, "c-2", "Earlier question")
    desk.window.views[old_id].reply_submitted.emit(old_id, "Here is the answer.")
    desk.wait_until(lambda: desk.ws.store.count_pending() == 0)
    response = backend.http.post(
        f"/api/v1/conversations/{old_id}/close",
        json={"wrapup_code": "resolved"},
        headers=backend.login("demo"),
    )
    assert response.status_code == 200, response.text
    desk.wait_until(lambda: view.history.model.entry(f"{old_id}-closed") is not None)
    assert view.history.select(f"{old_id}-closed")
    assert view.history.transcript_button.isVisibleTo(view.history)
    view.history.transcript_button.click()
    desk.wait_until(lambda: isinstance(desk.controller.transcript_dialog, TranscriptDialog))
    text = desk.controller.transcript_dialog.browser.toPlainText()
    assert "Earlier question" in text and "Here is the answer." in text
    assert desk.controller.transcript_dialog.browser.isReadOnly()


def test_scrolling_a_big_history_lists_every_event_once_while_new_ones_arrive(
    qtbot: QtBot, qtmodeltester: Any
) -> None:
    """Keyset paging stays exact when events arrive between pages: newer ones (live, at the top),
    ones inside the listed window and ones in the part not yet listed; several share a timestamp,
    so pages end among ties. Checked throughout by Qt's model tester, and for day headers."""
    now = utcnow().replace(microsecond=0)
    base = _many(3000, now)
    # groups of five events at one instant (every 97th event and the four after it)
    tied = [e.model_copy(update={"at": base[i - i % 97].at}) if i % 97 < 5 else e for i, e in enumerate(base)]
    store = CacheStore(open_engine(":memory:"))
    store.apply(events=tied)
    model = TimelineModel()
    model.set_source(CacheSource(store), "c-1")
    qtmodeltester.check(model)
    model.reload()
    arrived: list[TimelineEvent] = []
    step = 0
    while model.canFetchMore():
        listed = model.entries()
        oldest = listed[-1].at
        new = [
            TimelineEvent(
                id=f"top-{step}",
                customer_id="c-1",
                at=now + timedelta(minutes=step + 1),
                channel="chat",
                kind="contact",
                summary="live",
            ),
            TimelineEvent(  # inside what is listed: lands at its place
                id=f"mid-{step}",
                customer_id="c-1",
                at=oldest + timedelta(seconds=30),
                channel="web",
                kind="page_view",
                summary="mid",
            ),
            TimelineEvent(  # older than the listed window, tied with a cached event: comes with its page
                id=f"low-{step}",
                customer_id="c-1",
                at=oldest - timedelta(minutes=37 * 150),
                channel="web",
                kind="page_view",
                summary="low",
            ),
        ]
        store.apply(events=new)
        arrived += new
        model.add(new)
        model.flush()
        model.fetch_page()
        step += 1
    assert step >= 3000 // model.PAGE
    expected = sorted({e.id: e for e in tied + arrived}.values(), key=lambda e: (e.at, e.id), reverse=True)
    ids = [e.id for e in model.entries()]
    assert len(ids) == len(set(ids)), "an event listed twice"
    assert ids == [e.id for e in expected]
    assert model.entry_count() == len(expected)
    _check_rows(model)


def test_best_matches_first_lists_a_search_by_rank_without_day_headers(
    qtbot: QtBot, qtmodeltester: Any
) -> None:
    store = CacheStore(open_engine(":memory:"))
    events = _many(1000, utcnow())
    # every 50th event says it in its summary, every 100th twice (those rank first)
    events = [
        e.model_copy(update={"summary": "Refund " * (1 + (i % 100 == 0)) + e.summary}) if i % 50 == 0 else e
        for i, e in enumerate(events)
    ]
    store.apply(events=events)
    panel = HistoryPanel()
    qtbot.addWidget(panel)
    panel.bind(CacheSource(store), "c-1")
    panel.search_edit.setText("refund")
    panel.apply_filter()
    newest_first = [e.id for e in panel.model.entries()]
    _check_rows(panel.model)  # the default order while searching: newest first, with day headers
    panel.rank_button.setChecked(True)  # applies at once
    model = panel.model
    assert model.where.by_relevance and model.rowCount() == len(model.entries())  # no headers
    qtmodeltester.check(model)
    while model.canFetchMore():
        model.fetch_page()
    listed = model.entries()
    assert len(listed) == len({e.id for e in listed}) == 20
    assert [e.summary.startswith("Refund Refund") for e in listed] == [True] * 10 + [False] * 10
    assert sorted(e.id for e in listed) == sorted(newest_first)
    assert model.index(0).data().startswith(datetime_text(listed[0].at))  # its date, as no header says it
    # a live match goes on top, once; a live non-match is not listed
    live = [
        TimelineEvent(
            id="live-r", customer_id="c-1", at=utcnow(), channel="chat", kind="contact", summary="Refund"
        ),
        TimelineEvent(
            id="live-x", customer_id="c-1", at=utcnow(), channel="chat", kind="contact", summary="Other"
        ),
    ]
    model.add(live)
    model.flush()
    assert model.entries()[0].id == "live-r" and "live-x" not in model.by_id()
    qtmodeltester.check(model)
    # clearing the search keeps the order chosen for the next one, and the history in time order
    panel.clear_filter()
    assert panel.rank_button.isChecked() and not model.where.by_relevance
    _check_rows(model)
