"""The transcript's view: word-wrapped lines whose heights are measured once per line and width."""

from __future__ import annotations

import heapq
from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractItemModel,
    QElapsedTimer,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    Qt,
    QTimer,
    SignalInstance,
)
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyleOptionViewItem, QTableView, QWidget

from workstation.ui.transcript_delegate import TranscriptDelegate

_Index = QModelIndex | QPersistentModelIndex


class TranscriptView(QTableView):
    """One column of word-wrapped transcript lines; each row's height is ours, kept per row and width.

    A table, not a QListView (as the history's `_TimelineView`): a word-wrapped QListView lays out
    every row again after each inserted or changed line, asking the Python delegate and model for
    each row's size: ~29 ms of GUI-thread CPU per new message at 1,000 lines, ~52 ms at 3,000
    (tests/benchmarks/bench_transcript.py). Here a row's height is a vertical-header section (kept
    in C++), measured by the delegate when the row is new or its data changed, and for every row only
    when the width changes. Rows wait for their height at height 0 (invisible, not mis-sized), and
    the rows arriving in a burst are measured together, at most once per `LAYOUT_INTERVAL_MS`.

    The view follows the newest line only when the agent was at the bottom; a hidden view (a tab in
    the background) measures nothing until it is shown."""

    #: Least time between two layout updates (one frame at 60 Hz): a burst of lines, one update.
    LAYOUT_INTERVAL_MS = 16
    #: Room around each line (pixels), as the list's spacing gave.
    GAP = 3
    #: Most rows measured in one turn (50–100 µs each, the first time a line's text is formatted):
    #: a resize of a long transcript is spread over turns of ≤ ~10 ms instead of one stall of
    #: ~150 ms at 3,000 lines.
    BATCH_ROWS = 100
    #: The agent is "at the bottom" when the scroll bar is within this many pixels of its end.
    BOTTOM_SLACK = 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setShowGrid(False)
        self.setWordWrap(True)
        self.setCornerButtonEnabled(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Tab leaves the transcript (to the reply box), as it did from the list.
        self.setTabKeyNavigation(False)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Always there: a scroll bar that appears once the lines fill the view would change the width
        # and have every line measured a second time.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        columns = self.horizontalHeader()
        columns.hide()
        columns.setStretchLastSection(True)
        columns.sectionResized.connect(self._on_columns_section_resized)
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setMinimumSectionSize(0)
        rows.setDefaultSectionSize(0)
        self.transcript_delegate = TranscriptDelegate(self, gap=self.GAP)
        self.setItemDelegate(self.transcript_delegate)

        #: Each row's measured height at `_width` (None: to measure), the cache the class names.
        self._heights: list[int | None] = []
        self._width = -1
        self._dirty: set[int] = set()
        #: Scroll to the newest line after the next layout (a reset, or the agent was at the bottom).
        self._follow = True
        #: (row, its offset from the top) to keep in place while the rows are measured after a resize.
        self._anchor: tuple[int, int] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.update_layout)
        self._since_layout = QElapsedTimer()
        #: Rows measured and layout updates done: for tests that check appending stays cheap.
        self.measured = 0
        self.layouts = 0

    # --- the model's changes ------------------------------------------------------------------------

    def setModel(self, model: QAbstractItemModel | None) -> None:
        old = self.model()
        if old is not None:
            for signal, slot in self._model_slots(old):
                signal.disconnect(slot)
        super().setModel(model)
        if model is not None:
            for signal, slot in self._model_slots(model):
                signal.connect(slot)
        self._on_model_reset()

    def _model_slots(self, model: QAbstractItemModel) -> list[tuple[SignalInstance, Callable[..., None]]]:
        return [
            (model.rowsAboutToBeInserted, self._on_model_rows_about_to_be_inserted),
            (model.rowsInserted, self._on_model_rows_inserted),
            (model.rowsRemoved, self._on_model_rows_removed),
            (model.modelReset, self._on_model_reset),
            (model.layoutChanged, self._on_model_reset),
            (model.dataChanged, self._on_model_data_changed),
        ]

    def _on_model_rows_about_to_be_inserted(self, parent: _Index, _first: int, _last: int) -> None:
        if not parent.isValid() and self.at_bottom():
            self._follow = True

    def _on_model_rows_inserted(self, parent: _Index, first: int, last: int) -> None:
        if parent.isValid():
            return
        count = last - first + 1
        self._heights[first:first] = [None] * count
        # Rows after the insertion point move down; appending (the usual case) moves none.
        self._dirty = {row + count if row >= first else row for row in self._dirty}
        self._dirty.update(range(first, last + 1))
        if self._anchor is not None and self._anchor[0] >= first:
            self._anchor = (self._anchor[0] + count, self._anchor[1])
        self._schedule()

    def _on_model_rows_removed(self, parent: _Index, first: int, last: int) -> None:
        if parent.isValid():
            return
        count = last - first + 1
        del self._heights[first : last + 1]
        self._dirty = {row - count if row > last else row for row in self._dirty if not first <= row <= last}
        if self._anchor is not None:
            row, offset = self._anchor
            self._anchor = None if first <= row <= last else (row - count if row > last else row, offset)

    def _on_model_reset(self) -> None:
        model = self.model()
        rows = model.rowCount() if model is not None else 0
        self._heights = [None] * rows
        self._dirty = set(range(rows))
        self._follow = True  # a transcript opens at its newest line
        self._anchor = None
        self._schedule()

    def _on_model_data_changed(self, top: _Index, bottom: _Index, _roles: list[int] = []) -> None:  # noqa: B006
        if top.parent().isValid():
            return
        for row in range(top.row(), bottom.row() + 1):
            self._heights[row] = None
            self._dirty.add(row)
        self._schedule()

    def _on_columns_section_resized(self, _column: int, _old: int, new: int) -> None:
        # The header reports the new width before columnWidth() does: compare with the signal's.
        if max(1, new - 2 * self.GAP) != self._width:
            self._schedule()

    # --- layout -----------------------------------------------------------------------------------

    def _schedule(self) -> None:
        """Lay out soon: at once after a quiet frame, else when the frame since the last is over."""
        if self._timer.isActive():
            return
        since = self._since_layout.elapsed() if self._since_layout.isValid() else self.LAYOUT_INTERVAL_MS
        self._timer.start(max(0, self.LAYOUT_INTERVAL_MS - since))

    def _line_width(self) -> int:
        return max(1, self.columnWidth(0) - 2 * self.GAP)

    def at_bottom(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - self.BOTTOM_SLACK

    def pending_rows(self) -> int:
        """Rows still waiting to be measured (laid out at height 0 until then)."""
        return len(self._dirty)

    def row_height(self, row: int) -> int | None:
        """The height measured for `row` at the current width (None: not measured yet)."""
        return self._heights[row]

    def update_layout(self) -> None:
        """Measure the rows that are new, changed, or all after a width change; then follow the
        newest line if the agent was at the bottom. Called by the burst timer; a hidden view waits
        until it is shown. More than `BATCH_ROWS` rows (a resize, a long transcript opened) are
        measured over several turns: the shown and the newest rows first."""
        self._timer.stop()
        model = self.model()
        if model is None or not self.isVisible():
            return
        width = self._line_width()
        if width != self._width:
            self._width = width
            self._heights = [None] * len(self._heights)
            self._dirty = set(range(len(self._heights)))
            if not (self._follow or self.at_bottom()) and self._anchor is None:
                # Keep the first shown line where it is while the lines change height.
                top = self.rowAt(0)
                if top >= 0:
                    self._anchor = (top, self.rowViewportPosition(top))
        follow = self._follow or (self._anchor is None and self.at_bottom())
        self._follow = False
        if self._dirty:
            option = QStyleOptionViewItem()
            self.initViewItemOption(option)
            # The style wraps at the rect's width (and only when the rect is valid).
            option.rect = QRect(0, 0, width, max(1, self.viewport().height()))
            delegate = self.transcript_delegate
            header = self.verticalHeader()
            for row in self._next_rows():
                height = delegate.sizeHint(option, model.index(row, 0)).height() + self.GAP
                self.measured += 1
                if self._heights[row] != height:
                    self._heights[row] = height
                    header.resizeSection(row, height)
            self.layouts += 1
            # The table updates its scroll range from resized rows on a timer: now, to scroll right.
            self.updateGeometries()
        self._since_layout.start()
        if follow:
            self.scrollToBottom()
            self._follow = bool(self._dirty)  # still following while the rest is measured
        elif self._anchor is not None:
            row, offset = self._anchor
            bar = self.verticalScrollBar()
            bar.setValue(bar.value() + self.rowViewportPosition(row) - offset)
            if not self._dirty:
                self._anchor = None
        if self._dirty:
            self._timer.start(0)  # the rest in the next turn, after what waits (input, paint)

    def _next_rows(self) -> list[int]:
        """The dirty rows to measure now (and forget as dirty): all, or a batch of the shown rows
        and the newest."""
        dirty = self._dirty
        if len(dirty) <= self.BATCH_ROWS:
            rows = sorted(dirty)
            dirty.clear()
            return rows
        top, bottom = self.rowAt(0), self.rowAt(self.viewport().height() - 1)
        shown = [r for r in range(max(top, 0), (bottom if bottom >= 0 else len(self._heights) - 1) + 1)]
        rows = [r for r in shown if r in dirty][: self.BATCH_ROWS]
        rows += heapq.nlargest(self.BATCH_ROWS - len(rows), dirty.difference(rows))
        dirty.difference_update(rows)
        return rows

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # What arrived while hidden is measured before the first paint, not a frame after it.
        if self._dirty or self._line_width() != self._width:
            self.update_layout()

    # --- keys -------------------------------------------------------------------------------------

    def moveCursor(
        self, cursorAction: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        # Home and End go to the first and last line, as in a list (a table keeps the row).
        model = self.model()
        if model is not None and model.rowCount():
            if cursorAction == QAbstractItemView.CursorAction.MoveHome:
                return model.index(0, 0)
            if cursorAction == QAbstractItemView.CursorAction.MoveEnd:
                return model.index(model.rowCount() - 1, 0)
        return super().moveCursor(cursorAction, modifiers)
