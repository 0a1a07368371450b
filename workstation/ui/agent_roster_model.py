"""The team lead's agent roster as a Qt table model, with a proxy for sorting and filtering."""

from __future__ import annotations

import time
from datetime import datetime

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from workstation.domain.messages import QT_TRANSLATE_NOOP  # typed (str -> str); lupdate knows the name
from workstation.domain.queue_monitor import AgentStatus, format_duration
from workstation.ui.labels import AWAY_REASONS, STATES, term
from workstation.ui.language import time_text
from workstation.ui.table_model import RowsTableModel
from workstation.ui.text import tooltip

Index = QModelIndex | QPersistentModelIndex

#: Raw values for sorting (numbers sort as numbers, states in a useful order).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
AGENT_ID_ROLE = Qt.ItemDataRole.UserRole + 2

STATE_COLOURS = {"available": "#1b7f3b", "busy": "#1f5fbf", "away": "#b26a00", "offline": "#777777"}
_STATE_ORDER = {"available": 0, "busy": 1, "away": 2, "offline": 3}


def reason_text(reason: str) -> str:
    if reason.startswith("team_lead:"):
        return QCoreApplication.translate("AgentRosterModel", "set by {0}").format(reason.split(":", 1)[1])
    return term(AWAY_REASONS, reason)


class AgentRosterModel(RowsTableModel):
    """One row per agent: state and time in state, chats vs capacity, skills, handled today.

    Updated from the monitor's snapshots: rows are replaced in place with one coalesced
    `dataChanged` per update (a reset only when agents come or go); the time-in-state column is
    refreshed once a second by `tick()`.
    """

    COLUMNS = (
        QT_TRANSLATE_NOOP("AgentRosterModel", "Agent"),
        QT_TRANSLATE_NOOP("AgentRosterModel", "State"),
        QT_TRANSLATE_NOOP("AgentRosterModel", "Time in state"),
        QT_TRANSLATE_NOOP("AgentRosterModel", "Chats"),
        QT_TRANSLATE_NOOP("AgentRosterModel", "Skills"),
        QT_TRANSLATE_NOOP("AgentRosterModel", "Languages"),
        QT_TRANSLATE_NOOP("AgentRosterModel", "Handled today"),
    )
    AGENT, STATE, TIME, CHATS, SKILLS, LANGUAGES, HANDLED = range(7)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[AgentStatus] = []
        # Cells are computed once per change, not per paint or sort (views ask thousands of times).
        self._display: list[list[object]] = []
        self._sort: list[tuple[object, ...]] = []
        self._now = time.time()

    def agents(self) -> list[AgentStatus]:
        return list(self._rows)

    def _cells(self, agent: AgentStatus) -> tuple[list[object], tuple[object, ...]]:
        label = term(STATES, agent.state)
        display: list[object] = [
            agent.name,
            f"{label} ({reason_text(agent.reason)})" if agent.reason else label,
            None,  # time in state: from the clock
            f"{agent.conversations} / {agent.capacity}",
            ", ".join(agent.skills),
            ", ".join(agent.languages),
            agent.handled_today,
        ]
        sort = (
            agent.name.lower(),
            _STATE_ORDER[agent.state],
            -agent.state_since.timestamp(),  # longer in the state = larger
            agent.conversations / agent.capacity if agent.capacity else 0.0,
            display[4],
            display[5],
            agent.handled_today,
        )
        return display, sort

    def set_agents(self, agents: tuple[AgentStatus, ...] | list[AgentStatus]) -> None:
        agents = list(agents)
        if [a.agent_id for a in agents] != [a.agent_id for a in self._rows]:
            self.beginResetModel()
            self._rows = agents
            cells = [self._cells(a) for a in agents]
            self._display = [c[0] for c in cells]
            self._sort = [c[1] for c in cells]
            self.endResetModel()
            return
        changed = [i for i, (old, new) in enumerate(zip(self._rows, agents, strict=True)) if old != new]
        self._rows = agents
        for i in changed:
            self._display[i], self._sort[i] = self._cells(agents[i])
        if changed:
            self.dataChanged.emit(
                self.index(min(changed), 0), self.index(max(changed), len(self.COLUMNS) - 1)
            )

    def tick(self, now: float | None = None) -> None:
        self._now = now if now is not None else time.time()
        if self._rows:
            self.dataChanged.emit(self.index(0, self.TIME), self.index(len(self._rows) - 1, self.TIME))

    # --- Qt model ------------------------------------------------------------------------------

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.TIME:
                return format_duration(self._now - self._rows[row].state_since.timestamp())
            return self._display[row][column] if 0 <= column < len(self.COLUMNS) else None
        if role == SORT_ROLE:
            return self._sort[row][column] if 0 <= column < len(self.COLUMNS) else None
        agent = self._rows[row]
        if role == AGENT_ID_ROLE:
            return agent.agent_id
        elif role == Qt.ItemDataRole.ForegroundRole and column == self.STATE:
            return QBrush(QColor(STATE_COLOURS[agent.state]))
        elif role == Qt.ItemDataRole.ToolTipRole:
            if column == self.AGENT:
                return tooltip(f"{agent.name} ({agent.username})\nQueues: {', '.join(agent.queues) or '—'}")
            if column == self.TIME:
                return self.tr("since {0}").format(_local(agent.state_since))
        elif role == Qt.ItemDataRole.TextAlignmentRole and column in (self.TIME, self.CHATS, self.HANDLED):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class RosterFilterProxy(QSortFilterProxyModel):
    """Sorts by raw values; filters by text (name, user, skills, languages), state and queue."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self._text = ""
        self._state: str | None = None
        self._queue: str | None = None

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._text = text.strip().lower()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_state(self, state: str | None) -> None:
        self.beginFilterChange()
        self._state = state or None
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_queue(self, queue_id: str | None) -> None:
        self.beginFilterChange()
        self._queue = queue_id
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if not isinstance(model, AgentRosterModel):
            return True
        agents = model.agents()
        if not 0 <= source_row < len(agents):
            return False
        agent = agents[source_row]
        if self._state is not None and agent.state != self._state:
            return False
        if self._queue is not None and self._queue not in agent.queues:
            return False
        if self._text:
            haystack = " ".join((agent.name, agent.username, *agent.skills, *agent.languages)).lower()
            return all(word in haystack for word in self._text.split())
        return True


def _local(value: datetime) -> str:
    return time_text(value, seconds=True)
