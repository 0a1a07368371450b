"""A connector's undecided conflicts across customers, as a Qt table model for the team lead."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt

from workstation.domain.messages import QT_TRANSLATE_NOOP  # typed (str -> str); lupdate knows the name
from workstation.domain.models import ConnectorConflict
from workstation.ui.labels import FIELDS, term
from workstation.ui.language import datetime_text
from workstation.ui.table_model import RowsTableModel

Index = QModelIndex | QPersistentModelIndex
MAX_ROWS = 5_000  # the most rows the list holds: pages are appended as the lead asks, up to this
MAX_CELL_CHARS = 200  # values are bounded on the wire (2,000 characters); a cell shows the start


def _cell(value: str | None) -> str:
    if value is None:
        return "—"
    text = " ".join(value.split())  # one line per row, whatever the upstream system stored
    return text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - 1] + "…"


class ConnectorConflictsModel(RowsTableModel):
    """One row per conflict in the backend's order (record, field); pages are appended."""

    COLUMNS = (
        QT_TRANSLATE_NOOP("ConnectorConflictsModel", "Customer"),
        QT_TRANSLATE_NOOP("ConnectorConflictsModel", "Field"),
        QT_TRANSLATE_NOOP("ConnectorConflictsModel", "Upstream value"),
        QT_TRANSLATE_NOOP("ConnectorConflictsModel", "Desk value"),
        QT_TRANSLATE_NOOP("ConnectorConflictsModel", "When"),
    )
    CUSTOMER, FIELD, THEIRS, YOURS, WHEN = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ConnectorConflict] = []

    def conflicts(self) -> list[ConnectorConflict]:
        return list(self._rows)

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self.endResetModel()

    def append(self, page: list[ConnectorConflict]) -> int:
        """Add a page at the end (up to MAX_ROWS); returns how many rows were added."""
        page = page[: max(0, MAX_ROWS - len(self._rows))]
        if page:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()
        return len(page)

    def full(self) -> bool:
        return len(self._rows) >= MAX_ROWS

    def last_key(self) -> tuple[str, str] | None:
        """Where the next page starts: the last row's (record, field)."""
        if not self._rows:
            return None
        last = self._rows[-1]
        return (last.record or "", last.field)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        if not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if column == self.CUSTOMER:
            return _cell(row.customer_id)
        if column == self.FIELD:
            return term(FIELDS, row.field)
        if column == self.THEIRS:
            return _cell(row.theirs)
        if column == self.YOURS:
            return _cell(row.yours)
        if column == self.WHEN:
            return datetime_text(row.at) if row.at is not None else ""
        return None
