"""The transcript's view: a new line measures that line only, heights are kept per row and width, a
burst is laid out once, the view follows the newest line only from the bottom, and lines wrap anew
after a resize."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from workstation.domain.models import Message, TranscriptEntry, utcnow
from workstation.ui.transcript_model import TranscriptModel
from workstation.ui.transcript_view import TranscriptView

T0 = utcnow()


def _entry(n: int, *, words: int | None = None, delivery: str = "sent") -> TranscriptEntry:
    return TranscriptEntry(
        message=Message(
            id=f"m-{n}",
            conversation_id="c",
            sender="customer" if n % 2 else "agent",
            author="Kim",
            text=f"line {n} " + "a longer sentence that wraps " * (n % 4 if words is None else words),
            at=T0 + timedelta(seconds=n),
        ),
        delivery=delivery,  # type: ignore[arg-type]
    )


def _shown(qtbot: QtBot, lines: int, width: int = 500) -> tuple[TranscriptView, TranscriptModel]:
    model = TranscriptModel()
    model.reset([_entry(n) for n in range(lines)])
    view = TranscriptView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(width, 400)
    view.show()
    qtbot.waitExposed(view)
    _laid_out(qtbot, view)
    return view, model


def _laid_out(qtbot: QtBot, view: TranscriptView) -> None:
    qtbot.waitUntil(lambda: view.pending_rows() == 0 and not view._timer.isActive())


def _standard_height(view: TranscriptView, row: int) -> int:
    """What the standard delegate says the line needs at the view's line width, plus the gap."""
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = QRect(0, 0, view.columnWidth(0) - 2 * view.GAP, 100)
    index = view.model().index(row, 0)
    return QStyledItemDelegate.sizeHint(view.transcript_delegate, option, index).height() + view.GAP


def test_every_row_gets_its_wrapped_height_and_the_view_opens_at_the_newest_line(qtbot: QtBot) -> None:
    view, _model = _shown(qtbot, 200)
    assert view.measured == 200
    for row in (0, 3, 199):
        assert view.row_height(row) == view.rowHeight(row) == _standard_height(view, row)
    # Long lines wrap: more than one line of text high.
    assert view.rowHeight(3) >= view.rowHeight(0) + view.fontMetrics().height()
    assert view.verticalScrollBar().maximum() > 0
    assert view.at_bottom()
    assert view.rowAt(view.viewport().height() - 1) == 199


def test_appending_measures_only_the_new_rows_and_keeps_the_others_cached(qtbot: QtBot) -> None:
    view, model = _shown(qtbot, 300)
    before = view.measured
    heights = [view.row_height(row) for row in range(300)]
    for n in range(300, 305):
        model.upsert([_entry(n)])
        _laid_out(qtbot, view)
    assert view.measured - before == 5
    assert [view.row_height(row) for row in range(300)] == heights
    for row in range(300, 305):
        assert view.rowHeight(row) == _standard_height(view, row)
    view.update_layout()  # nothing new: nothing measured
    assert view.measured - before == 5


def test_a_changed_line_alone_is_measured_again(qtbot: QtBot) -> None:
    view, model = _shown(qtbot, 20)
    model.upsert([_entry(20, words=0, delivery="pending")])
    _laid_out(qtbot, view)
    short = view.rowHeight(20)
    before = view.measured
    model.upsert([TranscriptEntry(message=_entry(20).message, delivery="failed", error="zu lang " * 60)])
    _laid_out(qtbot, view)
    assert view.measured - before == 1
    assert view.rowHeight(20) == _standard_height(view, 20) > short


def test_a_burst_of_lines_is_laid_out_once(qtbot: QtBot) -> None:
    view, model = _shown(qtbot, 50)
    layouts, before = view.layouts, view.measured
    for n in range(50, 90):  # forty messages handed over in one turn of the event loop
        model.upsert([_entry(n)])
    assert view.pending_rows() == 40
    assert view.rowHeight(89) == 0  # waiting for its height, not shown mis-sized
    _laid_out(qtbot, view)
    assert view.layouts - layouts == 1
    assert view.measured - before == 40
    assert view.at_bottom()


