"""The agent's main window: presence, menus, the offer band, conversation tabs and the status bar.

It holds no service: it is shown before they load (window-first start). Once the agent is signed in,
`workstation.ui.desk_controller.DeskController` connects the services to its widgets; what the agent
asks for here (presence, accept, wrap up) leaves the window as a signal.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from workstation.domain.presence import Presence
from workstation.services.tasks import TaskSet
from workstation.ui import desk_habits
from workstation.ui.conversation_tabs import ConversationTabs
from workstation.ui.domain_text import os_error_text
from workstation.ui.icons import app_icon
from workstation.ui.labels import STATES, term
from workstation.ui.offer_area import OfferArea
from workstation.ui.shortcuts import SHORTCUTS, describe
from workstation.ui.status_bar import StatusBar
from workstation.ui.text import data_label, plain_message_box, tooltip

if TYPE_CHECKING:
    # What the window needs at first paint is above; the services, the conversation view and the
    # dialogs (pydantic, SQLAlchemy, httpx behind them) load after it, imported where first used.
    from workstation.domain.models import Agent
    from workstation.services.diagnostics import DiagnosticsService
    from workstation.settings import Settings
    from workstation.ui.conversation_view import ConversationView
    from workstation.ui.desk_controller import DeskController
    from workstation.ui.offer_card import OfferCard
    from workstation.ui.queue_monitor import QueueMonitorView

log = logging.getLogger(__name__)

PRESENCES = (Presence.AVAILABLE, Presence.AWAY, Presence.OFFLINE)


class MainWindow(QMainWindow):
    """Signals: `preferences_changed(sound: bool, popup: bool)`, `presence_requested(Presence)`,
    `wrap_up_requested(conversation_id)`, `conversation_shown(conversation_id)` once a tab shows its
    transcript and customer context, `diagnostics_saved(path)` once a diagnostics zip is written."""

    preferences_changed = Signal(bool, bool)
    presence_requested = Signal(object)
    wrap_up_requested = Signal(str)
    diagnostics_saved = Signal(str)
    conversation_shown = Signal(str)

    def __init__(
        self, *, sound: bool = True, popup: bool = True, diagnostics: DiagnosticsService | None = None
    ) -> None:
        super().__init__()
        self.setWindowTitle(self.tr("Agent workstation"))
        self.setWindowIcon(app_icon())
        self.resize(1200, 760)
        self._tasks = TaskSet()
        #: The signed-in desk (set by DeskController); None while connecting or signed out.
        self.controller: DeskController | None = None
        #: Team leads: the queue monitor in place of the conversations.
        self.monitor_view: QueueMonitorView | None = None
        #: Help ▸ Save diagnostics and File ▸ Settings, set once they loaded (after the first paint).
        self.diagnostics = diagnostics
        self.settings_store: Settings | None = None
        self._sound, self._popup = sound, popup
        #: Writes waiting in the outbox; quitting asks when there are any, and after the agent said yes.
        self.pending_writes = 0
        self.quit_confirmed = False
        #: What screen readers were last told (tests read it; Qt gives no way to listen).
        self.last_announcement = ""

        self._build_toolbar()
        self.offer_area = OfferArea()
        self.conversations = ConversationTabs()
        self.tabs = self.conversations.tabs
        self.stack = QStackedWidget()
        self.stack.addWidget(self.conversations)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.offer_area)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.status = StatusBar()
        self.setStatusBar(self.status)
        self.connection_label = self.status.connection_label
        self.conflicts_button = self.status.conflicts_button
        self._build_menus()

    @property
    def views(self) -> dict[str, ConversationView]:
        """The open conversations' tabs by conversation id."""
        return self.conversations.views

    @property
    def offer_cards(self) -> dict[str, OfferCard]:
        return self.offer_area.cards

    # --- construction ----------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        toolbar = QToolBar(self.tr("Presence"))
        toolbar.setObjectName("presenceToolbar")
        toolbar.setMovable(False)
        toolbar.addWidget(QLabel(self.tr(" Presence: ")))
        self.presence_combo = QComboBox()
        self.presence_combo.setObjectName("presence")
        for presence in PRESENCES:
            self.presence_combo.addItem(term(STATES, presence.value), presence.value)
        self.presence_combo.setCurrentIndex(2)
        self.presence_combo.setEnabled(False)
        self.presence_combo.activated.connect(self._on_presence_combo_activated)
        toolbar.addWidget(self.presence_combo)
        self.agent_label = data_label()
        toolbar.addSeparator()
        toolbar.addWidget(self.agent_label)
        self.addToolBar(toolbar)

    def _action(self, name: str, text: str, slot: object, *, menu: object) -> QAction:
        action = QAction(text, self)
        keys = [k for k in SHORTCUTS.get(name, ((), ""))[0] if "…" not in k and k != "Return"]
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        menu.addAction(action)  # type: ignore[attr-defined]
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        self.sound_action = QAction(self.tr("Play a sound for new offers"), self, checkable=True)
        self.sound_action.setChecked(self._sound)
        self.popup_action = QAction(self.tr("Desktop notification for new offers"), self, checkable=True)
        self.popup_action.setChecked(self._popup)
        for action in (self.sound_action, self.popup_action):
            action.toggled.connect(self._on_preference_toggled)
            file_menu.addAction(action)
        settings_action = QAction(self.tr("&Settings…"), self)
        settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        settings_action.triggered.connect(self.open_settings)
        file_menu.addAction(settings_action)
        file_menu.addSeparator()
        quit_action = QAction(self.tr("&Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        work = bar.addMenu(self.tr("&Conversation"))
        self.accept_action = self._action(
            "accept_offer", self.tr("&Accept offer"), self.accept_oldest_offer, menu=work
        )
        self.reject_action = self._action(
            "reject_offer", self.tr("&Decline offer"), self.reject_oldest_offer, menu=work
        )
        work.addSeparator()
        self._action("focus_reply", self.tr("&Reply"), self.focus_reply, menu=work)
        self.wrap_up_action = self._action(
            "wrap_up", self.tr("&Close and wrap up…"), self.wrap_up_current, menu=work
        )
        work.addSeparator()
        self._action(
            "next_conversation", self.tr("&Next conversation"), lambda: self.conversations.step(1), menu=work
        )
        self._action(
            "previous_conversation",
            self.tr("&Previous conversation"),
            lambda: self.conversations.step(-1),
            menu=work,
        )
        for n in range(1, 10):
            action = QAction(self)
            action.setShortcut(QKeySequence(f"Alt+{n}"))
            action.triggered.connect(lambda _=False, i=n - 1: self.conversations.go(i))
            self.addAction(action)

        presence = bar.addMenu(self.tr("&Presence"))
        for name, value in (
            ("available", Presence.AVAILABLE),
            ("away", Presence.AWAY),
            ("offline", Presence.OFFLINE),
        ):
            self._action(
                name,
                term(STATES, value.value),
                lambda _=False, v=value: self.set_presence(v),
                menu=presence,
            )

        help_menu = bar.addMenu(self.tr("&Help"))
        self._action("shortcuts", self.tr("&Keyboard shortcuts"), self.show_shortcuts, menu=help_menu)
        self.diagnostics_action = QAction(self.tr("Save &diagnostics…"), self)
        self.diagnostics_action.setToolTip(
            self.tr(
                "A zip file for IT support: logs, versions and configuration, without tokens or customer data"
            )
        )
        self.diagnostics_action.setEnabled(self.diagnostics is not None)
        self.diagnostics_action.triggered.connect(self.save_diagnostics)
        help_menu.addAction(self.diagnostics_action)
        help_menu.addSeparator()
        about = QAction(self.tr("&About"), self)
        about.triggered.connect(self._on_about_triggered)
        help_menu.addAction(about)

    # --- what the signed-in desk shows -----------------------------------------------------------

    def set_diagnostics(self, diagnostics: DiagnosticsService) -> None:
        """Help > Save diagnostics, once the service exists (it loads after the first paint)."""
        self.diagnostics = diagnostics
        self.diagnostics_action.setEnabled(True)

    def show_agent(self, agent: Agent | None, presence: str) -> None:
        """Signed in: who, and the presence control usable."""
        if agent is not None:
            self.agent_label.setText(f"  {agent.name} ({agent.username})")
        self.presence_combo.setEnabled(True)
        self.show_presence(presence)

    def show_presence(self, value: str, reason: str = "") -> None:
        index = self.presence_combo.findData(value)
        if index >= 0:
            self.presence_combo.setCurrentIndex(index)
        self.conversations.show_presence(value)
        if reason == "missed_offer":
            self.status.showMessage(self.tr("You missed an offer and were set to Away."), 15_000)
        elif reason.startswith("team_lead:"):
            state = term(STATES, value)
            who = reason.split(":", 1)[1]
            self.status.showMessage(
                self.tr("Your team lead ({0}) set you to {1}.").format(who, state), 30_000
            )

    # --- what the agent asks for (the desk controller acts on it) --------------------------------

    def set_presence(self, presence: Presence) -> None:
        self.presence_requested.emit(presence)

    def _on_presence_combo_activated(self, index: int) -> None:
        self.set_presence(Presence(self.presence_combo.itemData(index)))

    def accept_offer(self, offer_id: str) -> None:
        self.offer_area.accept_requested.emit(offer_id)

    def accept_oldest_offer(self) -> None:
        self.offer_area.accept_oldest()

    def reject_oldest_offer(self) -> None:
        self.offer_area.reject_oldest()

    def current_view(self) -> ConversationView | None:
        return self.conversations.current()

    def focus_reply(self) -> None:
        self.conversations.focus_reply()

    def wrap_up_current(self) -> None:
        view = self.current_view()
        if view is not None:
            self.wrap_up_requested.emit(view.conversation.id)

    # --- misc ------------------------------------------------------------------------------------

    def _on_preference_toggled(self, _checked: bool) -> None:
        sound, popup = self.sound_action.isChecked(), self.popup_action.isChecked()
        self.preferences_changed.emit(sound, popup)

    def show_shortcuts(self) -> None:
        self.shortcuts_table = QTableWidget(len(SHORTCUTS), 2)
        self.shortcuts_table.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.shortcuts_table.setHorizontalHeaderLabels([self.tr("Keys"), self.tr("Action")])
        for row, (name, (keys, _text)) in enumerate(SHORTCUTS.items()):
            self.shortcuts_table.setItem(row, 0, QTableWidgetItem(", ".join(keys)))
            self.shortcuts_table.setItem(row, 1, QTableWidgetItem(describe(name)))
        self.shortcuts_table.resizeColumnsToContents()
        self.shortcuts_table.horizontalHeader().setStretchLastSection(True)
        self.shortcuts_table.verticalHeader().hide()
        self.shortcuts_table.resize(520, 420)
        self.shortcuts_table.setWindowFlag(Qt.WindowType.Tool)
        self.shortcuts_table.show()

    def show_configuration_problems(self, problems: list[str]) -> None:
        """Configuration files with problems: the app runs on without the bad values; say so."""
        first = (
            problems[0]
            if len(problems) == 1
            else self.tr("{0} (and {1} more)").format(problems[0], len(problems) - 1)
        )
        self.status.showMessage(self.tr("Configuration problem: {0}").format(first), 30_000)
        self.status.setToolTip(tooltip("\n".join(problems)))

    def save_diagnostics(self) -> None:
        """Ask where to save (a non-modal dialog: no nested event loop), then write in the background."""
        if self.diagnostics is None:
            return
        start = Path(
            QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or Path.home()
        )
        dialog = QFileDialog(self, self.tr("Save diagnostics"), str(start / self.diagnostics.default_name()))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter(self.tr("Zip archives (*.zip)"))
        dialog.setDefaultSuffix("zip")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(
            lambda path: self._tasks.start(self._write_diagnostics(Path(path)), "diagnostics")
        )
        self.diagnostics_dialog = dialog
        dialog.open()

    async def _write_diagnostics(self, target: Path) -> None:
        assert self.diagnostics is not None
        self.diagnostics_action.setEnabled(False)
        try:
            written = await self.diagnostics.save(target)
        except OSError as exc:
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                self.tr("Save diagnostics"),
                self.tr("The diagnostics could not be saved to {0}: {1}").format(target, os_error_text(exc)),
                parent=self,
            )
            plain_message_box(box)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
            return
        finally:
            self.diagnostics_action.setEnabled(True)
        self.status.showMessage(self.tr("Diagnostics saved to {0}").format(written), 15_000)
        self.diagnostics_saved.emit(str(written))

    def _on_about_triggered(self) -> None:
        from workstation.ui.about_dialog import AboutDialog

        self.about_dialog = AboutDialog(self)
        self.about_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.about_dialog.open()

    def open_settings(self) -> None:
        """File ▸ Settings: needs the user's settings file (`settings_store`, set by the app)."""
        from workstation.ui.settings_dialog import SettingsDialog

        if self.settings_store is None:
            self.status.showMessage(self.tr("Settings are not available in this session."), 10_000)
            return
        current = {
            "language": "system",
            "server_url": "",
            "proxy": "none",
            **self.settings_store.values,
            "offer_sound": self.sound_action.isChecked(),
            "offer_popup": self.popup_action.isChecked(),
        }
        dialog = SettingsDialog(self.settings_store, current, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.settings_dialog = dialog

        def saved() -> None:
            chosen = dialog.values()
            self.sound_action.setChecked(chosen["offer_sound"])
            self.popup_action.setChecked(chosen["offer_popup"])
            if dialog.needs_restart():
                self.status.showMessage(
                    self.tr("Saved. Language and server change at the next start."), 30_000
                )

        dialog.accepted.connect(saved)
        dialog.open()

    def show_monitor(self, view: QueueMonitorView) -> None:
        """Team leads: the queue monitor takes the conversation area (the router offers them no chats)."""
        self.monitor_view = view
        self.presence_combo.setEnabled(False)  # nothing is routed to team leads
        self.stack.addWidget(view)
        self.stack.setCurrentWidget(view)
        self.setWindowTitle(self.tr("Queue monitor — Agent workstation"))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.offer_cards:
            self.offer_area.fit(self.height())

    def closeEvent(self, event: QCloseEvent) -> None:
        desk_habits.confirm_quit(self, event)

    async def shutdown(self) -> None:
        self.quit_confirmed = True  # the app is ending: no more questions
        if self.controller is not None:
            await self.controller.shutdown()
        if self.monitor_view is not None:
            await self.monitor_view.shutdown()
        await self._tasks.cancel_all()
