"""The queue monitor's "Conflicts" tab: a connector's undecided conflicts across customers, read-only."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workstation.services.queue_monitor import QueueMonitorService
from workstation.services.tasks import TaskSet
from workstation.ui.connector_conflicts_model import ConnectorConflictsModel
from workstation.ui.text import DATA_PROPERTY

PAGE_SIZE = 100  # conflicts per request (the backend answers at most 500)


class ConnectorConflictsPage(QWidget):
    """Lists what agents still have to decide, per connector, a page at a time. Loads when first
    shown (`load()`), not at construction: the monitor opens without asking for it."""

    def __init__(self, service: QueueMonitorService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectorConflicts")
        self.service = service
        self._tasks = TaskSet()
        self._loaded = False
        self._busy = False

        self.connector_combo = QComboBox()
        self.connector_combo.setProperty(DATA_PROPERTY, True)  # connector names are the backend's
        self.connector_combo.currentIndexChanged.connect(self._on_connector_combo_changed)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.clicked.connect(lambda _=False: self.load())
        self.model = ConnectorConflictsModel(self)
        self.table = QTableView()
        self.table.setObjectName("conflictsTable")
        self.table.setProperty(DATA_PROPERTY, True)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.more_button = QPushButton(self.tr("Load more"))
        self.more_button.setEnabled(False)
        self.more_button.clicked.connect(self._on_more_clicked)
        self.status_label = QLabel()  # our own words and counts only

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Connector:")))
        top.addWidget(self.connector_combo, 1)
        top.addWidget(self.refresh_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.more_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

    def load_once(self) -> None:
        if not self._loaded:
            self.load()

    def load(self) -> None:
        """Ask for the connectors again and show the first page of the chosen one's conflicts."""
        self._loaded = True
        self._tasks.start(self._load_connectors(), "conflicts-connectors")

    async def _load_connectors(self) -> None:
        self.refresh_button.setEnabled(False)
        try:
            names = await self.service.connector_names()
        finally:
            self.refresh_button.setEnabled(True)
        if names is None:
            return
        current = self.connector_combo.currentText()
        self.connector_combo.blockSignals(True)
        self.connector_combo.clear()
        for name in sorted(names):
            self.connector_combo.addItem(name, name)
        index = self.connector_combo.findData(current)
        self.connector_combo.setCurrentIndex(max(0, index))
        self.connector_combo.blockSignals(False)
        if not names:
            self.model.clear()
            self.more_button.setEnabled(False)
            self.status_label.setText(self.tr("No connector is configured."))
            return
        self._first_page()

    def _on_connector_combo_changed(self, _index: int) -> None:
        self._first_page()

    def _first_page(self) -> None:
        self.model.clear()
        self._next_page()

    def _on_more_clicked(self) -> None:
        self._next_page()

    def _next_page(self) -> None:
        connector = self.connector_combo.currentData()
        if not connector or self._busy:
            return
        self._tasks.start(self._load_page(str(connector), self.model.last_key()), "conflicts-page")

    async def _load_page(self, connector: str, after: tuple[str, str] | None) -> None:
        self._busy = True
        self.more_button.setEnabled(False)
        try:
            page = await self.service.connector_conflicts(connector, limit=PAGE_SIZE, after=after)
        finally:
            self._busy = False
        if connector != self.connector_combo.currentData():
            self._first_page()  # the lead chose another connector meanwhile
            return
        if page is None:
            return  # refused or unreachable: the monitor's message line says so
        self.model.append(page)
        more = len(page) == PAGE_SIZE and not self.model.full()
        self.more_button.setEnabled(more)
        count = self.model.rowCount()
        if count == 0:
            self.status_label.setText(self.tr("No open conflicts."))
        elif more:
            self.status_label.setText(self.tr("%n conflict(s) shown, more to load", "", count))
        else:
            self.status_label.setText(self.tr("%n open conflict(s)", "", count))

    async def shutdown(self) -> None:
        await self._tasks.cancel_all()
