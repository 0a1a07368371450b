"""One conversation: transcript and reply box, and beside it the customer and their history."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workstation.domain.cobrowse import CobrowseStatus
from workstation.domain.messages import from_text
from workstation.domain.models import Conversation, Customer, FieldSource, TimelineEvent, TranscriptEntry
from workstation.domain.relevance import Ranking
from workstation.services.conversation import HistoryStart
from workstation.services.customer_context import CustomerContext
from workstation.services.records import CustomerView, NoteView
from workstation.services.upstream import safe_url, system_name
from workstation.ui import desk_habits
from workstation.ui.domain_text import render
from workstation.ui.history_panel import HistoryPanel
from workstation.ui.labels import FIELDS, channel_name, language_name, term, tier_name, topic_name
from workstation.ui.language import money_text
from workstation.ui.notes_panel import NotesPanel
from workstation.ui.relevance_panel import RelevancePanel
from workstation.ui.text import DATA_PROPERTY, data_label, escape, tooltip
from workstation.ui.theme import colour, text_colour, themed
from workstation.ui.timeline_model import TimelineSource
from workstation.ui.transcript_model import TranscriptModel
from workstation.ui.transcript_view import TranscriptView

#: Room under the last card (pixels), and the least the cards get (the "hidden" toggle and a note).
CARDS_SLACK = 8
CARDS_MIN = 60
SENDER_COLOURS = {"customer": "#f1f3f4", "agent": "#dbeafe", "system": "#fff4d6"}


class ReplyEdit(QPlainTextEdit):
    """Enter sends, Shift+Enter starts a new line. Signal: `submitted(text)`."""

    submitted = Signal(str)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            text = self.toPlainText().strip()
            if text:
                self.submitted.emit(text)
                self.clear()
            event.accept()
            return
        super().keyPressEvent(event)


class _ColouredTranscript(TranscriptModel):
    def data(self, index, role=Qt.ItemDataRole.DisplayRole):  # type: ignore[no-untyped-def]
        if role == Qt.ItemDataRole.BackgroundRole:
            sender = super().data(index, self.SenderRole)
            return QBrush(colour(SENDER_COLOURS.get(sender or "", "#ffffff")))
        if role == Qt.ItemDataRole.ForegroundRole and super().data(index, self.DeliveryRole) == "failed":
            return QBrush(text_colour("#b00020"))
        return super().data(index, role)


class CustomerHeader(QFrame):
    """Name, tier, CLV, language and contact details of the customer, and how fresh that is.

    Signal: `edit_requested()` (the "Edit details…" button)."""

    edit_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customerHeader")
        # Everything here is the customer's record: names, companies, addresses are data, never markup.
        self.name_label = data_label()
        self.name_label.setStyleSheet(themed("font-size: 15pt; font-weight: bold;"))
        self.facts_label = data_label()
        self.contact_label = data_label()
        self.contact_label.setObjectName("contactDetails")
        self.contact_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.edit_button = QPushButton(self.tr("Edit details…"))
        self.edit_button.setObjectName("editCustomer")
        self.edit_button.setEnabled(False)
        self.edit_button.clicked.connect(self.edit_requested)
        # field -> the upstream system that owns it ("Tryton"), from the backend's /sources
        self._field_systems: dict[str, str] = {}
        # Our markup around escaped data; only http(s) links (see show_sources).
        self.sources_label = QLabel()
        self.sources_label.setObjectName("customerSources")
        self.sources_label.setTextFormat(Qt.TextFormat.RichText)
        self.sources_label.setOpenExternalLinks(True)
        self.sources_label.setVisible(False)
        self.freshness_label = data_label()
        self.freshness_label.setObjectName("freshness")
        self.set_stale(False)
        contact_row = QHBoxLayout()
        contact_row.addWidget(self.contact_label, 1)
        contact_row.addWidget(self.edit_button)
        # As tall as its lines: extra height goes to the cards and the history, not to gaps here.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        # How fresh the record is goes beside the facts: one line less for the cards and history
        # (the header was four lines tall, too much at 1280×720 with offers waiting).
        facts_row = QHBoxLayout()
        facts_row.addWidget(self.facts_label, 1)
        facts_row.addWidget(self.freshness_label)
        layout.addWidget(self.name_label)
        layout.addLayout(facts_row)
        layout.addLayout(contact_row)
        layout.addWidget(self.sources_label)

    def show_sources(self, sources: list[FieldSource]) -> None:
        """Which system owns which field (shown in the contact details) and a link to open the
        upstream record where the system has a web address."""
        self._field_systems = {field: system_name(source) for source in sources for field in source.fields}
        links = []
        for source in sources:
            url = safe_url(source.url)
            if url is None:
                continue
            text = self.tr("Open in {0}").format(system_name(source))
            links.append(f'<a href="{escape(url)}">{escape(text)}</a>')
        self.sources_label.setText(" · ".join(links))
        self.sources_label.setToolTip(tooltip("\n".join(s.url or "" for s in sources if safe_url(s.url))))
        self.sources_label.setVisible(bool(links))

    def show_contact(self, view: CustomerView) -> None:
        """The editable fields, with the agent's unsent or conflicting edits marked."""
        parts = []
        for field in ("email", "phone", "company"):
            value = view.value(field)
            label = term(FIELDS, field)
            if field in self._field_systems:
                label = f"{label} · {self._field_systems[field]}"
            mark = ""
            if field in view.conflicted:
                mark = " ⚠"
            elif field in view.pending:
                mark = self.tr(" (not sent yet)")
            parts.append(f"{label}: {value or '—'}{mark}")
        self.contact_label.setText("   ".join(parts))
        tips = []
        if view.pending:
            tips.append(self.tr("Saved on this desktop, not sent yet"))
        if view.conflicted:
            tips.append(self.tr("⚠ changed by someone else meanwhile: decide in the status bar"))
        self.contact_label.setToolTip(tooltip("\n".join(tips)))
        self.edit_button.setEnabled(view.customer is not None)

    def set_stale(self, stale: bool) -> None:
        style = "color: #8a4b00; background: #fff4d6; padding: 1px 4px;" if stale else "color: #666;"
        self.freshness_label.setStyleSheet(themed(style))
        self.freshness_label.setProperty("stale", stale)

    def show_customer(self, name: str, customer: Customer | None) -> None:
        self.name_label.setText(customer.name if customer else name)
        if customer is None:
            self.facts_label.setText(self.tr("Loading customer record…"))
            return
        language = language_name(customer.language)
        facts = [
            self.tr("Tier: {0}").format(tier_name(customer.value_tier)),
            self.tr("CLV: {0}").format(money_text(customer.clv)),
            self.tr("Language: {0}").format(language),
        ]
        if customer.company:
            facts.append(customer.company)
        self.facts_label.setText("   ".join(facts))

    def set_freshness(self, text: str, *, stale: bool = False) -> None:
        self.freshness_label.setText(text)
        self.set_stale(stale)


