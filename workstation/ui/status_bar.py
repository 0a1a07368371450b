"""The main window's status bar: connection state, writes waiting in the outbox, conflicts to decide."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QLabel, QPushButton, QStatusBar

from workstation.ui.domain_text import render
from workstation.ui.language import time_text
from workstation.ui.text import data_label
from workstation.ui.theme import themed

ONLINE_STYLE = "color: #1b7f3b;"
PROBLEM_STYLE = "color: #b00020;"


class StatusBar(QStatusBar):
    """Permanent widgets on the right (connection, outbox, conflicts); `showMessage` for the passing
    notes. `conflicts_button.clicked` asks the window to open the next conflict."""

    def __init__(self) -> None:
        super().__init__()
        self.connection_label = data_label(self.tr("Starting…"))  # may carry the backend's reason
        self.connection_label.setObjectName("connection")
        self.outbox_label = QLabel()
        self.conflicts_button = QPushButton()
        self.conflicts_button.setObjectName("conflicts")
        self.conflicts_button.setFlat(True)
        self.conflicts_button.setStyleSheet(themed(f"{PROBLEM_STYLE} font-weight: bold;"))
        self.conflicts_button.setToolTip(
            self.tr("Changes someone else made at the same time: choose what to keep")
        )
        self.conflicts_button.hide()
        self.addPermanentWidget(self.conflicts_button)
        self.addPermanentWidget(self.outbox_label)
        self.addPermanentWidget(self.connection_label)

    def show_state(self, text: str) -> None:
        """A step of starting or signing in ("Connecting…", "Updating your offline data…")."""
        self.connection_label.setText(text)

    def show_online(self) -> None:
        self.connection_label.setText(self.tr("● Online"))
        self.connection_label.setStyleSheet(themed(ONLINE_STYLE))
        self.connection_label.setToolTip("")

    def show_offline(self, since: datetime | None) -> None:
        when = time_text(since) if since else "?"
        self.connection_label.setText(self.tr("● Offline since {0} — reconnecting").format(when))
        self.connection_label.setToolTip(
            self.tr(
                "The backend cannot be reached. Everything cached stays usable; what you write is saved "
                "here and sent when the connection is back."
            )
        )
        self.connection_label.setStyleSheet(themed(PROBLEM_STYLE))

    def show_signed_out(self, reason: str) -> None:
        self.connection_label.setText(self.tr("● Signed out: {0}").format(render(reason)))
        self.connection_label.setStyleSheet(themed(PROBLEM_STYLE))

    def show_outbox(self, pending: int) -> None:
        self.outbox_label.setText(self.tr("%n change(s) waiting to be sent", "", pending) if pending else "")

    def show_conflicts(self, count: int) -> None:
        self.conflicts_button.setText(self.tr("⚠ %n change(s) need your decision", "", count))
        self.conflicts_button.setVisible(count > 0)
        if count:
            self.showMessage(
                self.tr("Someone else changed a record you edited. Click the red note to decide."), 15_000
            )
