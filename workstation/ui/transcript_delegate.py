"""Draws transcript lines as the standard delegate does, remembering each line's size."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem


class TranscriptDelegate(QStyledItemDelegate):
    """A QStyledItemDelegate whose size hints are cached by text, width, font and wrapping.

    The standard delegate reads ~8 roles of the row from the Python model and lays its text out again
    for every size it is asked. A line's size only changes with its text, the width and the font, so
    it is computed once per line and width (the TranscriptView asks once per new or changed line and
    per width; going back to a width it had costs nothing).

    `gap`: room (pixels) left around each line inside the cell it paints: the view adds it to the
    row's height, the sizes given here do not include it.
    """

    #: Cached sizes kept at most (a transcript holds up to 5,000 lines; a few widths each).
    MAX_CACHED = 20_000

    def __init__(self, parent: QObject | None = None, *, gap: int = 0) -> None:
        super().__init__(parent)
        self.gap = gap
        self._sizes: dict[tuple[str, int, int, int], QSize] = {}
        #: How many sizes were computed (cache misses): for tests that check a relayout is cheap.
        self.computed = 0

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if not isinstance(text, str):
            return super().sizeHint(option, index)
        # Everything the standard delegate's size depends on for a text-only line.
        key = (
            text,
            # The style wraps at the rect's width, and only when the rect is valid.
            option.rect.width() if option.rect.isValid() else -1,
            option.fontMetrics.height(),
            option.features.value,  # WrapText or not
        )
        size = self._sizes.get(key)
        if size is None:
            if len(self._sizes) >= self.MAX_CACHED:
                self._sizes.clear()
            size = self._sizes[key] = super().sizeHint(option, index)
            self.computed += 1
        return QSize(size)  # a copy: the view may adjust what it is given

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        if self.gap:
            gap = self.gap
            option = QStyleOptionViewItem(option)
            # The line's text is wrapped at the width it was measured at: the cell's less the sides.
            option.rect = option.rect.adjusted(gap, gap, -gap, 0)
        super().paint(painter, option, index)
