"""The transcript of one conversation as a list model: messages in order, pending ones marked."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from workstation.domain.messages import from_text
from workstation.domain.models import TranscriptEntry
from workstation.ui.domain_text import render
from workstation.ui.language import date_text, time_text

_Index = QModelIndex | QPersistentModelIndex

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


class TranscriptModel(QAbstractListModel):
    """Rows are TranscriptEntry; a server copy replaces its pending local line in place."""

    EntryRole = Qt.ItemDataRole.UserRole + 1
    SenderRole = Qt.ItemDataRole.UserRole + 2
    DeliveryRole = Qt.ItemDataRole.UserRole + 3

    #: Enough for any chat; older lines stay in the cache.
    MAX_ROWS = 5000

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[TranscriptEntry] = []
        self._row_of: dict[str, int] = {}
        #: Each row's display text once rendered, by row (None: not yet). A word-wrapped list view
        #: asks every row for its text at every relayout (each new line, each confirmed reply), and
        #: formatting the time in the local zone is most of that cost: it was most of the GUI thread's
        #: work on the way from "send" to the request going out.
        self._text: list[str | None] = []

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry = self._rows[index.row()]
        message = entry.message
        if role == Qt.ItemDataRole.DisplayRole:
            text = self._text[index.row()]
            if text is None:
                text = self._text[index.row()] = self._display(entry)
            return text
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{date_text(message.at)} {time_text(message.at, seconds=True)}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if message.sender == "agent":
                return _RIGHT
            return _LEFT
        if role == self.EntryRole:
            return entry
        if role == self.SenderRole:
            return message.sender
        if role == self.DeliveryRole:
            return entry.delivery
        return None

    def _display(self, entry: TranscriptEntry) -> str:
        message = entry.message
        when = time_text(message.at)
        state = {"pending": self.tr(" · sending…"), "failed": self.tr(" · not delivered")}.get(
            entry.delivery, ""
        )
        body = message.text
        if message.sender == "system":
            # the backend's own lines ("The customer left.") are catalogue texts; others stay as sent
            who = message.author or self.tr("System")
            body = render(from_text(body))
        else:
            who = message.author or message.sender
        text = f"{who}  {when}{state}\n{body}"
        if entry.error:
            text += "\n" + self.tr("⚠ {0}").format(render(entry.error))
        return text

    def entries(self) -> list[TranscriptEntry]:
        return list(self._rows)

    def reset(self, entries: list[TranscriptEntry]) -> None:
        self.beginResetModel()
        self._rows = list(entries[-self.MAX_ROWS :])
        self._text = [None] * len(self._rows)
        self._reindex()
        self.endResetModel()

    def upsert(self, entries: list[TranscriptEntry]) -> None:
        """Apply a batch: replace known lines (by id, or a pending line by client key), append new ones."""
        appended: list[TranscriptEntry] = []
        for entry in entries:
            message = entry.message
            row = self._row_of.get(message.id)
            if row is None and message.client_key:
                row = self._row_of.get(f"local:{message.client_key}")
            if row is None:
                if any(a.message.id == message.id for a in appended):
                    continue
                appended.append(entry)
                continue
            old = self._rows[row]
            if old == entry:
                # Unchanged (the newest lines are re-read after each confirmed reply): nothing to
                # repaint, and no relayout of every row for it.
                continue
            self._row_of.pop(old.message.id, None)
            self._rows[row] = entry
            self._text[row] = None
            self._row_of[message.id] = row
            index = self.index(row)
            self.dataChanged.emit(index, index)
        if appended:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(appended) - 1)
            for entry in appended:
                self._row_of[entry.message.id] = len(self._rows)
                self._rows.append(entry)
                self._text.append(None)
            self.endInsertRows()
        if len(self._rows) > self.MAX_ROWS:
            extra = len(self._rows) - self.MAX_ROWS
            self.beginRemoveRows(QModelIndex(), 0, extra - 1)
            del self._rows[:extra]
            del self._text[:extra]
            self._reindex()
            self.endRemoveRows()

    def _reindex(self) -> None:
        self._row_of = {entry.message.id: row for row, entry in enumerate(self._rows)}
