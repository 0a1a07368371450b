"""Tasks still waiting, as a Qt table model for the team lead (oldest first)."""

from __future__ import annotations

import time

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from workstation.domain.messages import QT_TRANSLATE_NOOP  # typed (str -> str); lupdate knows the name
from workstation.domain.queue_monitor import WaitingTask, format_duration
from workstation.ui.agent_roster_model import SORT_ROLE
from workstation.ui.table_model import RowsTableModel

Index = QModelIndex | QPersistentModelIndex
CONVERSATION_ROLE = Qt.ItemDataRole.UserRole + 3


class WaitingTasksModel(RowsTableModel):
    """One row per waiting task; the wait column is refreshed once a second by `tick()`."""

    COLUMNS = (
        QT_TRANSLATE_NOOP("WaitingModel", "Customer"),
        QT_TRANSLATE_NOOP("WaitingModel", "Queue"),
        QT_TRANSLATE_NOOP("WaitingModel", "Waiting"),
        QT_TRANSLATE_NOOP("WaitingModel", "Topic"),
        QT_TRANSLATE_NOOP("WaitingModel", "Language"),
        QT_TRANSLATE_NOOP("WaitingModel", "Offered to"),
    )
    CUSTOMER, QUEUE, WAITING, TOPIC, LANGUAGE, OFFERED = range(6)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[WaitingTask] = []
        self._names: dict[str, str] = {}
        self._now = time.time()

    def tasks(self) -> list[WaitingTask]:
        return list(self._rows)

    def set_queue_names(self, names: dict[str, str]) -> None:
        self._names = dict(names)

    def set_tasks(self, tasks: tuple[WaitingTask, ...] | list[WaitingTask]) -> None:
        tasks = list(tasks)
        if [t.conversation_id for t in tasks] == [t.conversation_id for t in self._rows]:
            changed = [i for i, (a, b) in enumerate(zip(self._rows, tasks, strict=True)) if a != b]
            self._rows = tasks
            if changed:
                self.dataChanged.emit(
                    self.index(min(changed), 0), self.index(max(changed), len(self.COLUMNS) - 1)
                )
            return
        self.beginResetModel()
        self._rows = tasks
        self.endResetModel()

    def row_of(self, conversation_id: str) -> int:
        return next((i for i, t in enumerate(self._rows) if t.conversation_id == conversation_id), -1)

    def tick(self, now: float | None = None) -> None:
        self._now = now if now is not None else time.time()
        if self._rows:
            self.dataChanged.emit(self.index(0, self.WAITING), self.index(len(self._rows) - 1, self.WAITING))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        task = self._rows[index.row()]
        column = index.column()
        wait = max(0.0, self._now - task.waiting_since.timestamp())
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.CUSTOMER:
                return task.customer
            if column == self.QUEUE:
                name = self._names.get(task.queue_id or "", task.queue_id or "—")
                return f"{name} (moved)" if task.moved else name
            if column == self.WAITING:
                return format_duration(wait)
            if column == self.TOPIC:
                return task.topic or ""
            if column == self.LANGUAGE:
                return task.language or ""
            if column == self.OFFERED:
                return task.offered_to or ""
        elif role == SORT_ROLE:
            values: tuple[object, ...] = (
                task.customer.lower(),
                task.queue_id or "",
                wait,
                task.topic or "",
                task.language or "",
                task.offered_to or "",
            )
            return values[column] if 0 <= column < len(values) else None
        elif role == CONVERSATION_ROLE:
            return task.conversation_id
        elif role == Qt.ItemDataRole.TextAlignmentRole and column == self.WAITING:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
