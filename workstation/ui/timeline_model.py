"""A customer's history as a list model, newest first; live events are inserted in batches."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer

from workstation.domain.models import TimelineEvent
from workstation.ui.icons import channel_icon

_Index = QModelIndex | QPersistentModelIndex


class TimelineModel(QAbstractListModel):
    """Rows are TimelineEvent, newest first, each event once (by id)."""

    EventRole = Qt.ItemDataRole.UserRole + 1
    MAX_ROWS = 10_000
    FLUSH_MS = 50

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[TimelineEvent] = []
        self._ids: set[str] = set()
        self._incoming: list[TimelineEvent] = []
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(self.FLUSH_MS)
        self._flush_timer.timeout.connect(self.flush)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        event = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            when = event.at.astimezone().strftime("%d.%m.%Y %H:%M")
            return f"{when}  {event.summary or event.kind}"
        if role == Qt.ItemDataRole.DecorationRole:
            return channel_icon(event.channel)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{event.channel} · {event.kind}\n{event.summary}"
        if role == self.EventRole:
            return event
        return None

    def events(self) -> list[TimelineEvent]:
        return list(self._rows)

    def by_id(self) -> dict[str, TimelineEvent]:
        return {event.id: event for event in self._rows}

    def row_of(self, event_id: str) -> int | None:
        if event_id not in self._ids:
            return None
        return next((i for i, event in enumerate(self._rows) if event.id == event_id), None)

    def reset(self, events: list[TimelineEvent]) -> None:
        """Replace the content (newest first), dropping duplicates by id."""
        self.beginResetModel()
        self._incoming.clear()
        self._rows, self._ids = [], set()
        for event in sorted(events, key=lambda e: (e.at, e.id), reverse=True)[: self.MAX_ROWS]:
            if event.id not in self._ids:
                self._ids.add(event.id)
                self._rows.append(event)
        self.endResetModel()

    def add(self, events: list[TimelineEvent]) -> None:
        """Queue live events; they are inserted together on the next flush."""
        self._incoming.extend(events)
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def flush(self) -> None:
        incoming, self._incoming = self._incoming, []
        fresh = {e.id: e for e in incoming if e.id not in self._ids}
        if not fresh:
            return
        newest_first = sorted(fresh.values(), key=lambda e: (e.at, e.id), reverse=True)
        if not self._rows or (newest_first[-1].at, newest_first[-1].id) >= (
            self._rows[0].at,
            self._rows[0].id,
        ):
            # The usual case: all newer than what is shown, one insert at the top.
            self.beginInsertRows(QModelIndex(), 0, len(newest_first) - 1)
            self._rows[0:0] = newest_first
            self._ids.update(fresh)
            self.endInsertRows()
        else:
            for event in newest_first:
                row = next(
                    (i for i, cur in enumerate(self._rows) if (cur.at, cur.id) < (event.at, event.id)),
                    len(self._rows),
                )
                self.beginInsertRows(QModelIndex(), row, row)
                self._rows.insert(row, event)
                self._ids.add(event.id)
                self.endInsertRows()
        if len(self._rows) > self.MAX_ROWS:
            first = self.MAX_ROWS
            self.beginRemoveRows(QModelIndex(), first, len(self._rows) - 1)
            for event in self._rows[first:]:
                self._ids.discard(event.id)
            del self._rows[first:]
            self.endRemoveRows()
