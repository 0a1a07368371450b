"""The transcript's delegate: a shown transcript computes the size of a line once, not at every
relayout (each new message relaid out every line of the chat)."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListView, QStyledItemDelegate, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from workstation.domain.models import Message, TranscriptEntry, utcnow
from workstation.ui.transcript_delegate import TranscriptDelegate
from workstation.ui.transcript_model import TranscriptModel

T0 = utcnow()


def _entry(n: int) -> TranscriptEntry:
    return TranscriptEntry(
        message=Message(
            id=f"m-{n}",
            conversation_id="c",
            sender="customer" if n % 2 else "agent",
            author="Kim",
            text=f"line {n} " + "a longer sentence that wraps " * (n % 4),
            at=T0 + timedelta(seconds=n),
        )
    )


def _shown_transcript(qtbot: QtBot, lines: int) -> tuple[QListView, TranscriptModel, TranscriptDelegate]:
    model = TranscriptModel()
    model.reset([_entry(n) for n in range(lines)])
    view = QListView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setWordWrap(True)
    view.setUniformItemSizes(False)
    view.setLayoutMode(QListView.LayoutMode.Batched)
    view.setBatchSize(100)
    delegate = TranscriptDelegate(view)
    view.setItemDelegate(delegate)
    view.resize(500, 400)
    view.show()
    qtbot.waitExposed(view)
    view.scrollToBottom()
    qtbot.waitUntil(lambda: view.indexAt(view.viewport().rect().center()).isValid())
    _settle(qtbot, delegate)
    return view, model, delegate


def _settle(qtbot: QtBot, delegate: TranscriptDelegate) -> None:
    """Wait until the view's batched layout (100 rows a turn) has finished measuring."""
    last = -1
    while delegate.computed != last:
        last = delegate.computed
        qtbot.wait(50)


def test_a_new_line_computes_its_own_size_not_every_line_again(qtbot: QtBot) -> None:
    view, model, delegate = _shown_transcript(qtbot, 300)
    assert delegate.computed >= 300  # the first layout measured each line
    before = delegate.computed
    for n in range(300, 305):
        model.upsert([_entry(n)])
        view.scrollToBottom()
        qtbot.wait(20)  # the view's posted layout runs
    _settle(qtbot, delegate)
    # The five new lines, perhaps at another width or two (a scroll bar appearing, the wrap width
    # settling); never the 300 old ones again.
    assert 5 <= delegate.computed - before <= 20
    last = model.index(model.rowCount() - 1)
    assert view.visualRect(last).isValid()


def test_a_changed_line_is_measured_again_and_sizes_match_the_standard_delegate(qtbot: QtBot) -> None:
    view, model, delegate = _shown_transcript(qtbot, 20)
    pending = TranscriptEntry(message=_entry(20).message, delivery="pending")
    model.upsert([pending])
    qtbot.wait(20)
    before = delegate.computed
    model.upsert([TranscriptEntry(message=_entry(20).message, delivery="failed", error="zu lang " * 40)])
    view.scrollToBottom()
    qtbot.wait(20)
    assert delegate.computed > before  # its text changed: its size is computed anew
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    for wrap, width, height in ((True, view.viewport().width(), 40), (False, 300, 40), (True, 300, -1)):
        option.rect.setWidth(width)
        option.rect.setHeight(height)  # -1: an invalid rect, which the style does not wrap
        option.features = (
            QStyleOptionViewItem.ViewItemFeature.WrapText
            if wrap
            else QStyleOptionViewItem.ViewItemFeature.None_
        )
        for row in (0, model.rowCount() - 1):
            index = model.index(row)
            assert delegate.sizeHint(option, index) == QStyledItemDelegate.sizeHint(delegate, option, index)
    assert model.data(model.index(20), Qt.ItemDataRole.DisplayRole).count("zu lang") == 40


def test_a_hidden_transcript_measures_nothing_until_shown(qtbot: QtBot) -> None:
    """A background tab's transcript takes its messages without laying them out; it does once shown."""
    view, model, delegate = _shown_transcript(qtbot, 50)
    view.hide()
    before = delegate.computed
    for n in range(50, 70):
        model.upsert([_entry(n)])
        qtbot.wait(5)
    qtbot.wait(50)
    assert delegate.computed == before
    assert model.rowCount() == 70
    view.show()
    qtbot.waitExposed(view)
    view.scrollToBottom()
    qtbot.waitUntil(lambda: delegate.computed >= before + 20)
