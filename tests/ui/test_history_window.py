"""The history model holds only the pages around what the view shows (issue 21, memory): however
far the agent scrolls, it holds a few pages' rows, keeps every row's place (the scroll bar counts
everything listed) and reads a dropped page again from the cache exactly as it was listed, with live
events, day headers, filters, selection and keyboard navigation as before."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from tests.ui.test_history import CacheSource, _check_rows, _many
from workstation.domain.models import TimelineEvent
from workstation.domain.timeline import TimelineEntry, TimelineFilter
from workstation.store.cache import CacheStore, open_engine
from workstation.ui.history_panel import HistoryPanel
from workstation.ui.timeline_model import TimelineModel, day_label

pytestmark = pytest.mark.gui

ROLES = (
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    TimelineModel.EntryRole,
    TimelineModel.HeaderRole,
    TimelineModel.OpenRole,
)


class SmallPages(TimelineModel):
    """Pages of 20 rows: a hundred pages without a hundred thousand events."""

    PAGE = 20


class Uncapped(SmallPages):
    """The same pages, every one held: what the capped model must show row for row."""

    HOLD = 10**9


#: The newest event of these histories (`_many`: one event every 37 minutes, back from it), fixed in
#: the machine's own time zone: which rows are day headers, and so which row follows which, must not
#: depend on when the test runs. The 1,235th event (index 1234) is at 00:12 local time, the next one
#: at 23:35 the day before: a day header between the two, whatever the time zone.
NEWEST = datetime(2026, 7, 15, 0, 12).astimezone() + timedelta(minutes=37 * 1234)


def _store(n: int) -> CacheStore:
    store = CacheStore(open_engine(":memory:"))
    store.apply(events=_many(n, NEWEST))
    return store


def _rows(model: TimelineModel) -> list[tuple[Any, ...]]:
    return [tuple(model.index(r).data(role) for role in ROLES) for r in range(model.rowCount())]


def _scroll_to_end(model: TimelineModel, shown: int = 12) -> list[int]:
    """Fetch every page as a view at the bottom would; returns the rows held after each page."""
    held = []
    while model.canFetchMore():
        model.fetch_page()
        model.set_focus(model.rowCount() - shown, model.rowCount() - 1)
        held.append(model.held_rows())
    return held


def test_after_scrolling_100_pages_the_model_holds_a_few_and_rereads_the_rest_identically(
    qtbot: QtBot, qtmodeltester: Any
) -> None:
    store = _store(2000)
    model, reference = SmallPages(), Uncapped()
    for m in (model, reference):
        m.set_source(CacheSource(store), "c-1")
        m.reload()
    held = _scroll_to_end(model)
    _scroll_to_end(reference)
    assert len(held) >= 99 and model.complete()
    # the pages around the viewport and the first page, never more (a page is ≤ 2 × PAGE rows)
    bound = (2 * model.HOLD + 2 + 1) * 2 * model.PAGE
    assert max(held) <= bound
    assert model.rowCount() == reference.rowCount() > 2000  # every listed row keeps its place
    assert model.held_rows() < model.rowCount() // 10
    assert model.entry_count() == 2000
    # Scrolling back up, page by page: every row reads as it was listed.
    expected = _rows(reference)
    for top in range(model.rowCount() - 1, -1, -15):
        model.set_focus(max(0, top - 12), top)
        for r in range(max(0, top - 12), top + 1):
            assert tuple(model.index(r).data(role) for role in ROLES) == expected[r], r
        assert model.held_rows() <= bound
    assert _rows(model) == expected  # every row read, as a screen reader walking the list would
    qtbot.waitUntil(lambda: model.held_rows() <= bound)  # the window is kept again on the next turn
    assert [e.id for e in model.entries()] == [e.id for e in reference.entries()]
    _check_rows(model)
    qtmodeltester.check(model)


def test_live_events_land_in_dropped_pages_exactly_once(qtbot: QtBot) -> None:
    store = _store(1500)
    model, reference = SmallPages(), Uncapped()
    for m in (model, reference):
        m.set_source(CacheSource(store), "c-1")
        m.reload()
    _scroll_to_end(model)
    _scroll_to_end(reference)
    model.set_focus(0, 10)  # back at the top: the deep pages are dropped
    listed = reference.entries()
    now = NEWEST
    arrived = [
        TimelineEvent(
            id="top", customer_id="c-1", at=now + timedelta(minutes=5), channel="chat", kind="contact"
        ),
        *(
            TimelineEvent(  # between two listed events deep in the history, in a dropped page
                id=f"deep-{i}",
                customer_id="c-1",
                at=listed[i].at - timedelta(seconds=1),
                channel="web",
                kind="page_view",
                summary=f"deep {i}",
            )
            for i in (300, 301, 900, 1499)
        ),
    ]
    store.apply(events=arrived)  # the cache has them before the model does (as in the desktop)
    assert model.held_rows() < model.rowCount() // 5
    row = reference.row_of(listed[700].id)
    assert row is not None
    # a dropped page read again, as it was listed
    assert model.index(row).data(TimelineModel.EntryRole) == listed[700]
    for m in (model, reference):
        m.add(arrived)
        m.flush()
    assert _rows(model) == _rows(reference)
    ids = [e.id for e in model.entries()]
    assert len(ids) == len(set(ids)) == 1505 == model.entry_count()
    _check_rows(model)


def test_an_event_the_model_never_saw_in_a_dropped_page_reloads_the_model(qtbot: QtBot) -> None:
    store = _store(600)
    model, reference = SmallPages(), Uncapped()
    for m in (model, reference):
        m.set_source(CacheSource(store), "c-1")
        m.reload()
        _scroll_to_end(m)
    model.set_focus(0, 10)
    deep = model.entries()[400]
    row = reference.row_of(deep.id)
    assert row is not None
    # Written to the cache past the model (no add): the dropped page no longer reads as listed.
    store.apply(
        events=[
            TimelineEvent(
                id="sneaked", customer_id="c-1", at=deep.at - timedelta(seconds=1), channel="web", kind="x"
            )
        ]
    )
    with qtbot.waitSignal(model.modelReset, timeout=2000):
        assert model.index(row).data(TimelineModel.EntryRole) is None  # not shown as something else
    # read again from the top: nothing listed twice, the new event comes with its page
    _scroll_to_end(model)
    ids = [e.id for e in model.entries()]
    assert len(ids) == len(set(ids)) == 601 and "sneaked" in ids


def test_filtered_and_ranked_lists(qtbot: QtBot) -> None:
    store = _store(3000)
    where = TimelineFilter(channels=frozenset({"chat", "web"}))
    model, reference = SmallPages(), Uncapped()
    for m in (model, reference):
        m.set_source(CacheSource(store), "c-1")
        m.reload(where)
    _scroll_to_end(model)
    _scroll_to_end(reference)
    assert model.held_rows() < model.rowCount() // 10
    assert _rows(model) == _rows(reference)
    # Best matches first is not capped: a ranked page cannot be read again by its cursor alone once
    # a live match went on top.
    model.reload(TimelineFilter(text="Event", ranked=True))
    for _ in range(10):
        model.fetch_page()
        model.set_focus(model.rowCount() - 5, model.rowCount() - 1)
    assert model.held_rows() == model.rowCount() == 11 * model.PAGE


def test_panel_selection_and_keys_across_dropped_pages(qtbot: QtBot) -> None:
    store = _store(3000)
    panel = HistoryPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 400)
    panel.show()
    panel.bind(CacheSource(store), "c-1")
    bar = panel.view.verticalScrollBar()
    while panel.model.canFetchMore():  # the agent drags the scroll bar to the end, page after page
        panel.model.fetch_page()
        qtbot.wait(1)
        bar.setValue(bar.maximum())
    assert panel.model.complete() and panel.model.entry_count() == 3000
    assert panel.model.held_rows() <= (2 * TimelineModel.HOLD + 3) * 2 * TimelineModel.PAGE
    listed = store.timeline_page("c-1", limit=3000)
    # The story link / search result way: an event in a page dropped long ago is selected and shown.
    target = listed[1234]
    assert panel.select(target.id)
    assert panel.selected_entry() == target
    assert panel.model.entry(target.id) == target
    assert panel.model.by_id()[target.id] == target
    # Keyboard: Down goes to the next row, the next day's header, then its first event (whose
    # page may be dropped: the view reads it from the model like any other); Ctrl+End to the last.
    panel.view.setFocus()
    current = panel.view.currentIndex().row()
    QTest.keyClick(panel.view, Qt.Key.Key_Down)
    header = panel.view.currentIndex()
    assert header.row() == current + 1 and header.data(TimelineModel.HeaderRole)
    assert header.data() == day_label(listed[1235].at.astimezone().date())
    QTest.keyClick(panel.view, Qt.Key.Key_Down)
    moved = panel.view.currentIndex()
    assert moved.row() == current + 2
    nxt = moved.data(TimelineModel.EntryRole)
    assert isinstance(nxt, TimelineEntry) and nxt.id == listed[1235].id
    bar.setValue(0)  # back to the top: the pages around the selection are dropped
    qtbot.wait(1)
    QTest.keyClick(panel.view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    assert panel.selected_entry() == listed[-1]
    QTest.keyClick(panel.view, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    assert panel.view.currentIndex().row() == 0
    assert panel.model.index(0).data(TimelineModel.HeaderRole)
    assert panel.model.held_rows() <= (2 * TimelineModel.HOLD + 3) * 2 * TimelineModel.PAGE
    assert panel.model.flags(QModelIndex()) == Qt.ItemFlag.NoItemFlags


def test_the_row_delegate_fills_an_event_row_as_qt_would(qtbot: QtBot) -> None:
    """The delegate reads an event row in one call and fills its style option itself (a fast
    scroll's paint cost): the option must be the one Qt's initStyleOption makes from the roles."""
    store = _store(60)
    store.apply(
        events=[
            TimelineEvent(
                id="two-lines",
                customer_id="c-1",
                at=NEWEST + timedelta(minutes=1),
                channel="email",
                kind="contact",
                summary="first line\nsecond line",
            )
        ]
    )
    panel = HistoryPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 400)
    panel.show()
    panel.bind(CacheSource(store), "c-1")
    model, view = panel.model, panel.view
    delegate = view.itemDelegate()
    events = [r for r in range(model.rowCount()) if not model.index(r).data(TimelineModel.HeaderRole)]
    story_row = next(r for r in events if model.index(r).data(TimelineModel.EntryRole).story)
    view.setCurrentIndex(model.index(story_row))  # its story tinted, the row selected
    assert model.index(story_row).data(Qt.ItemDataRole.BackgroundRole) is not None
    checked = 0
    for r in events[:40]:
        index = model.index(r)
        option = QStyleOptionViewItem()
        view.initViewItemOption(option)
        option.rect = view.visualRect(index)
        if view.selectionModel().isSelected(index):
            option.state |= QStyle.StateFlag.State_Selected
        expected = QStyleOptionViewItem(option)
        delegate.initStyleOption(expected, index)
        painted = model.painted(r)
        assert painted is not None
        ours = delegate.event_option(option, index, painted)
        assert ours.text == expected.text
        assert ours.icon.cacheKey() == expected.icon.cacheKey()
        assert ours.features == expected.features
        assert ours.decorationSize == expected.decorationSize
        assert ours.backgroundBrush == expected.backgroundBrush
        assert (ours.font, ours.displayAlignment, ours.palette) == (
            expected.font,
            expected.displayAlignment,
            expected.palette,
        )
        assert ours.index == expected.index
        checked += 1
    assert checked == 40
    assert model.painted(events[0]) is not None and "\u2028" in model.painted(events[0])[0]  # type: ignore[index]
    header = next(r for r in range(model.rowCount()) if model.index(r).data(TimelineModel.HeaderRole))
    assert model.painted(header) is None  # painted by Qt's delegate
