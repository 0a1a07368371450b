"""One queue's tile on the monitor: waiting, waits, service level, abandons, agents; amber/red."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QWidget

from workstation.domain.messages import QT_TRANSLATE_NOOP  # typed (str -> str); lupdate knows the name
from workstation.domain.queue_monitor import QueueStats, format_duration
from workstation.ui.text import data_label, tooltip
from workstation.ui.theme import themed

#: The status in words: the tile's colour is never the only sign (colour-blind agents, screen readers).
STATUS_WORDS = {
    "ok": QT_TRANSLATE_NOOP("QueueTile", "on target"),
    "amber": QT_TRANSLATE_NOOP("QueueTile", "at risk"),
    "red": QT_TRANSLATE_NOOP("QueueTile", "off target"),
    "stale": QT_TRANSLATE_NOOP("QueueTile", "not live"),
}
_STYLE = {
    # status: (background, border)
    "ok": ("#ffffff", "#2e9e57"),
    "amber": ("#fff4dc", "#e09b00"),
    "red": ("#fde6e6", "#d03030"),
    "stale": ("#f0f0f0", "#9a9a9a"),
}


class QueueTile(QFrame):
    """Signals: `clicked(queue_id: str, add: bool)` (add: Ctrl held, to compare several queues)."""

    clicked = Signal(str, bool)

    def __init__(self, queue_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.queue_id = queue_id
        self.setObjectName("queueTile")
        self.setFixedSize(236, 132)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        # Reachable with Tab; Space or Enter selects it as a click does (Ctrl adds to the selection).
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.stats: QueueStats | None = None
        self.stale = False
        self.selected = False
        self.name_label = data_label()  # the queue's name is configuration data of the backend
        self.name_label.setStyleSheet(themed("font-weight: 600; font-size: 10.5pt;"))
        self.waiting_label = QLabel()
        self.waiting_label.setStyleSheet(themed("font-size: 20pt; font-weight: 600;"))
        self.waiting_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.waits_label = QLabel()
        self.level_label = QLabel()
        self.outcome_label = QLabel()
        self.agents_label = QLabel()
        layout = QGridLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setVerticalSpacing(1)
        layout.addWidget(self.name_label, 0, 0)
        layout.addWidget(self.waiting_label, 0, 1, 2, 1)
        self.status_label = QLabel()
        self.status_label.setObjectName("queueStatus")
        waiting_row = QHBoxLayout()
        waiting_row.addWidget(QLabel(self.tr("waiting")))
        waiting_row.addWidget(self.status_label, 1, Qt.AlignmentFlag.AlignRight)
        layout.addLayout(waiting_row, 1, 0)
        layout.addWidget(self.level_label, 2, 0, 1, 2)
        layout.addWidget(self.waits_label, 3, 0, 1, 2)
        layout.addWidget(self.outcome_label, 4, 0, 1, 2)
        layout.addWidget(self.agents_label, 5, 0, 1, 2)
        self._restyle()

    def set_stats(self, stats: QueueStats) -> None:
        if stats == self.stats:
            return
        self.stats = stats
        self.name_label.setText(stats.name)
        self.waiting_label.setText(str(stats.waiting))
        level = "—" if stats.service_level is None else f"{stats.service_level:.0%}"
        self.level_label.setText(
            self.tr("SL {0}  (goal {1:.0%} in {2} s)").format(level, stats.target, f"{stats.threshold_s:g}")
        )
        average = "—" if stats.avg_wait_s is None else format_duration(stats.avg_wait_s)
        self.waits_label.setText(
            self.tr("Longest {0} · Avg {1}").format(format_duration(stats.longest_wait_s), average)
        )
        expired = self.tr(" (+{0} expired)").format(stats.expired) if stats.expired else ""
        self.outcome_label.setText(
            self.tr("Answered {0} · Abandoned {1}{2}").format(stats.answered, stats.abandoned, expired)
        )
        self.agents_label.setText(
            self.tr("Agents {0} avail · {1} busy · {2} away").format(
                stats.agents_available, stats.agents_busy, stats.agents_away
            )
        )
        tip = [
            stats.name,
            self.tr("Average wait: time to answer of the contacts (chats or calls) answered in the window."),
            self.tr(
                "Service level: answered within {0} s ÷ (answered + abandoned after {0} s + expired)."
            ).format(f"{stats.threshold_s:g}"),
        ]
        if stats.status_reason:
            tip.insert(1, stats.status_reason)
        self.setToolTip(tooltip("\n".join(tip)))
        self._restyle()

    _styled: tuple[str, bool] | None = None

    def set_stale(self, stale: bool) -> None:
        if stale != self.stale:
            self.stale = stale
            self._restyle()

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self._restyle()

    @property
    def status(self) -> str:
        return "stale" if self.stale else (self.stats.status if self.stats else "ok")

    def status_text(self) -> str:
        return QCoreApplication.translate("QueueTile", STATUS_WORDS.get(self.status, STATUS_WORDS["ok"]))

    def _describe(self) -> None:
        status = self.status_text()
        self.status_label.setText(f"● {status}")
        waiting = self.stats.waiting if self.stats else 0
        name = self.stats.name if self.stats else self.queue_id
        self.setAccessibleName(self.tr("Queue {0}: {1}, {2} waiting").format(name, status, waiting))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            add = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
            self.clicked.emit(self.queue_id, add)
            event.accept()
            return
        super().keyPressEvent(event)

    def _restyle(self) -> None:
        self._describe()
        # A style sheet costs a re-polish of the tile and its labels: only when the look changes.
        look = (self.status, self.selected)
        if look == self._styled:
            return
        self._styled = look
        background, border = _STYLE[self.status]
        width = 3 if self.selected else 1
        text = "#888888" if self.stale else "#1d1d1d"
        self.setStyleSheet(
            themed(
                f"QFrame#queueTile {{ background: {background}; border: {width}px solid {border};"
                f" border-left: 6px solid {border}; border-radius: 4px; }}"
                f" QFrame#queueTile:focus {{ border: 3px solid palette(highlight); }}"
                f" QFrame#queueTile QLabel {{ color: {text}; background: transparent; border: none; }}"
            )
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            add = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
            self.clicked.emit(self.queue_id, add)
        super().mousePressEvent(event)
