"""The customer's history beside a conversation: filters, the day-grouped list, the selected event's
story, and past conversations opened read-only."""

from __future__ import annotations

from functools import cache
from html import escape

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QBrush,
    QColor,
    QDesktopServices,
    QFont,
    QFontMetrics,
    QIcon,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workstation.domain.events import record_sources
from workstation.domain.messages import from_text
from workstation.domain.timeline import CHANNELS, PHASES, TimelineEntry, TimelineFilter, story_label
from workstation.ui.domain_text import render
from workstation.ui.labels import PHASES as PHASE_WORDS
from workstation.ui.labels import term
from workstation.ui.language import date_text
from workstation.ui.text import DATA_PROPERTY
from workstation.ui.theme import themed
from workstation.ui.timeline_model import PHASE_COLOURS, TimelineModel, TimelineSource

#: the kinds an agent filters by, in the words of the event vocabulary
KINDS = (
    "page_view",
    "search",
    "app_error",
    "cart_abandoned",
    "order_placed",
    "order_shipped",
    "delivery_delayed",
    "delivered",
    "return_requested",
    "refund_issued",
    "payment_failed",
    "invoice_overdue",
    "complaint",
    "contact",
    "survey",
    "cancellation_intent",
    "contract_change",
    "device_alert",
    "campaign_response",
    "consent_changed",
    "social_post",
    "appointment",
)


#: Pixels above and below a history row's text.
ROW_PADDING = 8


#: what an event row shows (text and icon), as `initStyleOption` marks it
_SHOWN = QStyleOptionViewItem.ViewItemFeature.HasDisplay | QStyleOptionViewItem.ViewItemFeature.HasDecoration


@cache
def _tag_colours(colour: str) -> tuple[QColor, QColor]:
    """A tag's fill and text colour."""
    return QColor(colour).lighter(185), QColor(colour).darker(120)


class _EntryDelegate(QStyledItemDelegate):
    """Paints the row as usual, then the journey phase as a coloured tag on the right and a red
    "open" tag for events of a story that is still open.

    A fast scroll paints every visible row on each frame. An event row is read from the model in
    one Python call (`TimelineModel.painted`) and its style option filled here as Qt's
    `initStyleOption` would fill it (which asks the model for seven roles, each a call from C++
    into Python); the tags' font is made once per view font and their widths measured once per
    word and font, not per paint. Day headers are painted by Qt's delegate."""

    def __init__(self, model: TimelineModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._widths: dict[tuple[str, str], int] = {}
        #: the view's font, the tags' smaller one, its metrics and key
        self._tag_font: tuple[QFont, QFont, QFontMetrics, str] | None = None

    def _width(self, metrics: QFontMetrics, font_key: str, text: str) -> int:
        key = (font_key, text)
        width = self._widths.get(key)
        if width is None:
            width = self._widths[key] = metrics.horizontalAdvance(text) + 10
        return width

    def _tags_font(self, font: QFont) -> tuple[QFont, QFontMetrics, str]:
        cached = self._tag_font
        if cached is None or cached[0] != font:
            small = QFont(font)
            small.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
            cached = self._tag_font = (QFont(font), small, QFontMetrics(small), small.key())
        return cached[1], cached[2], cached[3]

    @staticmethod
    def event_option(
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
        painted: tuple[str, QIcon, QBrush | None, str, bool],
    ) -> QStyleOptionViewItem:
        """The style option of an event row, as `initStyleOption` fills it from the model's roles
        (an event row has no font, alignment, foreground or check state of its own)."""
        text, icon, background, _phase, _open = painted
        full = QStyleOptionViewItem(option)
        if isinstance(index, QModelIndex):  # what a view paints with
            full.index = index
        full.features = full.features | _SHOWN
        full.text = text
        full.icon = icon
        # Qt asks the icon's size in the row's mode and state; the channel icons have one pixmap
        # set (Normal, Off) that every mode and state falls back to (no flag arithmetic per row).
        full.decorationSize = icon.actualSize(full.decorationSize)
        full.backgroundBrush = QBrush() if background is None else background
        return full

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        painted = self._model.painted(index.row()) if index.model() is self._model else None
        if painted is None:  # a day header
            super().paint(painter, option, index)
            return
        phase, is_open = painted[3], painted[4]
        tags = [(term(PHASE_WORDS, phase), PHASE_COLOURS.get(phase, "#555"))]
        if is_open:
            tags.insert(0, ("open", "#b00020"))
        font, metrics, font_key = self._tags_font(option.font)
        widths = [self._width(metrics, font_key, text) for text, _ in tags]
        # The row's background (selection, story tint) spans the whole row; the text is elided
        # before the tags, not painted beneath them.
        full = self.event_option(option, index, painted)
        style = full.widget.style() if full.widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, full, painter, full.widget)
        full.rect = QRect(option.rect)
        full.rect.setRight(option.rect.right() - sum(widths) - 4 * len(widths) - 6)
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, full, painter, full.widget)
        painter.save()
        painter.setFont(font)
        right = option.rect.right() - 4
        for (text, colour), width in zip(reversed(tags), reversed(widths), strict=True):
            box = QRect(right - width, option.rect.top() + 2, width, option.rect.height() - 4)
            fill, ink = _tag_colours(colour)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(ink)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
            right -= width + 4
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + 140, max(size.height(), option.fontMetrics.height() + ROW_PADDING))


