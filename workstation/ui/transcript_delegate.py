"""Draws transcript lines as the standard delegate does, remembering each line's size."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSize, Qt
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem


class TranscriptDelegate(QStyledItemDelegate):
    """A QStyledItemDelegate whose size hints are cached by text, width, font and wrapping.

    A word-wrapped QListView lays out every row again after each inserted line (a message, a reply,
    its confirmation), asking each row for its size: the standard delegate then reads ~8 roles of the
    row from the Python model and lays its text out again. With a few hundred lines that was tens of
    milliseconds on the GUI thread per message, growing with the chat. A line's size only changes
    with its text, the width and the font, so it is computed once per line and width.
    """

    #: Cached sizes kept at most (a transcript holds up to 5,000 lines; a few widths each).
    MAX_CACHED = 20_000

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
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
