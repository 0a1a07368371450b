"""The relevance panel: the few cards that matter now, each saying why, beside a conversation.

At most five cards are shown, so the panel keeps five card widgets and rewrites them in place on
every re-rank (no widgets torn down and rebuilt, no flicker). Everything considered and left out is
one click away under "Show N hidden", with the reason.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workstation.domain.models import TimelineEvent
from workstation.domain.relevance import MAX_CARDS, Card, Ranking
from workstation.domain.timeline import TimelineEntry
from workstation.ui.domain_text import render
from workstation.ui.labels import DISMISS_REASONS, FACTS, PHASES, term, topic_name
from workstation.ui.language import date_text
from workstation.ui.text import data_label, tooltip
from workstation.ui.theme import themed

KIND_STYLE = {
    # border, background, chip background, mark
    "action": ("#1d4ed8", "#eff4ff", "#d6e2fb", "▶"),
    "insight": ("#b45309", "#fff8eb", "#fbe5c3", "●"),
}
#: Chips and links beyond these go into the tooltip: the card must stay readable at a glance.
MAX_CHIPS = 4
MAX_LINKS = 3
CHIP = '<span style="background-color:{bg}; color:#1f2937;">&nbsp;{text}&nbsp;</span>'


class RelevanceCardWidget(QFrame):
    """One card: title, reason chips, what it is about (links into the history), and for actions
    Do it / Dismiss ▾. Signals: `accepted(Card)`, `dismissed(Card, reason)`, `ref_activated(ref)`."""

    accepted = Signal(object)
    dismissed = Signal(object, str)
    ref_activated = Signal(str)

    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"relevanceCard{index}")
        self.card: Card | None = None
        self.title_label = data_label()  # card titles carry customer data (order names, topics)
        self.title_label.setObjectName("cardTitle")
        self.title_label.setWordWrap(True)
        self.title_label.setStyleSheet(themed("font-weight: bold;"))
        self.reasons_label = QLabel()
        self.reasons_label.setObjectName("cardReasons")
        self.reasons_label.setWordWrap(True)
        self.reasons_label.setTextFormat(Qt.TextFormat.RichText)
        self.refs_label = QLabel()
        self.refs_label.setObjectName("cardRefs")
        self.refs_label.setWordWrap(True)
        self.refs_label.setTextFormat(Qt.TextFormat.RichText)
        self.refs_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.refs_label.linkActivated.connect(self._on_refs_label_link_activated)
        self.do_button = QPushButton(self.tr("Do it"))
        self.do_button.setObjectName("doIt")
        self.do_button.clicked.connect(self._on_do_button_clicked)
        self.dismiss_button = QToolButton()
        self.dismiss_button.setObjectName("dismiss")
        # The popup indicator draws the ▾.
        self.dismiss_button.setText(self.tr("Dismiss"))
        self.dismiss_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.dismiss_button)
        self.dismiss_actions: dict[str, QAction] = {}
        for reason in DISMISS_REASONS:
            action = menu.addAction(term(DISMISS_REASONS, reason))
            action.triggered.connect(lambda _=False, r=reason: self._on_dismiss_chosen(r))
            self.dismiss_actions[reason] = action
        self.dismiss_button.setMenu(menu)

        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.title_label, 1)
        head.addWidget(self.do_button, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.dismiss_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 5, 6, 5)
        layout.setSpacing(2)
        layout.addLayout(head)
        layout.addWidget(self.reasons_label)
        layout.addWidget(self.refs_label)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def show_card(self, card: Card, events: Mapping[str, TimelineEvent | TimelineEntry]) -> None:
        if card == self.card:
            return
        self.card = card
        colour, background, chip, mark = KIND_STYLE.get(card.kind, KIND_STYLE["insight"])
        self.setStyleSheet(
            themed(
                f"#{self.objectName()} {{ border-left: 4px solid {colour}; background: {background};"
                " border-radius: 3px; }"
            )
        )
        self.title_label.setText(f"{mark} {render(card.title)}")
        self.title_label.setToolTip(
            self.tr("Suggested action") if card.kind == "action" else self.tr("Insight")
        )
        reasons = [render(r) for r in card.reasons]
        shown = reasons[:MAX_CHIPS]
        text = " ".join(CHIP.format(bg=chip, text=html.escape(r)) for r in shown)
        if len(card.reasons) > MAX_CHIPS:
            text += f' <span style="color:#555;">+{len(card.reasons) - MAX_CHIPS}</span>'
        self.reasons_label.setText(themed(text))
        self.reasons_label.setToolTip(tooltip("\n".join(f"• {r}" for r in reasons)))
        self.refs_label.setText(self._refs_html(card, events))
        self.refs_label.setVisible(bool(card.refs))
        is_action = card.kind == "action"
        self.do_button.setVisible(is_action)
        self.dismiss_button.setVisible(is_action)
        if is_action:
            self.do_button.setToolTip(
                tooltip(self.tr("Mark as done: {0}").format(render(card.label or card.title)))
            )

    def _refs_html(self, card: Card, events: Mapping[str, TimelineEvent | TimelineEntry]) -> str:
        links: list[str] = []
        facts: list[str] = []
        for ref in card.refs:
            if ref.startswith("fact:"):
                name = ref.removeprefix("fact:")
                facts.append(html.escape(term(FACTS, name)))
                continue
            event = events.get(ref)
            label = (event.summary or event.kind) if event else ref
            when = f" ({date_text(event.at)})" if event else ""
            links.append(f'<a href="ref:{html.escape(ref)}">{html.escape(label)}{when}</a>')
        parts = links[:MAX_LINKS]
        if len(links) > MAX_LINKS:
            parts.append(self.tr("+{0} more").format(len(links) - MAX_LINKS))
        if facts:
            parts.append(", ".join(facts))
        return '<span style="color:#555;">' + self.tr("About:") + "</span> " + " · ".join(parts)

    def _on_refs_label_link_activated(self, link: str) -> None:
        if link.startswith("ref:"):
            self.ref_activated.emit(link.removeprefix("ref:"))

    def _on_do_button_clicked(self) -> None:
        if self.card is not None:
            self.accepted.emit(self.card)

    def _on_dismiss_chosen(self, reason: str) -> None:
        if self.card is not None:
            self.dismissed.emit(self.card, reason)


class RelevancePanel(QFrame):
    """The cards of one conversation. Signals: `accepted(Card)`, `dismissed(Card, reason)`,
    `ref_activated(event_id)` when the agent follows a card to an event in the history."""

    accepted = Signal(object)
    dismissed = Signal(object, str)
    ref_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("relevancePanel")
        self.ranking: Ranking | None = None
        title = QLabel(self.tr("Next best actions"))
        title.setStyleSheet(themed("font-weight: bold; font-size: 11pt;"))
        self.context_label = data_label()
        self.context_label.setObjectName("relevanceContext")
        self.context_label.setStyleSheet(themed("color: #555;"))
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.context_label)
        self.empty_label = QLabel(self.tr("Nothing stands out for this customer right now."))
        self.empty_label.setStyleSheet(themed("color: #666;"))
        self.empty_label.setWordWrap(True)
        #: grows on demand up to MAX_CARDS, then reused: a re-rank rewrites these in place
        self.cards: list[RelevanceCardWidget] = []
        self.note_label = data_label()
        self.note_label.setObjectName("relevanceNote")
        self.note_label.setStyleSheet(themed("color: #1b7f3b;"))
        self.note_label.hide()
        self.hidden_button = QToolButton()
        self.hidden_button.setObjectName("showHidden")
        self.hidden_button.setCheckable(True)
        self.hidden_button.setAutoRaise(True)
        self.hidden_button.toggled.connect(self._on_hidden_button_toggled)
        self.hidden_label = QLabel()
        self.hidden_label.setObjectName("hiddenList")
        self.hidden_label.setWordWrap(True)
        self.hidden_label.setTextFormat(Qt.TextFormat.RichText)
        self.hidden_label.setStyleSheet(themed("color: #444;"))
        self.hidden_label.hide()

        self._layout = layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(head)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.note_label)
        layout.addWidget(self.hidden_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.hidden_label)
        layout.addStretch(1)  # the cards at the top; spare height stays below them, not between
        self.empty_label.setText(self.tr("Ranking…"))

    def show_ranking(self, ranking: Ranking, events: Mapping[str, TimelineEvent | TimelineEntry]) -> None:
        """Rewrite the cards in place (no flicker); hidden items keep their open/closed state."""
        self.ranking = ranking
        self.setUpdatesEnabled(False)
        try:
            topics = ", ".join(topic_name(t) for t in ranking.topics if t != "order")
            self.context_label.setText(
                self.tr("Journey: {0}").format(term(PHASES, ranking.phase))
                + (f" · {topics}" if topics else "")
            )
            while len(self.cards) < min(len(ranking.cards), MAX_CARDS):
                self._add_card_widget()
            for widget, card in zip(self.cards, ranking.cards, strict=False):
                widget.show_card(card, events)
                widget.show()
            for widget in self.cards[len(ranking.cards) :]:
                widget.hide()
                widget.card = None
            self.empty_label.setText(self.tr("Nothing stands out for this customer right now."))
            self.empty_label.setVisible(not ranking.cards)
            count = len(ranking.hidden)
            self.hidden_button.setVisible(count > 0)
            self._label_hidden_button()
            self.hidden_label.setText(
                "<br>".join(
                    f"• {html.escape(render(h.title))} — <i>{html.escape(render(h.why))}</i>"
                    for h in ranking.hidden
                )
            )
            # The policy behind a refusal, as written, for team leads who tune the catalogue.
            details = [f"{render(h.title)}: {render(h.detail)}" for h in ranking.hidden if h.detail]
            self.hidden_label.setToolTip(tooltip("\n".join(details)))
        finally:
            self.setUpdatesEnabled(True)

    def _add_card_widget(self) -> None:
        widget = RelevanceCardWidget(len(self.cards), self)
        widget.accepted.connect(self.accepted)
        widget.dismissed.connect(self.dismissed)
        widget.ref_activated.connect(self.ref_activated)
        # After the header and the empty-state line, before the note and the hidden list.
        self._layout.insertWidget(2 + len(self.cards), widget)
        self.cards.append(widget)

    def show_note(self, text: str) -> None:
        self.note_label.setText(text)
        self.note_label.setVisible(bool(text))

    def visible_cards(self) -> list[Card]:
        return [w.card for w in self.cards if w.card is not None and not w.isHidden()]

    def card_widget(self, action: str) -> RelevanceCardWidget | None:
        return next((w for w in self.cards if w.card is not None and w.card.action == action), None)

    def _label_hidden_button(self) -> None:
        count = len(self.ranking.hidden) if self.ranking else 0
        if self.hidden_button.isChecked():
            self.hidden_button.setText(self.tr("Hide the {0} not shown ▴").format(count))
        else:
            self.hidden_button.setText(self.tr("Show {0} hidden ▾").format(count))

    def _on_hidden_button_toggled(self, checked: bool) -> None:
        self.hidden_label.setVisible(checked)
        self._label_hidden_button()
