"""The bounded history model at its edges (issue 23, nothing lost): an event listed in a page that
was dropped since is never listed twice, not when it is sent again nor when a later page would
bring it; older events from the backend that fall among the listed ones go in their place; a cache
pruned under the model reads the model again instead of showing blank rows or a list with pages
missing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from tests.ui.test_history import CacheSource, _check_rows, _many
from tests.ui.test_history_window import NEWEST, SmallPages, _scroll_to_end, _store
from workstation.store.cache import CacheStore, open_engine
from workstation.ui.history_panel import HistoryPanel
from workstation.ui.timeline_model import TimelineModel

pytestmark = pytest.mark.gui


def _scrolled(store: CacheStore) -> SmallPages:
    """A model scrolled to the end of the cached history and back to the top: the deep pages dropped."""
    model = SmallPages()
    model.set_source(CacheSource(store), "c-1")
    model.reload()
    _scroll_to_end(model)
    model.set_focus(0, 10)
    assert model.held_rows() < model.rowCount() // 5
    return model


def _listed_ids(model: TimelineModel) -> list[str]:
    return [e.id for e in model.entries()]


def test_an_event_sent_again_is_not_listed_twice_when_its_page_was_dropped(
    qtbot: QtBot, qtmodeltester: Any
) -> None:
    store = _store(1500)
    model = _scrolled(store)
    qtmodeltester.check(model)
    listed = _listed_ids(model)
    # The push stream replays events after a reconnect: some listed deep down, in dropped pages,
    # one on top (held), one new.
    again = [store.timeline_event(listed[i]) for i in (0, 700, 701, 1400)]
    assert all(e is not None for e in again)
    new = again[0].model_copy(update={"id": "new", "at": again[0].at + timedelta(minutes=1)})  # type: ignore[union-attr]
    store.apply(events=[new])
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.add([*again, new])  # type: ignore[list-item]
    model.flush()
    qtbot.wait(20)  # a reload would be queued for the next turn
    assert not resets  # the agent's place kept: the new event inserted, the others known as listed
    ids = _listed_ids(model)
    assert len(ids) == len(set(ids)) == 1501 == model.entry_count()
    assert ids == ["new", *listed]
    _check_rows(model)


def test_an_event_moved_in_the_cache_is_not_listed_again_by_a_later_page(
    qtbot: QtBot, qtmodeltester: Any
) -> None:
    store = _store(600)
    model = SmallPages()
    model.set_source(CacheSource(store), "c-1")
    qtmodeltester.check(model)
    model.reload()
    for _ in range(10):  # ten pages down: the first ones but the newest are dropped
        model.fetch_page()
        model.set_focus(model.rowCount() - 12, model.rowCount() - 1)
    dropped = next(p for p in model._w.pages if not p.held)
    assert dropped.last is not None
    event = store.timeline_event(dropped.last[0])
    assert event is not None
    # Its time corrected upstream: now older than anything listed, where a later page would list it.
    store.apply(events=[event.model_copy(update={"at": event.at - timedelta(days=400)})])
    listed = model.entry_count()
    while model.canFetchMore():
        model.fetch_page()
        model.set_focus(model.rowCount() - 12, model.rowCount() - 1)
        assert model.entry_count() <= 600  # never the moved event a second time
    assert model.entry_count() == 600 and listed < 600
    # Scrolled back to its old page, which no longer reads as listed: the model reads everything
    # again, the moved event once, at its new place.
    with qtbot.waitSignal(model.modelReset, timeout=2000):
        model.set_focus(dropped.start, dropped.start + 5)
    _scroll_to_end(model)
    ids = _listed_ids(model)
    assert len(ids) == len(set(ids)) == 600 and ids[-1] == event.id
    _check_rows(model)


def test_a_cache_pruned_under_the_model_reloads_it_before_a_blank_row_is_shown(
    qtbot: QtBot, qtmodeltester: Any
) -> None:
    store = _store(1000)
    model = _scrolled(store)
    qtmodeltester.check(model)
    deep = model.rowCount() // 2
    assert not model._w.pages[model._w.page_index(deep)].held
    assert store.prune_to(0) > 0  # the cache over its limit, this customer's history the oldest used
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.set_focus(deep, deep + 10)  # the agent scrolls down (the panel calls this before painting)
    assert resets  # read again at once, not after a frame of blank rows
    # Whatever the view asks for now is a row the cache has: no blank rows, no page missing.
    rows = [model.index(r).data(TimelineModel.EntryRole) for r in range(model.rowCount())]
    headers = [model.index(r).data(TimelineModel.HeaderRole) for r in range(model.rowCount())]
    assert all(row is not None or header for row, header in zip(rows, headers, strict=True))
    assert len(model.entries()) == model.entry_count() == store.timeline_count("c-1")


def test_the_list_of_a_pruned_cache_is_never_returned_with_pages_missing(qtbot: QtBot) -> None:
    store = _store(1000)
    model = _scrolled(store)
    assert store.prune_to(0) > 0
    # Asked for every event (the relevance cards' lookups, an export): not the held pages alone.
    assert len(model.entries()) == model.entry_count() == 0
    _check_rows(model)


def test_a_cache_pruned_under_a_partly_listed_model_reloads_it_at_the_next_page(qtbot: QtBot) -> None:
    store = _store(600)
    model = SmallPages()
    model.set_source(CacheSource(store), "c-1")
    model.reload()
    model.fetch_page()
    assert model.entry_count() > 0 and model.canFetchMore()
    assert store.prune_to(0) > 0
    with qtbot.waitSignal(model.modelReset, timeout=2000):
        model.fetch_page()  # the next page is not there: nor is what is listed
    assert model.rowCount() == model.entry_count() == 0


def test_older_events_from_the_backend_among_the_listed_ones_go_in_their_place(
    qtbot: QtBot, qtmodeltester: Any
) -> None:
    """The cache held events older than where the backend's pages had got to (pushed ones): the
    model listed them, then an older page from the backend brings the events around them."""
    everything = _many(300, NEWEST)
    store = CacheStore(open_engine(":memory:"))
    # Cached: the newest 200, and every 10th of the next 60 (pushed); the backend's older page is
    # those 60 (6 of them cached already: the page's count includes them) and the 40 below them.
    store.apply(events=everything[:200] + everything[200:260:10])
    panel = HistoryPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 400)
    panel.show()
    panel.model.PAGE = 20  # ten pages and more of a short history (the model checker's cost grows with rows)
    panel.bind(CacheSource(store, complete=False), "c-1")
    qtmodeltester.check(panel.model)
    bar = panel.view.verticalScrollBar()
    with qtbot.waitSignal(panel.older_requested, timeout=5000):
        while panel.model.canFetchMore():  # the agent scrolls to the end of what is cached
            panel.model.fetch_page()
            qtbot.wait(1)
            bar.setValue(bar.maximum())
    assert panel.model.entry_count() == 206
    assert panel.model.held_rows() < panel.model.rowCount()  # the first pages dropped meanwhile
    store.apply(events=everything[200:300])
    panel.older_loaded(100)
    while panel.model.canFetchMore():
        panel.model.fetch_page()
    ids = [e.id for e in panel.model.entries()]
    assert ids == [e.id for e in everything]  # each once, each in its place
    _check_rows(panel.model)
