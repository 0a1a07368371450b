"""What the team lead's tables (agents, waiting tasks, connector conflicts) share as Qt models: the
rows of one list, and columns named by `COLUMNS`, texts marked for translation in the subclass's
own context (its class name, as `QT_TRANSLATE_NOOP("ClassName", ...)` marks them)."""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


class RowsTableModel(QAbstractTableModel):
    """A flat table over `self._rows`; subclasses fill the rows and answer `data()`."""

    COLUMNS: ClassVar[tuple[str, ...]] = ()
    _rows: list[Any]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        horizontal = orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
        if horizontal and 0 <= section < len(self.COLUMNS):
            return QCoreApplication.translate(type(self).__name__, self.COLUMNS[section])
        return None
