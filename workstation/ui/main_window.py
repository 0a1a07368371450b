"""The agent's main window: presence, incoming offers, conversation tabs, connection state."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtGui import (
    QAccessible,
    QAccessibleAnnouncementEvent,
    QAction,
    QCloseEvent,
    QKeySequence,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from workstation.domain.presence import Presence
from workstation.services.tasks import TaskSet
from workstation.ui import desk_habits
from workstation.ui.icons import app_icon
from workstation.ui.labels import STATES, term
from workstation.ui.language import datetime_text, time_text
from workstation.ui.shortcuts import SHORTCUTS, describe
from workstation.ui.text import data_label, mnemonic_free, plain_message_box, tooltip
from workstation.ui.theme import themed

if TYPE_CHECKING:
    # What the window needs at first paint is above; the services, the conversation view and the
    # dialogs (pydantic, SQLAlchemy, httpx behind them) load after it, imported where first used.
    from workstation.domain.cobrowse import CobrowseStatus
    from workstation.domain.models import Conversation, TimelineEvent, TranscriptEntry
    from workstation.domain.relevance import Card
    from workstation.domain.voice import CallInfo
    from workstation.services.cobrowse import CobrowseService
    from workstation.services.conversation import ConversationReady, ConversationService
    from workstation.services.customer_context import CustomerContext, CustomerContextService
    from workstation.services.diagnostics import DiagnosticsService
    from workstation.services.inbox import InboxService, PendingOffer
    from workstation.services.records import Conflict, RecordsService
    from workstation.services.relevance import RelevanceService
    from workstation.services.session import SessionService
    from workstation.services.sync import SyncService
    from workstation.services.voice import VoiceService
    from workstation.settings import Settings
    from workstation.ui.conflict_dialog import ConflictDialog
    from workstation.ui.conversation_view import ConversationView
    from workstation.ui.customer_edit_dialog import CustomerEditDialog
    from workstation.ui.notifier import Notifier
    from workstation.ui.offer_card import OfferCard

log = logging.getLogger(__name__)

#: How many offer cards show at once before the offer band scrolls.
MAX_OFFERS_SHOWN = 2.2
PRESENCES = (Presence.AVAILABLE, Presence.AWAY, Presence.OFFLINE)


class MainWindow(QMainWindow):
    """Signals: `preferences_changed(sound: bool, popup: bool)`, `quit_requested()`,
    `conversation_shown(conversation_id)` once a tab shows its transcript and customer context,
    `diagnostics_saved(path)` once a diagnostics zip is written."""

    preferences_changed = Signal(bool, bool)
    diagnostics_saved = Signal(str)
    conversation_shown = Signal(str)

    def __init__(
        self, *, sound: bool = True, popup: bool = True, diagnostics: DiagnosticsService | None = None
    ) -> None:
        super().__init__()
        self.diagnostics = diagnostics
        self.setWindowTitle(self.tr("Agent workstation"))
        self.setWindowIcon(app_icon())
        self.resize(1200, 760)
        self._tasks = TaskSet()
        self.session: SessionService | None = None
        self.inbox: InboxService | None = None
        self.context: CustomerContextService | None = None
        self.relevance: RelevanceService | None = None
        self.cobrowse: CobrowseService | None = None
        self.records: RecordsService | None = None
        self.sync: SyncService | None = None
        self.conflict_dialog: ConflictDialog | None = None
        self.customer_dialog: CustomerEditDialog | None = None
        self.views: dict[str, ConversationView] = {}
        #: tabs built while the conversation service reads their conversation (shown once ready)
        self._opening: dict[str, ConversationView] = {}
        self._select_when_shown: set[str] = set()
        self.offer_cards: dict[str, OfferCard] = {}
        self.voice: VoiceService | None = None
        self.notifier: Notifier | None = None
        self._sound, self._popup = sound, popup
        #: The user's settings file, for File ▸ Settings (the app sets it; tests may leave it None).
        self.settings_store: Settings | None = None
        #: Writes waiting in the outbox; quitting asks when there are any, and after the agent said yes.
        self.pending_writes = 0
        self.quit_confirmed = False
        #: What screen readers were last told (tests read it; Qt gives no way to listen).
        self.last_announcement = ""

        self._build_toolbar()
        self.offer_area = QWidget()
        self.offer_area.setObjectName("offerArea")
        self.offer_layout = QVBoxLayout(self.offer_area)
        self.offer_layout.setContentsMargins(6, 6, 6, 0)
        self.offer_layout.setSpacing(4)
        # Several offers at once stay in a band of at most ~2 cards (it scrolls beyond): the open
        # conversation keeps its rows even in a 1200×760 window.
        self.offer_scroll = QScrollArea()
        self.offer_scroll.setObjectName("offerScroll")
        self.offer_scroll.setWidgetResizable(True)
        self.offer_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.offer_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.offer_scroll.setWidget(self.offer_area)
        self.offer_scroll.hide()

        self.tabs = QTabWidget()
        self.tabs.setObjectName("conversations")
        self.tabs.setDocumentMode(True)
        self.tabs.setMovable(True)
        self.empty_label = QLabel()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._update_empty_text(Presence.OFFLINE.value)
        self.empty_label.setStyleSheet(themed("color: #666; font-size: 13pt;"))
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(self.tabs)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.offer_scroll)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.connection_label = data_label(self.tr("Starting…"))  # may carry the backend's reason
        self.connection_label.setObjectName("connection")
        self.outbox_label = QLabel()
        self.conflicts_button = QPushButton()
        self.conflicts_button.setObjectName("conflicts")
        self.conflicts_button.setFlat(True)
        self.conflicts_button.setStyleSheet(themed("color: #b00020; font-weight: bold;"))
        self.conflicts_button.setToolTip(
            self.tr("Changes someone else made at the same time: choose what to keep")
        )
        self.conflicts_button.clicked.connect(self.resolve_next_conflict)
        self.conflicts_button.hide()
        self.statusBar().addPermanentWidget(self.conflicts_button)
        self.statusBar().addPermanentWidget(self.outbox_label)
        self.statusBar().addPermanentWidget(self.connection_label)
        self._build_menus()

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
        self._action("next_conversation", self.tr("&Next conversation"), lambda: self._step_tab(1), menu=work)
        self._action(
            "previous_conversation", self.tr("&Previous conversation"), lambda: self._step_tab(-1), menu=work
        )
        for n in range(1, 10):
            action = QAction(self)
            action.setShortcut(QKeySequence(f"Alt+{n}"))
            action.triggered.connect(lambda _=False, i=n - 1: self._go_tab(i))
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

    # --- wiring ----------------------------------------------------------------------------------

    def set_diagnostics(self, diagnostics: DiagnosticsService) -> None:
        """Help > Save diagnostics, once the service exists (it loads after the first paint)."""
        self.diagnostics = diagnostics
        self.diagnostics_action.setEnabled(True)

    def bind(
        self,
        session: SessionService,
        inbox: InboxService,
        context: CustomerContextService,
        sync: SyncService,
        notifier: Notifier,
        relevance: RelevanceService | None = None,
        cobrowse: CobrowseService | None = None,
        records: RecordsService | None = None,
        conversations: ConversationService | None = None,
    ) -> None:
        """`conversations` opens the tabs (nothing opens without it)."""
        self.session, self.inbox, self.context, self.sync, self.notifier = (
            session,
            inbox,
            context,
            sync,
            notifier,
        )
        self.relevance = relevance
        self.records = records
        agent = session.agent
        if agent is not None:
            self.agent_label.setText(f"  {agent.name} ({agent.username})")
        self.presence_combo.setEnabled(True)
        self._show_presence(session.presence.value)
        if notifier.tray_available:
            notifier.set_tray_menu(desk_habits.tray_menu(self))
        self._update_empty_text(session.presence.value)
        session.presence_changed.connect(self._on_session_presence_changed)
        session.keychain_problem.connect(self._on_session_keychain_problem)
        inbox.offer_received.connect(self._on_inbox_offer_received)
        inbox.offer_removed.connect(self._on_inbox_offer_removed)
        if conversations is not None:
            conversations.conversation_opening.connect(self._on_conversations_conversation_opening)
            conversations.conversation_ready.connect(self._on_conversations_conversation_ready)
            conversations.conversation_failed.connect(self._on_conversations_conversation_failed)
        inbox.conversation_closed.connect(self._on_inbox_conversation_closed)
        inbox.transcript_updated.connect(self._on_inbox_transcript_updated)
        inbox.write_refused.connect(self._on_inbox_write_refused)
        context.context_refreshed.connect(self._on_context_refreshed)
        context.events_added.connect(self._on_context_events_added)
        context.history_loaded.connect(self._on_context_history_loaded)
        context.history_failed.connect(self._on_context_history_failed)
        sync.connection_changed.connect(self._on_sync_connection_changed)
        sync.frame_skipped.connect(self._on_sync_frame_skipped)
        sync.outbox_changed.connect(self._on_sync_outbox_changed)
        sync.session_rejected.connect(self._on_sync_session_rejected)
        if relevance is not None:
            inbox.transcript_updated.connect(relevance.on_transcript_updated)
            relevance.ranking_changed.connect(self._on_relevance_ranking_changed)
        self.cobrowse = cobrowse
        if cobrowse is not None:
            cobrowse.status_changed.connect(self._on_cobrowse_status_changed)
        if records is not None:
            records.customer_changed.connect(self._on_records_customer_changed)
            records.notes_changed.connect(self._on_records_notes_changed)
            records.conflicts_changed.connect(self._on_records_conflicts_changed)
            self._on_records_conflicts_changed(len(records.conflicts()))
        self._on_sync_connection_changed(sync.online, "")

    def bind_voice(self, voice: VoiceService) -> None:
        """Calls: the softphone's state in the status bar, the caller's number on the offer card,
        a call panel above each call's tab (workstation.ui.call_panel)."""
        self.voice = voice
        voice.phone_changed.connect(lambda _ready, text: self.statusBar().showMessage(text, 15_000))
        voice.call_offered.connect(self._on_voice_call_offered)
        self._tasks.start(voice.start(), "softphone")

    def _on_voice_call_offered(self, offer_id: str, info: CallInfo) -> None:
        card = self.offer_cards.get(offer_id)
        if card is not None:
            card.show_call(info)

    # --- presence --------------------------------------------------------------------------------

    def set_presence(self, presence: Presence) -> None:
        if self.inbox is not None:
            self.inbox.set_presence(presence)

    def _on_presence_combo_activated(self, index: int) -> None:
        self.set_presence(Presence(self.presence_combo.itemData(index)))

    def _show_presence(self, value: str) -> None:
        index = self.presence_combo.findData(value)
        if index >= 0:
            self.presence_combo.setCurrentIndex(index)

    def _on_session_presence_changed(self, value: str, reason: str) -> None:
        self._show_presence(value)
        self._update_empty_text(value)
        if reason == "missed_offer":
            self.statusBar().showMessage(self.tr("You missed an offer and were set to Away."), 15_000)
        elif reason.startswith("team_lead:"):
            state = term(STATES, value)
            who = reason.split(":", 1)[1]
            self.statusBar().showMessage(
                self.tr("Your team lead ({0}) set you to {1}.").format(who, state), 30_000
            )

    def _update_empty_text(self, presence: str) -> None:
        if presence == Presence.AVAILABLE.value:
            text = self.tr("No open conversations.\nNew chats are offered here as they arrive.")
        else:
            text = self.tr("No open conversations.\nSet yourself Available (Ctrl+1) to receive chats.")
        self.empty_label.setText(text)

    def _on_session_keychain_problem(self, message: str) -> None:
        self.statusBar().showMessage(message, 30_000)

    # --- offers ----------------------------------------------------------------------------------

    def _on_inbox_offer_received(self, pending: PendingOffer) -> None:
        from workstation.ui.offer_card import OfferCard

        card = OfferCard(pending, self.offer_area)
        card.accept_clicked.connect(self.accept_offer)
        card.reject_clicked.connect(self.reject_offer)
        self.offer_cards[pending.offer.id] = card
        self.offer_layout.addWidget(card)
        self._fit_offers()
        # Screen readers say it, whatever has the focus (the agent may be typing in another chat).
        announcement = self.tr("New chat offered: {0}").format(pending.offer.customer.name)
        QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(card, announcement))
        self.last_announcement = announcement
        if self.notifier is not None:
            self.notifier.notify_offer(pending.offer)

    def _fit_offers(self) -> None:
        """Show the offer band as tall as its cards, but never more than ~2 cards or a third of the
        window: more offers scroll inside it."""
        cards = list(self.offer_cards.values())
        visible = bool(self.offer_cards)
        self.offer_area.setVisible(visible)
        self.offer_scroll.setVisible(visible)
        if not visible:
            return
        card_height = max((c.sizeHint().height() for c in cards), default=80)
        margins = self.offer_layout.contentsMargins()
        spacing = self.offer_layout.spacing()
        content = sum(c.sizeHint().height() + spacing for c in cards) + margins.top() + margins.bottom()
        limit = min(int(card_height * MAX_OFFERS_SHOWN + 12), self.height() // 3)
        self.offer_scroll.setFixedHeight(max(min(content, limit), card_height + 8))

    def _on_inbox_offer_removed(self, offer_id: str, reason: str) -> None:
        card = self.offer_cards.pop(offer_id, None)
        if card is not None:
            card.deleteLater()
        self._fit_offers()
        if reason == "timed_out":
            self.statusBar().showMessage(self.tr("An offer timed out and went back to the queue."), 10_000)

    def _oldest_offer(self) -> str | None:
        if not self.offer_cards:
            return None
        return min(self.offer_cards.values(), key=lambda c: c.pending.deadline).pending.offer.id

    def accept_oldest_offer(self) -> None:
        offer_id = self._oldest_offer()
        if offer_id:
            self.accept_offer(offer_id)

    def reject_oldest_offer(self) -> None:
        offer_id = self._oldest_offer()
        if offer_id:
            self.reject_offer(offer_id)

    def accept_offer(self, offer_id: str) -> None:
        if self.inbox is not None:
            self._tasks.start(self._accept(offer_id), "accept-offer")

    def reject_offer(self, offer_id: str) -> None:
        if self.inbox is not None:
            self._tasks.start(self._reject(offer_id), "reject-offer")

    async def _accept(self, offer_id: str) -> None:
        from workstation.services.inbox import InboxError

        assert self.inbox is not None
        card = self.offer_cards.get(offer_id)
        if card is not None:
            card.set_busy(True)
        try:
            conv = await self.inbox.accept(offer_id)
        except InboxError as exc:
            self.statusBar().showMessage(self.tr("Could not accept: {0}").format(exc), 10_000)
            if card is not None and offer_id in self.offer_cards:
                card.set_busy(False)
            return
        if conv.id in self.views:
            self._select(conv.id)
        else:
            self._select_when_shown.add(conv.id)  # its tab shows once the cache was read

    async def _reject(self, offer_id: str) -> None:
        from workstation.services.inbox import InboxError

        assert self.inbox is not None
        try:
            await self.inbox.reject(offer_id)
        except InboxError as exc:
            self.statusBar().showMessage(str(exc), 10_000)

    # --- conversations ---------------------------------------------------------------------------

    def _on_conversations_conversation_opening(self, conv: Conversation) -> None:
        """Build the tab's widgets while the reader thread reads the cache; shown once ready."""
        from workstation.ui.conversation_view import ConversationView

        if conv.id in self.views or conv.id in self._opening or self.context is None:
            return
        view = ConversationView(conv)
        view.reply_submitted.connect(self._on_view_reply_submitted)
        view.card_accepted.connect(self._on_view_card_accepted)
        view.card_dismissed.connect(self._on_view_card_dismissed)
        view.older_history_requested.connect(self._on_view_older_history_requested)
        view.transcript_requested.connect(self._on_view_transcript_requested)
        view.bind_history(self.context, load=False)  # the first page comes with conversation_ready
        view.cobrowse_invite_requested.connect(self._on_view_cobrowse_invite_requested)
        view.customer_edit_requested.connect(self.edit_customer)
        view.note_added.connect(self._on_view_note_added)
        view.note_edited.connect(self._on_view_note_edited)
        self._opening[conv.id] = view

    def _on_conversations_conversation_ready(self, ready: ConversationReady) -> None:
        """Paint what the conversation service read (the cache first; its refresh follows)."""
        view = self._opening.pop(ready.conversation.id, None)
        if view is None:
            return
        view.show_transcript(ready.transcript)
        if ready.later:
            view.add_transcript(ready.later)
        text, stale = self._freshness(ready.context)
        view.show_opened(ready.context, text, ready.history)
        view.customer_header.set_stale(stale)
        if ready.contact is not None:
            view.show_contact(ready.contact)
        if ready.notes is not None:
            view.show_notes(ready.notes)
        view.show_ranking(ready.ranking)
        self._show_tab(view)

    def _on_conversations_conversation_failed(self, conversation_id: str, reason: str) -> None:
        """The cache could not be read: the tab still opens (the agent can answer), and says why."""
        view = self._opening.pop(conversation_id, None)
        if view is None:
            return
        self.statusBar().showMessage(
            self.tr("This conversation's history could not be read from the local cache: {0}").format(reason),
            15_000,
        )
        self._show_tab(view)

    def _show_tab(self, view: ConversationView) -> None:
        conv = view.conversation
        self.views[conv.id] = view
        if conv.channel == "voice" and self.voice is not None:
            from workstation.ui.call_panel import CallPanel

            view.layout().insertWidget(0, CallPanel(self.voice, conv.id, view))
        index = self.tabs.addTab(view, mnemonic_free(conv.customer.name))
        self.tabs.setTabToolTip(index, tooltip(f"{conv.channel} · {conv.topic or ''}"))
        self.stack.setCurrentWidget(self.tabs)
        if self.tabs.count() == 1:
            self.tabs.setCurrentIndex(0)
            view.focus_reply()
        if conv.id in self._select_when_shown:
            self._select_when_shown.discard(conv.id)
            self._select(conv.id)
        self.conversation_shown.emit(conv.id)

    def _on_inbox_conversation_closed(self, conversation_id: str) -> None:
        if self.relevance is not None:
            self.relevance.forget(conversation_id)
        if self.cobrowse is not None:
            self.cobrowse.forget(conversation_id)
        self._select_when_shown.discard(conversation_id)
        opening = self._opening.pop(conversation_id, None)
        if opening is not None:
            opening.deleteLater()
        view = self.views.pop(conversation_id, None)
        if view is None:
            return
        self.tabs.removeTab(self.tabs.indexOf(view))
        view.deleteLater()
        if not self.views:
            self.stack.setCurrentWidget(self.empty_label)
        elif self.tabs.currentWidget() is not None:
            self.tabs.currentWidget().setFocus()

    def _on_inbox_transcript_updated(self, conversation_id: str, entries: list[TranscriptEntry]) -> None:
        view = self.views.get(conversation_id)
        if view is not None:
            view.add_transcript(entries)

    def _on_inbox_write_refused(self, message: str) -> None:
        # open(), not exec(): a nested event loop would stall the qasync loop.
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Not delivered"), message, parent=self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.refusal_box = box

    def _on_view_reply_submitted(self, conversation_id: str, text: str) -> None:
        from workstation.services.inbox import InboxError

        if self.inbox is None:
            return
        try:
            self.inbox.send(conversation_id, text)
        except InboxError as exc:
            self.statusBar().showMessage(str(exc), 5_000)

    def _on_context_refreshed(self, customer_id: str) -> None:
        if self.context is None:
            return
        context = self.context.cached(customer_id)
        stamp = time_text(datetime.now(), seconds=True)
        for view in self.views.values():
            if view.conversation.customer.id == customer_id:
                view.show_context(context, self.tr("Updated {0}").format(stamp))
                if self.records is not None:
                    view.show_contact(self.records.customer(customer_id))
                    view.show_notes(self.records.notes(customer_id))

    def _freshness(self, context: CustomerContext) -> tuple[str, bool]:
        """What the header says about the age of the customer data, and whether it may be stale."""
        as_of = datetime_text(context.fetched_at) if context.fetched_at else None
        if self.sync is not None and self.sync.online:
            if as_of is None:
                return self.tr("Loading from the backend…"), False
            return self.tr("From the local cache (as of {0}), refreshing…").format(as_of), False
        since = self.sync.offline_since if self.sync else None
        when = time_text(since) if since else "?"
        if as_of is None:
            return self.tr("⚠ Offline since {0}: nothing cached for this customer yet").format(when), True
        return self.tr("⚠ Offline since {0}: shown as of {1}, may be out of date").format(when, as_of), True

    # --- records the agent edits (contact details, notes) ------------------------------------------

    def _on_records_customer_changed(self, customer_id: str) -> None:
        if self.records is None:
            return
        view_model = self.records.customer(customer_id)
        for view in self._views_of(customer_id):
            view.show_contact(view_model)
            if view_model.customer is not None:
                view.customer_header.show_customer(view.conversation.customer.name, view_model.customer)

    def _on_records_notes_changed(self, customer_id: str) -> None:
        if self.records is None:
            return
        notes = self.records.notes(customer_id)
        for view in self._views_of(customer_id):
            view.show_notes(notes)

    def _on_records_conflicts_changed(self, count: int) -> None:
        self.conflicts_button.setText(self.tr("⚠ %n change(s) need your decision", "", count))
        self.conflicts_button.setVisible(count > 0)
        if count:
            self.statusBar().showMessage(
                self.tr("Someone else changed a record you edited. Click the red note to decide."), 15_000
            )

    def _on_view_note_added(self, customer_id: str, text: str) -> None:
        from workstation.services.records import RecordsError

        if self.records is None:
            return
        try:
            self.records.add_note(customer_id, text)
        except RecordsError as exc:
            self.statusBar().showMessage(str(exc), 10_000)

    def _on_view_note_edited(self, customer_id: str, note_id: str, text: str) -> None:
        from workstation.services.records import RecordsError

        if self.records is None:
            return
        try:
            self.records.edit_note(customer_id, note_id, text)
        except RecordsError as exc:
            self.statusBar().showMessage(str(exc), 10_000)

    def edit_customer(self, customer_id: str) -> None:
        if self.records is not None and self.customer_dialog is None:
            self._tasks.start(self._edit_customer(customer_id), "edit-customer")

    async def _edit_customer(self, customer_id: str) -> None:
        from workstation.services.records import RecordsError
        from workstation.ui.customer_edit_dialog import CustomerEditDialog

        assert self.records is not None
        current = self.records.customer(customer_id)
        if current.customer is None:
            return
        values = {field: current.value(field) for field in ("email", "phone", "company")}
        self.customer_dialog = CustomerEditDialog(current.customer.name, values, self)
        try:
            chosen = await self.customer_dialog.chosen()
        finally:
            self.customer_dialog.deleteLater()
            self.customer_dialog = None
        if chosen is None:
            return
        try:
            self.records.edit_customer(customer_id, {k: v or None for k, v in chosen.items()})
        except RecordsError as exc:
            self.statusBar().showMessage(str(exc), 10_000)

    def resolve_next_conflict(self) -> None:
        if self.records is None or self.conflict_dialog is not None:
            return
        conflicts = self.records.conflicts()
        if conflicts:
            self._tasks.start(self._resolve(conflicts[0]), "resolve-conflict")

    async def _resolve(self, conflict: Conflict) -> None:
        from workstation.ui.conflict_dialog import ConflictDialog

        assert self.records is not None
        cached = self.context.cached(conflict.customer_id) if self.context else None
        name = cached.customer.name if cached and cached.customer else conflict.customer_id
        self.conflict_dialog = ConflictDialog(conflict, name, self)
        try:
            choices = await self.conflict_dialog.chosen()
        finally:
            self.conflict_dialog.deleteLater()
            self.conflict_dialog = None
        if choices is not None:
            self.records.decide(conflict, choices)

    def _on_context_events_added(self, customer_id: str, events: list[TimelineEvent]) -> None:
        for view in self.views.values():
            if view.conversation.customer.id == customer_id:
                view.add_timeline(events)

    def _views_of(self, customer_id: str) -> list[ConversationView]:
        return [v for v in self.views.values() if v.conversation.customer.id == customer_id]

    def _on_view_older_history_requested(self, customer_id: str) -> None:
        if self.context is not None and not self.context.loading_older(customer_id):
            self._tasks.start(self.context.load_older(customer_id), "older-history")

    def _on_context_history_loaded(self, customer_id: str, count: int) -> None:
        for view in self._views_of(customer_id):
            view.older_history_loaded(count)

    def _on_context_history_failed(self, customer_id: str, reason: str) -> None:
        for view in self._views_of(customer_id):
            view.older_history_failed(reason)

    def _on_view_transcript_requested(self, _conversation_id: str, customer_id: str, event_id: str) -> None:
        self._tasks.start(self._open_transcript(customer_id, event_id), "open-transcript")

    async def _open_transcript(self, customer_id: str, event_id: str) -> None:
        from workstation.ui.history_panel import TranscriptDialog

        """A past conversation from the history, read-only."""
        if self.context is None:
            return
        event = self.context.event_by_id(event_id)
        if event is None:
            return
        try:
            lines = await self.context.transcript(customer_id, event)
        except LookupError as exc:
            self.statusBar().showMessage(str(exc), 8_000)
            return
        when = datetime_text(event.at)
        title = self.tr("{0} — {1}").format(event.summary or event.kind, when)
        rows = [(line.sender, line.text, datetime_text(line.at) if line.at else "") for line in lines]
        dialog = TranscriptDialog(title, rows, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.transcript_dialog = dialog
        dialog.show()

    def _on_relevance_ranking_changed(self, conversation_id: str, ranking: object) -> None:
        view = self.views.get(conversation_id)
        if view is not None:
            view.show_ranking(ranking)  # type: ignore[arg-type]

    # --- cobrowse ---------------------------------------------------------------------------------

    def _on_view_cobrowse_invite_requested(self, conversation_id: str) -> None:
        if self.cobrowse is not None:
            self._tasks.start(self._invite_to_cobrowse(conversation_id), "cobrowse-invite")

    async def _invite_to_cobrowse(self, conversation_id: str) -> None:
        from workstation.services.cobrowse import CobrowseServiceError

        assert self.cobrowse is not None
        try:
            await self.cobrowse.invite(conversation_id)
        except CobrowseServiceError as exc:
            self.statusBar().showMessage(self.tr("Could not invite to cobrowse: {0}").format(exc), 10_000)
            status = self.cobrowse.status(conversation_id)
            view = self.views.get(conversation_id)
            if status is not None and view is not None:
                view.set_cobrowse_status(status)

    def _on_cobrowse_status_changed(self, conversation_id: str, status: CobrowseStatus) -> None:
        from workstation.ui.cobrowse_view import CobrowseView

        view = self.views.get(conversation_id)
        if view is None or self.cobrowse is None:
            return
        view.set_cobrowse_status(status)
        session = status.session
        if session is not None and not session.terminal and view.cobrowse_view is None:
            view.show_cobrowse(CobrowseView(self.cobrowse, conversation_id))
        elif (session is None or session.terminal) and view.cobrowse_view is not None:
            view.show_cobrowse(None)

    def _on_view_card_accepted(self, conversation_id: str, card: Card) -> None:
        view = self.views.get(conversation_id)
        if self.relevance is None or view is None:
            return
        self.relevance.accept(conversation_id, card)
        view.relevance_panel.show_note(self.tr("✓ Done: {0}").format(card.title))

    def _on_view_card_dismissed(self, conversation_id: str, card: Card, reason: str) -> None:
        view = self.views.get(conversation_id)
        if self.relevance is None or view is None:
            return
        self.relevance.dismiss(conversation_id, card, reason)
        view.relevance_panel.show_note(
            self.tr("Dismissed ({0}): {1}").format(reason.replace("_", " "), card.title)
        )

    def current_view(self) -> ConversationView | None:
        from workstation.ui.conversation_view import ConversationView

        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, ConversationView) else None

    def _select(self, conversation_id: str) -> None:
        view = self.views.get(conversation_id)
        if view is not None:
            self.tabs.setCurrentWidget(view)
            view.focus_reply()

    def _step_tab(self, step: int) -> None:
        if self.tabs.count():
            self._go_tab((self.tabs.currentIndex() + step) % self.tabs.count())

    def _go_tab(self, index: int) -> None:
        if 0 <= index < self.tabs.count():
            self.tabs.setCurrentIndex(index)
            view = self.current_view()
            if view is not None:
                view.focus_reply()

    def focus_reply(self) -> None:
        view = self.current_view()
        if view is not None:
            view.focus_reply()

    def wrap_up_current(self) -> None:
        view = self.current_view()
        if view is not None and self.inbox is not None:
            self._tasks.start(self._wrap_up(view.conversation), "wrap-up")

    async def _wrap_up(self, conv: Conversation) -> None:
        from workstation.services.inbox import InboxError
        from workstation.ui.wrapup_dialog import WrapUpDialog

        assert self.inbox is not None
        codes = await self.inbox.wrapup_codes()
        if not codes:
            self.statusBar().showMessage(self.tr("No wrap-up codes are available (offline?)."), 10_000)
            return
        self.wrapup_dialog = WrapUpDialog(codes, conv.customer.name, self)
        code = await self.wrapup_dialog.chosen()
        self.wrapup_dialog.deleteLater()
        self.wrapup_dialog = None
        if code is not None:
            try:
                self.inbox.close(conv.id, code)
            except InboxError as exc:
                self.statusBar().showMessage(str(exc), 10_000)

    # --- connection ------------------------------------------------------------------------------

    def _refresh_open_customers(self, why: str) -> None:
        if self.context is not None:
            for customer_id in {v.conversation.customer.id for v in self.views.values()}:
                self._tasks.start(self.context.refresh(customer_id), why)

    def _on_sync_frame_skipped(self, _type: str, _seq: int) -> None:
        # An event too large for the stream may have changed a customer on screen: fetch over REST.
        self._refresh_open_customers("refresh-after-skipped-event")

    def _on_sync_connection_changed(self, online: bool, _detail: str) -> None:
        if online:
            self.connection_label.setText(self.tr("● Online"))
            self.connection_label.setStyleSheet(themed("color: #1b7f3b;"))
            self.connection_label.setToolTip("")
            # Back online: what is on screen may have changed meanwhile; fetch it in the background.
            self._refresh_open_customers("refresh-after-reconnect")
            return
        since = self.sync.offline_since if self.sync else None
        when = time_text(since) if since else "?"
        self.connection_label.setText(self.tr("● Offline since {0} — reconnecting").format(when))
        self.connection_label.setToolTip(
            self.tr(
                "The backend cannot be reached. Everything cached stays usable; what you write is saved "
                "here and sent when the connection is back."
            )
        )
        self.connection_label.setStyleSheet(themed("color: #b00020;"))
        if self.context is not None:
            for view in self.views.values():
                text, stale = self._freshness(self.context.cached(view.conversation.customer.id))
                view.customer_header.set_freshness(text, stale=stale)

    def _on_sync_outbox_changed(self, pending: int) -> None:
        self.pending_writes = pending
        self.outbox_label.setText(self.tr("%n change(s) waiting to be sent", "", pending) if pending else "")

    def _on_sync_session_rejected(self, reason: str) -> None:
        self.connection_label.setText(self.tr("● Signed out: {0}").format(reason))
        self.connection_label.setStyleSheet(themed("color: #b00020;"))

    # --- misc ------------------------------------------------------------------------------------

    def _on_preference_toggled(self, _checked: bool) -> None:
        sound, popup = self.sound_action.isChecked(), self.popup_action.isChecked()
        if self.notifier is not None:
            self.notifier.sound_enabled, self.notifier.popup_enabled = sound, popup
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
        self.statusBar().showMessage(self.tr("Configuration problem: {0}").format(first), 30_000)
        self.statusBar().setToolTip(tooltip("\n".join(problems)))

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
                self.tr("The diagnostics could not be saved to {0}: {1}").format(target, exc.strerror or exc),
                parent=self,
            )
            plain_message_box(box)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
            return
        finally:
            self.diagnostics_action.setEnabled(True)
        self.statusBar().showMessage(self.tr("Diagnostics saved to {0}").format(written), 15_000)
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
            self.statusBar().showMessage(self.tr("Settings are not available in this session."), 10_000)
            return
        current = {
            "language": "system",
            "server_url": "",
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
                self.statusBar().showMessage(
                    self.tr("Saved. Language and server change at the next start."), 30_000
                )

        dialog.accepted.connect(saved)
        dialog.open()

    def show_monitor(self, view: QWidget) -> None:
        """Team leads: the queue monitor takes the conversation area (the router offers them no chats)."""
        self.monitor_view = view
        self.presence_combo.setEnabled(False)  # nothing is routed to team leads
        self.stack.addWidget(view)
        self.stack.setCurrentWidget(view)
        self.setWindowTitle(self.tr("Queue monitor — Agent workstation"))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.offer_cards:
            self._fit_offers()

    def closeEvent(self, event: QCloseEvent) -> None:
        desk_habits.confirm_quit(self, event)

    async def shutdown(self) -> None:
        self.quit_confirmed = True  # the app is ending: no more questions
        await desk_habits.go_offline(self)
        view = getattr(self, "monitor_view", None)
        if view is not None:
            await view.shutdown()
        await self._tasks.cancel_all()