class ConversationView(QWidget):
    """Signals: `reply_submitted(conversation_id, text)`, `transcript_requested`,
    `older_history_requested` (see below); the relevance panel's `accepted(Card)` and
    `dismissed(Card, reason)` are re-emitted as `card_accepted(conversation_id, Card)` and
    `card_dismissed(conversation_id, Card, reason)`; `cobrowse_invite_requested(conversation_id)`."""

    reply_submitted = Signal(str, str)
    card_accepted = Signal(str, object)
    card_dismissed = Signal(str, object, str)
    #: (conversation_id, customer_id, event_id): open a past conversation of the history read-only
    transcript_requested = Signal(str, str, str)
    #: (customer_id): the agent scrolled past the cached history
    older_history_requested = Signal(str)
    cobrowse_invite_requested = Signal(str)
    #: (customer_id) / (customer_id, text) / (customer_id, note_id, text)
    customer_edit_requested = Signal(str)
    note_added = Signal(str, str)
    note_edited = Signal(str, str, str)

    #: set by `open` (a spare view built ahead of time has none until it is taken)
    conversation: Conversation

    def __init__(self, conversation: Conversation | None = None, parent: QWidget | None = None) -> None:
        """Builds the widgets; with a conversation, opens it at once. Without one, the view is a spare
        (see DeskController): its ~20 ms of widget building is then paid while the desk is idle, not
        between the agent's Accept and the first paint, and `open` only fills in the conversation."""
        super().__init__(parent)
        self.transcript_model = _ColouredTranscript(self)
        # Appending a line measures that line only; the view follows the newest line while the agent
        # is at the bottom, and a background tab's transcript is laid out once it is shown.
        self.transcript_view = TranscriptView()
        self.transcript_view.setProperty(DATA_PROPERTY, True)  # messages: the customer's words
        self.transcript_view.setObjectName("transcript")
        self.transcript_view.setModel(self.transcript_model)
        self.transcript_delegate = self.transcript_view.transcript_delegate

        self.reply_edit = ReplyEdit()
        self.reply_edit.setObjectName("replyEdit")
        self.reply_edit.setPlaceholderText(self.tr("Type a reply — Enter sends, Shift+Enter for a new line"))
        self.reply_edit.setMaximumHeight(90)
        # Tab moves on to Send (a reply has no tab characters); screen readers name the box.
        self.reply_edit.setTabChangesFocus(True)
        self.reply_edit.submitted.connect(self._on_reply_edit_submitted)
        send = QPushButton(self.tr("Send"))
        send.clicked.connect(self._on_send_clicked)
        reply_row = QHBoxLayout()
        reply_row.addWidget(self.reply_edit, 1)
        reply_row.addWidget(send)

        self.context_label = data_label()
        self.cobrowse_button = QPushButton(self.tr("Invite to cobrowse"))
        self.cobrowse_button.setObjectName("cobrowseInvite")
        self.cobrowse_button.setEnabled(False)
        self.cobrowse_button.setToolTip(self.tr("Checking whether the customer is on the web site…"))
        self.cobrowse_button.clicked.connect(self._on_cobrowse_button_clicked)
        context_row = QHBoxLayout()
        context_row.addWidget(self.context_label, 1)
        context_row.addWidget(self.cobrowse_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(context_row)
        left_layout.addWidget(self.transcript_view, 1)
        left_layout.addLayout(reply_row)

        self.customer_header = CustomerHeader()
        self.customer_header.edit_requested.connect(self._on_customer_header_edit_requested)
        self.notes_panel = NotesPanel()
        self.notes_panel.note_added.connect(self._on_notes_panel_note_added)
        self.notes_panel.note_edited.connect(self._on_notes_panel_note_edited)
        self.relevance_panel = RelevancePanel()
        self.relevance_panel.accepted.connect(self._on_relevance_panel_accepted)
        self.relevance_panel.dismissed.connect(self._on_relevance_panel_dismissed)
        self.relevance_panel.ref_activated.connect(self.select_event)
        relevance_scroll = QScrollArea()
        relevance_scroll.setObjectName("relevanceScroll")
        relevance_scroll.setWidgetResizable(True)
        relevance_scroll.setFrameShape(QFrame.Shape.NoFrame)
        relevance_scroll.setWidget(self.relevance_panel)
        self.history = HistoryPanel()
        self.history.transcript_requested.connect(self._on_history_transcript_requested)
        self.history.older_requested.connect(self._on_history_older_requested)
        self.timeline_model = self.history.model
        self.timeline_view = self.history.view
        self.lower_tabs = QTabWidget()
        self.lower_tabs.setObjectName("historyAndNotes")
        self.lower_tabs.setDocumentMode(True)
        self.lower_tabs.addTab(self.history, self.tr("History"))
        self.lower_tabs.addTab(self.notes_panel, self.tr("Notes"))
        timeline_box = self.lower_tabs
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.customer_header)
        beside = QSplitter(Qt.Orientation.Vertical)
        beside.setObjectName("besideSplitter")
        beside.addWidget(relevance_scroll)
        beside.addWidget(timeline_box)
        # The cards first, the history below with its filters (the agent can drag the handle); a
        # taller window gives its height to the history, not to blank space under a few cards.
        beside.setStretchFactor(0, 0)
        beside.setStretchFactor(1, 1)
        beside.setSizes([320, 480])
        beside.setChildrenCollapsible(False)
        right_layout.addWidget(beside, 1)
        self.beside = beside
        self.relevance_scroll = relevance_scroll
        # Until the agent drags the handle (now or in an earlier session), the cards get the height
        # they need and the history the rest: no blank gap under a few cards in a tall window.
        self._cards_height_chosen = desk_habits.remember_splitter(beside)
        beside.splitterMoved.connect(self._on_beside_splitter_moved)
        self.relevance_panel.hidden_button.toggled.connect(self._fit_cards_later)
        desk_habits.remember_tab(self.lower_tabs)

        self.cobrowse_view: QWidget | None = None
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("conversationSplitter")
        self.splitter = splitter
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        desk_habits.remember_splitter(splitter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)
        if conversation is not None:
            self.open(conversation)

    def open(self, conversation: Conversation) -> None:
        """The conversation this view shows: once, right after the widgets are built (or when a
        spare is taken)."""
        self.conversation = conversation
        self.setObjectName(f"conversation-{conversation.id}")
        name = conversation.customer.name
        self.transcript_view.setAccessibleName(self.tr("Conversation with {0}").format(name))
        self.reply_edit.setAccessibleName(self.tr("Reply to {0}").format(name))
        topic = topic_name(conversation.topic) if conversation.topic else self.tr("no topic")
        where = f" · {conversation.page.title or conversation.page.url}" if conversation.page else ""
        self.context_label.setText(f"{channel_name(conversation.channel)} · {topic}{where}")
        self.customer_header.show_customer(name, None)

    def _on_customer_header_edit_requested(self) -> None:
        self.customer_edit_requested.emit(self.conversation.customer.id)

    def _on_notes_panel_note_added(self, text: str) -> None:
        self.note_added.emit(self.conversation.customer.id, text)

    def _on_notes_panel_note_edited(self, note_id: str, text: str) -> None:
        self.note_edited.emit(self.conversation.customer.id, note_id, text)

    # --- filled by the main window ----------------------------------------------------------------

    def show_transcript(self, entries: list[TranscriptEntry]) -> None:
        self.transcript_model.reset(entries)  # the view then opens at the newest line

    def add_transcript(self, entries: list[TranscriptEntry]) -> None:
        self.transcript_model.upsert(entries)

    def bind_history(self, source: TimelineSource, *, load: bool = True) -> None:
        """Page the history from `source` (the customer context service) instead of fixed lists;
        `load=False`: the first page comes with `show_opened` (read off the GUI thread)."""
        self.history.bind(source, self.conversation.customer.id, load=load)

    def show_context(self, context: CustomerContext, freshness: str, history: HistoryStart) -> None:
        """The customer refreshed from the backend, as read again off the GUI thread."""
        self.customer_header.show_customer(self.conversation.customer.name, context.customer)
        self.customer_header.set_freshness(freshness)
        if self.history.bound:
            if self.timeline_model.rowCount():
                # Fresh data goes in where it belongs; the agent's place and selection stay.
                self.timeline_model.add(context.events)
            elif self.timeline_model.where.active:
                self.timeline_model.reload()  # narrowed by the agent meanwhile: read with their filter
            else:
                self.timeline_model.start(history.entries, history.open_stories, complete=history.complete)
        elif context.events or not self.timeline_model.rowCount():
            self.timeline_model.reset(context.events)

    def show_opened(self, context: CustomerContext, freshness: str, history: HistoryStart) -> None:
        """The first paint: customer and history as read off the GUI thread (ConversationService)."""
        self.customer_header.show_customer(self.conversation.customer.name, context.customer)
        self.customer_header.set_freshness(freshness)
        if self.history.bound:
            self.timeline_model.start(history.entries, history.open_stories, complete=history.complete)
        else:
            self.timeline_model.reset(context.events)

    def show_contact(self, view: CustomerView) -> None:
        self.customer_header.show_contact(view)

    def show_notes(self, notes: list[NoteView]) -> None:
        self.notes_panel.show_notes(notes)
        unsent = sum(1 for n in notes if n.state != "sent")
        if unsent:
            title = self.tr("Notes ({0}, {1} not sent)").format(len(notes), unsent)
        else:
            title = self.tr("Notes ({0})").format(len(notes)) if notes else self.tr("Notes")
        self.lower_tabs.setTabText(1, title)

    def add_timeline(self, events: list[TimelineEvent]) -> None:
        self.timeline_model.add(events)

    def older_history_loaded(self, count: int) -> None:
        self.history.older_loaded(count)

    def older_history_failed(self, reason: str) -> None:
        self.history.older_failed(render(reason))

    def _on_history_transcript_requested(self, event_id: str) -> None:
        self.transcript_requested.emit(self.conversation.id, self.conversation.customer.id, event_id)

    def _on_history_older_requested(self) -> None:
        self.older_history_requested.emit(self.conversation.customer.id)

    def show_ranking(self, ranking: Ranking) -> None:
        self.relevance_panel.show_ranking(ranking, self.timeline_model.by_id())
        self._fit_cards_later()

    def _on_beside_splitter_moved(self, _pos: int, _index: int) -> None:
        self._cards_height_chosen = True

    def _fit_cards_later(self, _checked: bool = False) -> None:
        QTimer.singleShot(0, self, self.fit_cards)  # once the panel has laid out its new cards

    def fit_cards(self) -> None:
        """Give the cards the height they need (at most 60 % of the column), the history the rest."""
        total = sum(self.beside.sizes())
        if self._cards_height_chosen or total <= 0:
            return
        panel = self.relevance_panel
        width = self.relevance_scroll.viewport().width()
        want = panel.heightForWidth(width) if panel.hasHeightForWidth() else -1
        if want <= 0:
            want = panel.sizeHint().height()
        top = max(min(want + CARDS_SLACK, int(total * 0.6)), CARDS_MIN)
        self.beside.setSizes([top, total - top])

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_cards_later()

    def select_event(self, event_id: str) -> bool:
        """Show an event of the history (a card's reference): select it and scroll it into view,
        clearing the history's filter when it hides the event."""
        if self.history.select(event_id):
            return True
        if self.timeline_model.where.active:
            self.history.clear_filter()
            if self.history.select(event_id):
                self.relevance_panel.show_note(self.tr("The history filter was cleared to show that event."))
                return True
        self.relevance_panel.show_note(self.tr("That event is not in the loaded history yet."))
        return False

    def _on_relevance_panel_accepted(self, card: object) -> None:
        self.card_accepted.emit(self.conversation.id, card)

    def _on_relevance_panel_dismissed(self, card: object, reason: str) -> None:
        self.card_dismissed.emit(self.conversation.id, card, reason)

    def focus_reply(self) -> None:
        self.reply_edit.setFocus()

    # --- cobrowse ----------------------------------------------------------------------------------

    def set_cobrowse_status(self, status: CobrowseStatus) -> None:
        """Enable "Invite to cobrowse" only when the backend says the customer can be invited, and say why."""
        self.cobrowse_button.setEnabled(status.available)
        self.cobrowse_button.setToolTip(tooltip(render(from_text(status.reason))))

    def show_cobrowse(self, view: QWidget | None) -> None:
        """Put the cobrowse view beside the chat (the chat stays visible and keeps working), or remove it."""
        if self.cobrowse_view is not None:
            self.cobrowse_view.hide()
            self.cobrowse_view.setParent(None)
            self.cobrowse_view.deleteLater()
        self.cobrowse_view = view
        if view is not None:
            self.splitter.insertWidget(0, view)
            self.splitter.setStretchFactor(0, 5)
            total = max(self.splitter.width(), 1000)
            self.splitter.setSizes([int(total * 0.55), int(total * 0.27), int(total * 0.18)])

    def _on_cobrowse_button_clicked(self) -> None:
        self.cobrowse_button.setEnabled(False)  # until the backend answers (the status comes back)
        self.cobrowse_invite_requested.emit(self.conversation.id)

    def _on_reply_edit_submitted(self, text: str) -> None:
        self.reply_submitted.emit(self.conversation.id, text)

    def _on_send_clicked(self) -> None:
        text = self.reply_edit.toPlainText().strip()
        if text:
            self.reply_edit.clear()
            self.reply_submitted.emit(self.conversation.id, text)
        self.reply_edit.setFocus()
