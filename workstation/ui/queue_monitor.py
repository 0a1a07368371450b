"""The team lead's Queue Monitor: queue tiles, live charts, the agent roster and the waiting tasks."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from workstation.domain.models import Presence, WaitingReason
from workstation.domain.queue_monitor import ALL_QUEUES, MonitorSnapshot, format_duration
from workstation.services.queue_monitor import QueueMonitorService
from workstation.services.tasks import TaskSet
from workstation.ui.agent_roster_model import AGENT_ID_ROLE, AgentRosterModel, RosterFilterProxy
from workstation.ui.connector_conflicts_page import ConnectorConflictsPage
from workstation.ui.domain_text import error_text, render
from workstation.ui.labels import STATES, term
from workstation.ui.language import time_text
from workstation.ui.monitor_charts import MonitorCharts
from workstation.ui.queue_tile import QueueTile
from workstation.ui.text import DATA_PROPERTY, data_label, escape
from workstation.ui.theme import themed
from workstation.ui.waiting_model import CONVERSATION_ROLE, WaitingTasksModel

log = logging.getLogger(__name__)


class QueueMonitorView(QWidget):
    """Signals: `queues_selected(list[str])` when the charted queues change."""

    queues_selected = Signal(list)

    def __init__(self, service: QueueMonitorService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queueMonitor")
        self.service = service
        self._tasks = TaskSet()
        self.tiles: dict[str, QueueTile] = {}
        self.selected: list[str] = [ALL_QUEUES]
        self._names: dict[str, str] = {}
        self._why_for: str | None = None
        self._why_pending = False

        # Header: live / stale, the window, export.
        self.title = QLabel(self.tr("Queue monitor"))
        self.title.setStyleSheet(themed("font-size: 13pt; font-weight: 600;"))
        self.status_label = QLabel(self.tr("Connecting…"))
        self.status_label.setObjectName("monitorStatus")
        self.window_label = QLabel()
        self.window_label.setStyleSheet(themed("color: #555;"))
        self.export_button = QPushButton(self.tr("Export CSV…"))
        self.export_button.clicked.connect(self._on_export_clicked)
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addSpacing(12)
        header.addWidget(self.status_label)
        header.addStretch(1)
        header.addWidget(self.window_label)
        header.addWidget(self.export_button)

        # Tiles.
        self.tile_area = QWidget()
        self.tile_grid = QGridLayout(self.tile_area)
        self.tile_grid.setContentsMargins(4, 4, 4, 4)
        self.tile_grid.setSpacing(8)
        self.tile_grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.tile_area)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.tile_scroll = scroll

        self.charts = MonitorCharts(service.series)
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(scroll)
        left.addWidget(self.charts)
        scroll.setMinimumHeight(150)
        left.setSizes([290, 470])

        # Roster.
        self.roster_model = AgentRosterModel(self)
        self.roster_proxy = RosterFilterProxy(self)
        self.roster_proxy.setSourceModel(self.roster_model)
        self.roster = QTableView()
        self.roster.setProperty(DATA_PROPERTY, True)  # names, skills (headers and states are ours)
        self.roster.setObjectName("agentRoster")
        self.roster.setModel(self.roster_proxy)
        self._table_defaults(self.roster)
        self.roster.sortByColumn(AgentRosterModel.STATE, Qt.SortOrder.AscendingOrder)
        self.roster_filter = QLineEdit()
        self.roster_filter.setPlaceholderText(self.tr("Filter: name, skill, language…"))
        self.roster_filter.setClearButtonEnabled(True)
        self.roster_filter.textChanged.connect(self.roster_proxy.set_text)
        self.state_filter = QComboBox()
        self.state_filter.addItem(self.tr("All states"), None)
        for state in ("available", "busy", "away", "offline"):
            self.state_filter.addItem(term(STATES, state), state)
        self.state_filter.currentIndexChanged.connect(
            lambda _i: self.roster_proxy.set_state(self.state_filter.currentData())
        )
        self.queue_filter = QCheckBox(self.tr("Selected queue only"))
        self.queue_filter.toggled.connect(self._apply_queue_filter)
        self.force_available = QPushButton(self.tr("Set Available"))
        self.force_away = QPushButton(self.tr("Set Away"))
        self.force_offline = QPushButton(self.tr("Sign off"))
        for button, presence in (
            (self.force_available, Presence.AVAILABLE),
            (self.force_away, Presence.AWAY),
            (self.force_offline, Presence.OFFLINE),
        ):
            button.setEnabled(False)
            button.clicked.connect(lambda _=False, p=presence: self._force_selected(p))
        self.roster.selectionModel().selectionChanged.connect(self._on_roster_selection_changed)
        roster_page = QWidget()
        roster_layout = QVBoxLayout(roster_page)
        filters = QHBoxLayout()
        filters.addWidget(self.roster_filter, 1)
        filters.addWidget(self.state_filter)
        filters.addWidget(self.queue_filter)
        actions = QHBoxLayout()
        actions.addWidget(QLabel(self.tr("Selected agent:")))
        actions.addWidget(self.force_available)
        actions.addWidget(self.force_away)
        actions.addWidget(self.force_offline)
        actions.addStretch(1)
        roster_layout.addLayout(filters)
        roster_layout.addWidget(self.roster, 1)
        roster_layout.addLayout(actions)

        # Waiting tasks and why.
        self.waiting_model = WaitingTasksModel(self)
        self.waiting = QTableView()
        self.waiting.setProperty(DATA_PROPERTY, True)
        self.waiting.setObjectName("waitingTasks")
        self.waiting.setModel(self.waiting_model)
        self._table_defaults(self.waiting)
        self.waiting.setSortingEnabled(False)  # oldest first, always
        self.waiting.selectionModel().selectionChanged.connect(self._on_waiting_selection_changed)
        self.why = QTextBrowser()
        self.why.setObjectName("whyWaiting")
        self.why.setPlaceholderText(self.tr("Select a waiting task to see why it is still waiting."))
        self.why.setMaximumHeight(170)
        self.move_combo = QComboBox()
        self.move_button = QPushButton(self.tr("Move to queue"))
        self.move_button.setEnabled(False)
        self.move_button.clicked.connect(self._on_move_clicked)
        waiting_page = QWidget()
        waiting_layout = QVBoxLayout(waiting_page)
        waiting_layout.addWidget(self.waiting, 1)
        waiting_layout.addWidget(self.why)
        move_row = QHBoxLayout()
        move_row.addWidget(QLabel(self.tr("Move the selected task to:")))
        move_row.addWidget(self.move_combo, 1)
        move_row.addWidget(self.move_button)
        waiting_layout.addLayout(move_row)

        self.side = QTabWidget()
        self.side.addTab(roster_page, self.tr("Agents"))
        self.side.addTab(waiting_page, self.tr("Waiting"))
        # Connector conflicts across customers: asked for when the tab is first opened.
        self.conflicts = ConnectorConflictsPage(service)
        self.side.addTab(self.conflicts, self.tr("Conflicts"))
        self.side.currentChanged.connect(self._on_side_current_changed)

        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(left)
        body.addWidget(self.side)
        body.setSizes([900, 480])

        self.message_label = data_label()  # backend refusals and reasons
        self.message_label.setObjectName("monitorMessage")
        self.message_label.setStyleSheet(themed("color: #b00020;"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 4)
        layout.addLayout(header)
        layout.addWidget(body, 1)
        layout.addWidget(self.message_label)

        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._on_clock_timeout)
        self._clock.start()
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(lambda: self.message_label.clear())

        service.snapshot_changed.connect(self._on_service_snapshot_changed)
        service.series_changed.connect(self.charts.refresh)
        service.staleness_changed.connect(self._on_service_staleness_changed)
        service.action_failed.connect(self._on_service_action_failed)
        service.session_rejected.connect(self._on_service_session_rejected)
        if service.snapshot is not None:
            self._on_service_snapshot_changed(service.snapshot, [], True, True)

    def _on_side_current_changed(self, index: int) -> None:
        if self.side.widget(index) is self.conflicts:
            self.conflicts.load_once()

    @staticmethod
    def _table_defaults(table: QTableView) -> None:
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setSortingEnabled(True)
        table.setAlternatingRowColors(True)
        table.verticalHeader().hide()
        # Sized to the contents when rows come or go, not on every update (that reads every cell).
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.horizontalHeader().setStretchLastSection(True)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)

    # --- updates from the service ------------------------------------------------------------

    def _on_service_snapshot_changed(
        self, snapshot: MonitorSnapshot, changed: list[str], agents_changed: bool, waiting_changed: bool
    ) -> None:
        ids = [q.queue_id for q in snapshot.queues]
        if [*ids, ALL_QUEUES] != list(self.tiles):
            self._build_tiles(snapshot)
        else:
            for stats in (*snapshot.queues, snapshot.total):
                self.tiles[stats.queue_id].set_stats(stats)
        self.window_label.setText(
            self.tr("Service level, answered, abandoned: last {0} min").format(f"{snapshot.window_s / 60:g}")
        )
        if agents_changed:
            count = self.roster_model.rowCount()
            self.roster_model.set_agents(snapshot.agents)
            if count != self.roster_model.rowCount():
                self.roster.resizeColumnsToContents()
            self.side.setTabText(0, self.tr("Agents ({0})").format(len(snapshot.agents)))
        if waiting_changed:
            self._set_waiting(snapshot)
        if not self.service.stale:
            stamp = time_text(snapshot.at, seconds=True)
            self.status_label.setText(self.tr("● Live — {0}").format(stamp))
            self.status_label.setStyleSheet(themed("color: #1b7f3b; font-weight: 600;"))

    def _build_tiles(self, snapshot: MonitorSnapshot) -> None:
        for tile in self.tiles.values():
            tile.deleteLater()
        self.tiles = {}
        self._names = {q.queue_id: q.name for q in snapshot.queues}
        self._names[ALL_QUEUES] = snapshot.total.name
        self.waiting_model.set_queue_names(self._names)
        for stats in (*snapshot.queues, snapshot.total):
            tile = QueueTile(stats.queue_id, self.tile_area)
            tile.set_stats(stats)
            tile.set_stale(self.service.stale)
            tile.clicked.connect(self._on_tile_clicked)
            self.tiles[stats.queue_id] = tile
        # "All queues" first, then the queues in configuration order.
        self.selected = [q for q in self.selected if q in self.tiles] or [ALL_QUEUES]
        self._reflow()
        self.move_combo.clear()
        for queue in snapshot.queues:
            self.move_combo.addItem(queue.name, queue.queue_id)
        self._select(self.selected)

    def _reflow(self) -> None:
        order = [ALL_QUEUES, *[q for q in self.tiles if q != ALL_QUEUES]]
        columns = max(1, (self.tile_scroll.viewport().width() - 8) // 244)
        for i, queue_id in enumerate(order):
            self.tile_grid.addWidget(self.tiles[queue_id], i // columns, i % columns)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.tiles:
            self._reflow()

    def _on_tile_clicked(self, queue_id: str, add: bool) -> None:
        if add and queue_id != ALL_QUEUES:
            chosen = [q for q in self.selected if q != ALL_QUEUES]
            chosen = [q for q in chosen if q != queue_id] if queue_id in chosen else [*chosen, queue_id]
            self._select(chosen or [ALL_QUEUES])
        else:
            self._select([queue_id])

    def _select(self, queue_ids: list[str]) -> None:
        self.selected = queue_ids
        for queue_id, tile in self.tiles.items():
            tile.set_selected(queue_id in queue_ids)
        target = None
        if len(queue_ids) == 1 and queue_ids[0] in self.tiles:
            stats = self.tiles[queue_ids[0]].stats
            target = stats.target if stats else None
        self.charts.show_queues([(q, self._names.get(q, q)) for q in queue_ids], target)
        self._apply_queue_filter()
        self.queues_selected.emit(list(queue_ids))

    def _apply_queue_filter(self) -> None:
        only = self.queue_filter.isChecked() and len(self.selected) == 1 and self.selected[0] != ALL_QUEUES
        self.roster_proxy.set_queue(self.selected[0] if only else None)

    def _set_waiting(self, snapshot: MonitorSnapshot) -> None:
        selected = self._why_for
        count = self.waiting_model.rowCount()
        self.waiting_model.set_tasks(snapshot.waiting)
        if count == 0 and snapshot.waiting:
            self.waiting.resizeColumnsToContents()
        self.side.setTabText(1, self.tr("Waiting ({0})").format(len(snapshot.waiting)))
        if selected is None:
            return
        row = self.waiting_model.row_of(selected)
        if row < 0:
            self.why.setHtml(self.tr("<i>This task is no longer waiting.</i>"))
            self.move_button.setEnabled(False)
            self._why_for = None
            return
        self.waiting.selectionModel().select(
            self.waiting_model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        self._refresh_why()

    def _on_service_staleness_changed(self, stale: bool, since: datetime | None) -> None:
        for tile in self.tiles.values():
            tile.set_stale(stale)
        if stale:
            stamp = time_text(since, seconds=True) if since else "—"
            self.status_label.setText(self.tr("Stale since {0} — reconnecting…").format(stamp))
            self.status_label.setStyleSheet(
                "color: white; background: #b00020; font-weight: 600; padding: 2px 6px; border-radius: 3px;"
            )
        elif self.service.snapshot is not None:
            self._on_service_snapshot_changed(self.service.snapshot, [], False, False)

    def _on_service_session_rejected(self, reason: str) -> None:
        self.show_message(
            self.tr("The backend refused the session: {0}. Sign in again.").format(render(reason))
        )

    def _on_clock_timeout(self) -> None:
        if not self.service.stale:
            self.roster_model.tick()
            self.waiting_model.tick()

    def _on_service_action_failed(self, message: str) -> None:
        self.show_message(render(message))  # a Msg, or the backend's English when it named no template

    def show_message(self, text: str, *, ok: bool = False) -> None:
        self.message_label.setStyleSheet(themed("color: #1b7f3b;" if ok else "color: #b00020;"))
        self.message_label.setText(text)
        self._message_timer.start(12_000)

    # --- roster actions ----------------------------------------------------------------------

    def selected_agent(self) -> str | None:
        rows = self.roster.selectionModel().selectedRows()
        return str(rows[0].data(AGENT_ID_ROLE)) if rows else None

    def _on_roster_selection_changed(self, *_args: object) -> None:
        enabled = self.selected_agent() is not None
        for button in (self.force_available, self.force_away, self.force_offline):
            button.setEnabled(enabled)

    def _force_selected(self, presence: Presence) -> None:
        agent_id = self.selected_agent()
        if agent_id is not None:
            self._tasks.start(self._force(agent_id, presence), "force-presence")

    async def _force(self, agent_id: str, presence: Presence) -> None:
        buttons = (self.force_available, self.force_away, self.force_offline)
        for button in buttons:
            button.setEnabled(False)
        try:
            agent = await self.service.force_presence(agent_id, presence)
            if agent is not None:
                self.show_message(self.tr("{0} is now {1}.").format(agent.name, presence.value), ok=True)
        finally:
            self._on_roster_selection_changed()

    # --- waiting tasks -----------------------------------------------------------------------

    def _on_waiting_selection_changed(self, *_args: object) -> None:
        rows = self.waiting.selectionModel().selectedRows()
        conversation_id = str(rows[0].data(CONVERSATION_ROLE)) if rows else None
        if conversation_id == self._why_for:
            return
        self._why_for = conversation_id
        self.move_button.setEnabled(conversation_id is not None)
        if conversation_id is None:
            self.why.clear()
            return
        self.why.setHtml(self.tr("<i>Asking the backend…</i>"))
        self._refresh_why()

    def _refresh_why(self) -> None:
        # At most one request in flight; a change meanwhile asks again when it returns.
        if self._why_for is None:
            return
        if self._why_pending:
            return
        self._why_pending = True
        self._tasks.start(self._load_why(self._why_for), "why-waiting")

    async def _load_why(self, conversation_id: str) -> None:
        try:
            reason = await self.service.why_waiting(conversation_id)
        finally:
            self._why_pending = False
        if conversation_id != self._why_for:
            self._refresh_why()
            return
        if reason is not None:
            self.why.setHtml(why_html(reason))

    def _on_move_clicked(self) -> None:
        if self._why_for is not None:
            self._tasks.start(self._move(self._why_for, str(self.move_combo.currentData())), "move-task")

    async def _move(self, conversation_id: str, queue_id: str) -> None:
        self.move_button.setEnabled(False)
        try:
            reason = await self.service.move_task(conversation_id, queue_id)
            if reason is not None and conversation_id == self._why_for:
                self.why.setHtml(why_html(reason))
        finally:
            self.move_button.setEnabled(self._why_for is not None)

    def select_waiting(self, conversation_id: str) -> bool:
        row = self.waiting_model.row_of(conversation_id)
        if row < 0:
            return False
        self.side.setCurrentIndex(1)
        self.waiting.selectRow(row)
        return True

    # --- export ------------------------------------------------------------------------------

    def _on_export_clicked(self) -> None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export the snapshot"), f"queue-monitor-{stamp}.csv", self.tr("CSV files (*.csv)")
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> bool:
        try:
            self.service.export_csv(path)
        except (OSError, ValueError) as exc:
            self.show_message(self.tr("Could not export: {0}").format(error_text(exc)))
            return False
        self.show_message(self.tr("Exported to {0}").format(path), ok=True)
        return True

    async def shutdown(self) -> None:
        self._clock.stop()
        await self._tasks.cancel_all()
        await self.conflicts.shutdown()


def why_html(reason: WaitingReason) -> str:
    """The backend's explanation of a waiting task, for people (the summary is the backend's)."""

    lines = [f"<b>{_escape(reason.summary)}</b>"]
    where = reason.filter or QCoreApplication.translate("why_html", "default route (no filter matched)")
    lines.append(
        QCoreApplication.translate("why_html", "Route: {0} — step {1} of {2}, queue {3}").format(
            _escape(where), reason.step, reason.steps, _escape(reason.queue)
        )
    )
    if reason.worker_expression:
        lines.append(
            QCoreApplication.translate("why_html", "Agents who may take it: {0}").format(
                f"<code>{_escape(reason.worker_expression)}</code>"
            )
        )
    lines.append(
        QCoreApplication.translate("why_html", "{0} agents match, {1} available with room right now").format(
            reason.matching_agents, reason.available_agents
        )
    )
    now = datetime.now().astimezone()
    if reason.offered_to:
        lines.append(
            QCoreApplication.translate("why_html", "Offered to {0}, waiting for an answer").format(
                _escape(reason.offered_to)
            )
        )
    if reason.next_step_at is not None:
        wait = max(0.0, (reason.next_step_at - now).total_seconds())
        lines.append(
            QCoreApplication.translate("why_html", "Next step at {0} (in {1})").format(
                time_text(reason.next_step_at, seconds=True), format_duration(wait)
            )
        )
    else:
        lines.append(QCoreApplication.translate("why_html", "Last step: it waits here for an agent"))
    if reason.expires_at is not None:
        lines.append(
            QCoreApplication.translate("why_html", "Given up at {0} if nobody takes it").format(
                time_text(reason.expires_at, seconds=True)
            )
        )
    return "<br>".join(lines)


def _escape(text: str) -> str:
    return escape(text)