class _TimelineView(QTableView):
    """The history as one column of rows of one height.

    A table, not a QListView: QListView lays every row out again after each insert and asks the
    (Python) model for an index per row while doing it, so a page appended at 100,000 events cost
    hundreds of milliseconds on the GUI thread. A table's rows are header sections of a fixed size
    (kept in C++, no model calls), and only the visible rows are painted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.horizontalHeader().hide()
        self.horizontalHeader().setStretchLastSection(True)
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(rows.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + ROW_PADDING)


class TranscriptDialog(QDialog):
    """A past conversation, read-only."""

    def __init__(self, title: str, lines: list[tuple[str, str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("transcriptDialog")
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        colours = {"customer": "#f1f3f4", "agent": "#dbeafe", "system": "#fff4d6"}
        parts = []
        for sender, text, when in lines:
            colour = colours.get(sender, "#ffffff")
            who = {
                "customer": self.tr("Customer"),
                "agent": self.tr("Agent"),
                "system": self.tr("System"),
            }.get(sender, sender)
            if sender == "system":  # the backend's own lines are catalogue texts
                text = render(from_text(text))
            stamp = f" · {escape(when)}" if when else ""
            parts.append(
                f'<div style="background:{colour}; padding:4px; margin:2px">'
                f"<b>{escape(who)}</b>{stamp}<br>{escape(text)}</div>"
            )
        self.browser.setHtml("".join(parts) or escape(self.tr("This conversation has no messages.")))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        note = QLabel(self.tr("Read-only: a past conversation."))
        note.setStyleSheet(themed("color: #666;"))
        layout.addWidget(note)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self.resize(480, 420)


#: Longest upstream link the history offers to open.
SOURCE_URL_MAX = 2000


class HistoryPanel(QWidget):
    """Signals: `older_requested()` when the agent scrolled past what the cache holds;
    `transcript_requested(event_id)` when the agent opens a past conversation (double-click, Enter
    or the button); `event_selected(entry)`."""

    older_requested = Signal()
    transcript_requested = Signal(str)
    event_selected = Signal(object)

    FILTER_DELAY_MS = 200

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = TimelineModel(self)
        self._source: TimelineSource | None = None
        self._customer_id = ""
        self._offline_reason = ""

        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("historySearch")
        self.search_edit.setPlaceholderText(self.tr("Search the history…"))
        self.search_edit.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(self.FILTER_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filter)
        self.search_edit.textChanged.connect(self._search_timer.start)

        # The history reads newest first, also while searching (an agent searches to find *when*
        # something happened, and the day headers answer that); ranking is the agent's choice for
        # a search with many matches. It stays chosen for the next search, as an order, not a filter.
        self.rank_button = QToolButton()
        self.rank_button.setObjectName("historyRanked")
        self.rank_button.setText(self.tr("Best matches first"))
        self.rank_button.setCheckable(True)
        self.rank_button.setToolTip(
            self.tr("List the events that match the search best first, not the newest first")
        )
        self.rank_button.toggled.connect(self.apply_filter)
        self.channel_button, self.channel_actions = self._menu_button(self.tr("Channel"), CHANNELS)
        self.kind_button, self.kind_actions = self._menu_button(self.tr("Kind"), KINDS)
        self.phase_buttons: dict[str, QToolButton] = {}
        filters = QHBoxLayout()
        filters.setSpacing(3)
        filters.addWidget(self.search_edit, 1)
        filters.addWidget(self.rank_button)
        for phase in PHASES:
            button = QToolButton()
            button.setText(term(PHASE_WORDS, phase))
            button.setCheckable(True)
            button.setObjectName(f"phase-{phase}")
            button.setToolTip(self.tr("Only the {0} phase of the journey").format(term(PHASE_WORDS, phase)))
            button.toggled.connect(self.apply_filter)
            self.phase_buttons[phase] = button
        self.open_check = QCheckBox(self.tr("Only open issues"))
        self.open_check.setToolTip(
            self.tr("Unresolved contacts, open complaints, delays, failed payments, pending returns")
        )
        self.open_check.toggled.connect(self.apply_filter)
        self.clear_button = QPushButton(self.tr("Clear"))
        self.clear_button.clicked.connect(self.clear_filter)
        second = QHBoxLayout()
        second.setSpacing(3)
        for phase in PHASES:
            second.addWidget(self.phase_buttons[phase])
        second.addWidget(self.channel_button)
        second.addWidget(self.kind_button)
        second.addStretch(1)
        second.addWidget(self.open_check)
        second.addWidget(self.clear_button)

        self.view = _TimelineView()
        self.view.setProperty(DATA_PROPERTY, True)  # event summaries (the day headers are ours)
        self.view.setObjectName("timeline")
        self.view.setModel(self.model)
        self.view.setItemDelegate(_EntryDelegate(self.model, self.view))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.doubleClicked.connect(self._on_view_double_clicked)
        self.view.activated.connect(self._on_view_double_clicked)
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        # The model holds the rows of the pages around what is shown, not every page listed.
        self.view.verticalScrollBar().valueChanged.connect(self._on_view_scrolled)
        self.model.rowsAboutToBeInserted.connect(self._on_rows_about_to_be_inserted)
        self.model.rowsInserted.connect(self._on_rows_inserted)
        self.model.older_needed.connect(self._on_model_older_needed)
        self.model.filled.connect(self._update_status)
        self._keep_offset: int | None = None

        self.status_label = QLabel()
        self.status_label.setObjectName("historyStatus")
        self.status_label.setStyleSheet(themed("color: #666;"))
        self.story_label = QLabel()
        self.story_label.setObjectName("storyLabel")
        self.story_label.setWordWrap(True)
        self.story_label.setTextFormat(Qt.TextFormat.RichText)
        self.story_label.linkActivated.connect(self._on_story_link)
        self.transcript_button = QPushButton(self.tr("Open transcript"))
        self.transcript_button.setObjectName("openTranscript")
        self.transcript_button.setVisible(False)
        self.transcript_button.clicked.connect(self._on_transcript_clicked)
        # Events imported by a connector name their record upstream; with a web UI, a link to it.
        self.source_button = QPushButton()
        self.source_button.setObjectName("openSource")
        self.source_button.setVisible(False)
        self.source_button.clicked.connect(self._on_source_clicked)
        # A call the telephony system and the CRM both logged is one row: which systems, what each said.
        self.twins_label = QLabel()
        self.twins_label.setObjectName("eventSources")
        self.twins_label.setTextFormat(Qt.TextFormat.PlainText)
        self.twins_label.setWordWrap(True)
        self.twins_label.setVisible(False)
        detail = QHBoxLayout()
        detail.addWidget(self.story_label, 1)
        detail.addWidget(self.transcript_button, 0, Qt.AlignmentFlag.AlignTop)
        detail.addWidget(self.source_button, 0, Qt.AlignmentFlag.AlignTop)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(filters)
        layout.addLayout(second)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status_label)
        layout.addLayout(detail)
        layout.addWidget(self.twins_label)
        self._update_status()

    # --- set-up -----------------------------------------------------------------------------------

    def _menu_button(self, label: str, values: tuple[str, ...]) -> tuple[QToolButton, dict[str, QAction]]:
        button = QToolButton()
        button.setText(label)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        actions: dict[str, QAction] = {}
        for value in values:
            action = menu.addAction(value.replace("_", " "))
            action.setCheckable(True)
            action.toggled.connect(self.apply_filter)
            actions[value] = action
        button.setMenu(menu)
        return button, actions

    @property
    def bound(self) -> bool:
        """Whether the history pages from a source (else it shows fixed lists via `model.reset`)."""
        return self._source is not None

    def bind(self, source: TimelineSource, customer_id: str, *, load: bool = True) -> None:
        """Read pages from `source` (the customer context service) from now on; `load=False` when the
        first page comes another way (`model.start`, read off the GUI thread when a tab opens)."""
        self._source, self._customer_id = source, customer_id
        self.model.set_source(source, customer_id)
        if load:
            self.model.reload(self.current_filter())

    # --- filters ----------------------------------------------------------------------------------

    def current_filter(self) -> TimelineFilter:
        return TimelineFilter(
            channels=frozenset(c for c, a in self.channel_actions.items() if a.isChecked()),
            phases=frozenset(p for p, b in self.phase_buttons.items() if b.isChecked()),
            kinds=frozenset(k for k, a in self.kind_actions.items() if a.isChecked()),
            text=self.search_edit.text(),
            only_open=self.open_check.isChecked(),
            ranked=self.rank_button.isChecked(),
        )

    def apply_filter(self) -> None:
        self._search_timer.stop()
        where = self.current_filter()
        if where == self.model.where and self.model.rowCount():
            return
        selected = self.selected_entry()
        self._mark_filter_buttons(where)
        self.model.reload(where)
        if selected is not None:
            self.select(selected.id, load=False)

    def clear_filter(self) -> None:
        widgets = [self.search_edit, self.open_check, *self.phase_buttons.values()]
        widgets += [*self.channel_actions.values(), *self.kind_actions.values()]  # type: ignore[list-item]
        for widget in widgets:
            widget.blockSignals(True)
        self.search_edit.clear()
        self.open_check.setChecked(False)
        for button in self.phase_buttons.values():
            button.setChecked(False)
        for action in (*self.channel_actions.values(), *self.kind_actions.values()):
            action.setChecked(False)
        for widget in widgets:
            widget.blockSignals(False)
        self.apply_filter()

    def _mark_filter_buttons(self, where: TimelineFilter) -> None:
        self.channel_button.setText(
            self.tr("Channel ({0})").format(len(where.channels)) if where.channels else self.tr("Channel")
        )
        self.kind_button.setText(
            self.tr("Kind ({0})").format(len(where.kinds)) if where.kinds else self.tr("Kind")
        )
        self.clear_button.setEnabled(where.active)

    # --- selection, stories, transcripts -----------------------------------------------------------

    def selected_entry(self) -> TimelineEntry | None:
        entry = self.view.currentIndex().data(TimelineModel.EntryRole)
        return entry if isinstance(entry, TimelineEntry) else None

    def select(self, event_id: str, *, load: bool = True) -> bool:
        """Select an event and scroll it into view, loading cached pages until it is listed."""
        self.model.flush()
        row = self.model.row_of(event_id)
        while row is None and load and self.model.canFetchMore():
            self.model.fetch_page()
            row = self.model.row_of(event_id)
        if row is None:
            return False
        index = self.model.index(row, 0)
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry = current.data(TimelineModel.EntryRole)
        if not isinstance(entry, TimelineEntry):
            self.model.set_highlight(None)
            self.story_label.clear()
            self.transcript_button.setVisible(False)
            self.source_button.setVisible(False)
            self.twins_label.setVisible(False)
            return
        self.model.set_highlight(entry.story)
        self.transcript_button.setVisible(entry.kind == "contact" and self.has_transcript(entry.id))
        self._show_source(entry.id)
        self._show_twins(entry.id)
        self.story_label.setText(self._story_html(entry))
        self.event_selected.emit(entry)

    def has_transcript(self, event_id: str) -> bool:
        event = self._source.event_by_id(event_id) if self._source is not None else None
        return event is not None and bool(event.data.get("transcript") or event.data.get("conversation_id"))

    def _story_html(self, entry: TimelineEntry) -> str:
        if entry.story is None or self._source is None:
            return ""
        steps = self._source.story(self._customer_id, entry.story)
        if len(steps) < 2:
            return ""
        is_open = entry.story in self._source.open_stories(self._customer_id)
        state = self.tr("open") if is_open else self.tr("settled")
        links = []
        for step in steps[-8:]:
            label = f"{step.kind.replace('_', ' ')} {date_text(step.at)}"
            text = f"<b>{escape(label)}</b>" if step.id == entry.id else escape(label)
            links.append(f'<a href="{escape(step.id)}">{text}</a>')
        more = self.tr("… {0} earlier, ").format(len(steps) - 8) if len(steps) > 8 else ""
        title = escape(story_label(entry.story))
        colour = "#b00020" if is_open else "#15803d"
        return f'{title} (<span style="color:{colour}">{state}</span>): {more}{" → ".join(links)}'

    def _on_story_link(self, event_id: str) -> None:
        if not self.select(event_id):
            # Hidden by the filter: show everything, then the event.
            self.clear_filter()
            self.select(event_id)

    def _on_view_double_clicked(self, index: QModelIndex) -> None:
        entry = index.data(TimelineModel.EntryRole)
        if isinstance(entry, TimelineEntry) and self.has_transcript(entry.id):
            self.transcript_requested.emit(entry.id)

    def source_link(self, event_id: str) -> tuple[str, str] | None:
        """(system, http(s) URL) of an imported event's upstream record, when it has a web link."""
        event = self._source.event_by_id(event_id) if self._source is not None else None
        if event is None:
            return None
        system, url = event.data.get("source"), event.data.get("source_url")
        if not isinstance(system, str) or not isinstance(url, str) or len(url) > SOURCE_URL_MAX:
            return None
        parsed = QUrl(url, QUrl.ParsingMode.StrictMode)
        if not parsed.isValid() or parsed.scheme() not in ("http", "https"):
            return None  # never a file:, javascript: or custom-scheme link from another system
        return system[:40], url

    def _show_source(self, event_id: str) -> None:
        link = self.source_link(event_id)
        self.source_button.setVisible(link is not None)
        if link is not None:
            self.source_button.setText(self.tr("Open in %s") % link[0].capitalize())
            self.source_button.setToolTip(link[1])

    def _show_twins(self, event_id: str) -> None:
        event = self._source.event_by_id(event_id) if self._source is not None else None
        sources = record_sources(event.data) if event is not None else []
        self.twins_label.setVisible(bool(sources))
        if sources:
            said = " · ".join(f"{system} ({outcome})" if outcome else system for system, outcome in sources)
            self.twins_label.setText(self.tr("Logged by: %s") % said)

    def _on_source_clicked(self) -> None:
        entry = self.selected_entry()
        link = self.source_link(entry.id) if entry is not None else None
        if link is not None:
            QDesktopServices.openUrl(QUrl(link[1]))

    def _on_transcript_clicked(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self.transcript_requested.emit(entry.id)

    def _on_view_scrolled(self, _value: int) -> None:
        first = self.view.rowAt(0)
        if first < 0:
            return
        last = self.view.rowAt(self.view.viewport().height() - 1)
        self.model.set_focus(first, last if last >= 0 else self.model.rowCount() - 1)

    # --- live inserts keep the agent's place -----------------------------------------------------------

    def _on_rows_about_to_be_inserted(self, _parent: QModelIndex, first: int, _last: int) -> None:
        bar = self.view.verticalScrollBar()
        top = self.view.indexAt(self.view.viewport().rect().topLeft()).row()
        # Rows arriving above what the agent is reading must not push it away; at the very top the
        # agent is watching the newest events and sees them come in.
        self._keep_offset = bar.value() if bar.value() > 0 and 0 <= first <= top else None

    def _on_rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        if self._keep_offset is None:
            return
        height = self.view.rowHeight(first) if self.model.rowCount() else 0
        self.view.verticalScrollBar().setValue(self._keep_offset + (last - first + 1) * max(height, 1))
        self._keep_offset = None

    # --- loading older history -------------------------------------------------------------------

    def _on_model_older_needed(self) -> None:
        self._update_status()
        self.older_requested.emit()

    def older_loaded(self, count: int) -> None:
        """The backend delivered `count` older events into the cache (0: the history is complete)."""
        self._offline_reason = ""
        self.model.more_available(count)
        if self.model.canFetchMore():
            self.model.fetch_page()
        self._update_status()

    def older_failed(self, reason: str) -> None:
        self._offline_reason = reason
        self._update_status()

    def _update_status(self) -> None:
        count = self.model.entry_count()
        where = self.model.where
        shown = (
            self.tr("{0} events").format(count) if not where.active else self.tr("{0} matching").format(count)
        )
        if self.model.complete():
            tail = self.tr("start of history")
        elif self._offline_reason:
            tail = self.tr("older history not cached (offline)")
        elif self.model.canFetchMore():
            tail = self.tr("scroll for more")
        else:
            tail = self.tr("loading older history…")
        self.status_label.setText(f"{shown} · {tail}")
        palette = self.status_label.palette()
        palette.setColor(QPalette.ColorRole.WindowText, QColor("#b00020" if self._offline_reason else "#666"))
        self.status_label.setPalette(palette)