def test_the_view_follows_new_lines_only_when_the_agent_was_at_the_bottom(qtbot: QtBot) -> None:
    view, model = _shown(qtbot, 100)
    bar = view.verticalScrollBar()
    model.upsert([_entry(100, words=3)])
    _laid_out(qtbot, view)
    assert bar.value() == bar.maximum() and view.rowAt(view.viewport().height() - 1) == 100
    # The agent scrolls up to read: new lines do not pull the view down.
    bar.setValue(bar.maximum() // 3)
    reading = bar.value()
    first = view.rowAt(0)
    for n in range(101, 110):
        model.upsert([_entry(n, words=3)])
        _laid_out(qtbot, view)
    assert bar.value() == reading and view.rowAt(0) == first
    assert bar.maximum() > reading
    # Back at the bottom, it follows again.
    view.scrollToBottom()
    model.upsert([_entry(110)])
    _laid_out(qtbot, view)
    assert view.at_bottom() and view.rowAt(view.viewport().height() - 1) == 110


def test_lines_wrap_anew_after_a_resize_and_back(qtbot: QtBot) -> None:
    view, _model = _shown(qtbot, 60, width=600)
    wide = [view.rowHeight(row) for row in range(60)]
    view.resize(260, 400)
    qtbot.waitUntil(lambda: view.row_height(3) is not None and view.row_height(3) != wide[3])
    _laid_out(qtbot, view)
    for row in range(60):
        assert view.rowHeight(row) == view.row_height(row) == _standard_height(view, row)
    assert view.rowHeight(3) > wide[3]  # a long line needs more lines when narrow
    assert view.at_bottom()
    view.resize(600, 400)
    qtbot.waitUntil(lambda: view.row_height(3) == wide[3])
    _laid_out(qtbot, view)
    assert [view.rowHeight(row) for row in range(60)] == wide


def test_a_hidden_transcript_measures_nothing_until_shown_then_opens_at_its_end(qtbot: QtBot) -> None:
    view, model = _shown(qtbot, 50)
    view.hide()
    before = view.measured
    for n in range(50, 70):
        model.upsert([_entry(n)])
        qtbot.wait(5)
    qtbot.wait(50)
    assert view.measured == before
    assert model.rowCount() == 70
    view.show()
    qtbot.waitExposed(view)
    assert view.measured - before == 20  # measured before its first paint
    _laid_out(qtbot, view)
    assert view.at_bottom() and view.rowAt(view.viewport().height() - 1) == 69


def test_rows_trimmed_at_the_front_keep_the_others_heights(qtbot: QtBot) -> None:
    view, model = _shown(qtbot, 30)
    model.MAX_ROWS = 30
    heights = [view.row_height(row) for row in range(30)]
    before = view.measured
    model.upsert([_entry(30), _entry(31)])
    _laid_out(qtbot, view)
    assert model.rowCount() == 30
    assert view.measured - before == 2
    assert [view.row_height(row) for row in range(28)] == heights[2:]


def test_keys_select_and_copy_lines_and_tab_leaves(qtbot: QtBot) -> None:
    view, model = _shown(qtbot, 10)
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Home)
    assert view.currentIndex().row() == 0
    QTest.keyClick(view, Qt.Key.Key_Down)
    assert view.currentIndex().row() == 1
    assert view.selectionModel().selectedRows() == [model.index(1, 0)]
    QTest.keyClick(view, Qt.Key.Key_End)
    assert view.currentIndex().row() == 9
    QTest.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    clipboard = QGuiApplication.clipboard()
    assert clipboard.text() == model.data(model.index(9, 0), Qt.ItemDataRole.DisplayRole)
    assert "line 9" in clipboard.text()
    assert not view.tabKeyNavigation()  # Tab moves the focus on, not the current line


def test_untrusted_text_is_shown_as_plain_text(qtbot: QtBot) -> None:
    view, model = _shown(qtbot, 0)
    hostile = TranscriptEntry(
        message=Message(
            id="m-x", conversation_id="c", sender="customer", author="<b>Eve</b>", text="<img src=x>", at=T0
        )
    )
    model.upsert([hostile])
    _laid_out(qtbot, view)
    text = model.data(model.index(0, 0), Qt.ItemDataRole.DisplayRole)
    assert "<b>Eve</b>" in text and "<img src=x>" in text
    # Measured as the text it is (the delegate draws plain text; markup would have changed the size).
    assert view.rowHeight(0) == _standard_height(view, 0)


def test_a_resize_of_a_long_transcript_is_measured_in_batches_shown_rows_first(qtbot: QtBot) -> None:
    lines = TranscriptView.BATCH_ROWS * 3
    view, _model = _shown(qtbot, lines, width=600)
    assert view.layouts >= 3  # opening it was spread over turns too
    layouts, before = view.layouts, view.measured
    view.resize(300, 400)
    view.update_layout()  # the first turn after the resize
    assert view.measured - before == TranscriptView.BATCH_ROWS
    shown = range(view.rowAt(0), view.rowAt(view.viewport().height() - 1) + 1)
    assert lines - 1 in shown  # at the bottom, it stays there
    for row in shown:
        assert view.row_height(row) == _standard_height(view, row)
    assert view.pending_rows() == lines - TranscriptView.BATCH_ROWS
    _laid_out(qtbot, view)
    assert view.measured - before == lines
    assert view.layouts - layouts == 3
    assert all(view.rowHeight(row) == _standard_height(view, row) for row in range(0, lines, 37))
    assert view.at_bottom()


def test_a_resize_keeps_the_line_the_agent_reads_in_place(qtbot: QtBot) -> None:
    view, _model = _shown(qtbot, TranscriptView.BATCH_ROWS * 2, width=600)
    bar = view.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    top = view.rowAt(0)
    offset = view.rowViewportPosition(top)
    view.resize(300, 400)
    _laid_out(qtbot, view)
    assert view.rowAt(0) == top
    assert view.rowViewportPosition(top) == offset
    assert not view.at_bottom()
