"""An offered chat: who, which channel and topic, why it came to this agent, and the time left."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from workstation.domain.voice import CallInfo
from workstation.services.inbox import PendingOffer
from workstation.ui.icons import channel_icon
from workstation.ui.labels import channel_name, language_name, topic_name
from workstation.ui.routing_text import details_text, summary_text
from workstation.ui.text import data_label, escape, tooltip
from workstation.ui.theme import themed


class OfferCard(QFrame):
    """One offer with Accept / Decline and a countdown.

    Signals: `accept_clicked(offer_id)`, `reject_clicked(offer_id)`.
    """

    accept_clicked = Signal(str)
    reject_clicked = Signal(str)

    def show_call(self, info: CallInfo) -> None:
        """A call's offer: the caller's number and the dialled line, or that the caller is unknown."""
        who = info.ani or self.tr("withheld number")
        if not info.known_caller:
            who = self.tr("unknown caller {0}").format(who)
        self.details_label.setTextFormat(Qt.TextFormat.PlainText)  # the number comes from the caller
        self.details_label.setText(f"{self.details_label.text()} · ☎ {who} → {info.dnis}")

    def __init__(self, pending: PendingOffer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pending = pending
        offer = pending.offer
        self.setObjectName("offerCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            themed("#offerCard { background: #fff8e1; border: 1px solid #f0c36d; border-radius: 6px; }")
        )
        icon = QLabel()
        icon.setPixmap(channel_icon(offer.channel, 28).pixmap(28, 28))
        self.name_label = QLabel(f"<b>{escape(offer.customer.name)}</b>")
        self.name_label.setTextFormat(Qt.TextFormat.RichText)  # our bold, the name escaped
        details = [channel_name(offer.channel)]
        if offer.topic:
            details.append(self.tr("topic: {0}").format(topic_name(offer.topic)))
        if offer.language:
            details.append(language_name(offer.language))
        self.details_label = data_label(" · ".join(details))
        if offer.page is not None:
            self.details_label.setToolTip(
                tooltip(self.tr("Chat started on {0}").format(offer.page.title or offer.page.url))
            )
        # Why the router chose this agent: one line on the card, the whole reasoning on hover.
        self.why_label = QLabel()
        self.why_label.setObjectName("offerWhy")
        self.why_label.setStyleSheet(themed("#offerWhy { color: #5d4a1f; }"))
        self.why_label.setTextFormat(Qt.TextFormat.PlainText)
        routing = offer.routing
        if routing is not None and routing.summary:
            self.why_label.setText(self.tr("Why: {0}").format(_elide(summary_text(routing), 90)))
            self.why_label.setToolTip(tooltip(details_text(routing)))
            self.why_label.setAccessibleName(self.tr("Why this offer"))
            self.why_label.setAccessibleDescription(details_text(routing))
        else:
            self.why_label.hide()
        self.countdown = QProgressBar()
        self.countdown.setRange(0, 1000)
        # A thin bar and the seconds beside the buttons: compact when several offers wait.
        self.countdown.setTextVisible(False)
        self.countdown.setMaximumHeight(5)
        self.time_label = QLabel()
        self.time_label.setObjectName("offerTimeLeft")
        self.accept_button = QPushButton(self.tr("&Accept"))
        self.accept_button.setDefault(True)
        self.accept_button.setToolTip(self.tr("Accept (Ctrl+Shift+A)"))
        self.reject_button = QPushButton(self.tr("&Decline"))
        self.reject_button.setToolTip(self.tr("Decline (Ctrl+Shift+D)"))
        self.accept_button.setAccessibleName(self.tr("Accept the chat with {0}").format(offer.customer.name))
        self.reject_button.setAccessibleName(self.tr("Decline the chat with {0}").format(offer.customer.name))
        self.accept_button.clicked.connect(lambda: self.accept_clicked.emit(offer.id))
        self.reject_button.clicked.connect(lambda: self.reject_clicked.emit(offer.id))

        # Who and what on one line, why on the next: with two offers waiting in a 1280×720 window the
        # band is two lines per card, and the conversation and history below keep their rows.
        who = QHBoxLayout()
        who.setSpacing(8)
        who.addWidget(self.name_label)
        who.addWidget(self.details_label, 1)
        text = QVBoxLayout()
        text.setSpacing(1)
        text.addLayout(who)
        text.addWidget(self.why_label)
        text.addWidget(self.countdown)
        self._text = text  # a ringing call's preview goes below (add_preview)
        self.preview: QWidget | None = None
        row = QHBoxLayout(self)
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(text, 1)
        row.addWidget(self.time_label)
        row.addWidget(self.accept_button)
        row.addWidget(self.reject_button)

        self._timer = QTimer(self)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self._tick()

    def add_preview(self, preview: QWidget) -> None:
        """Who is calling and the first relevance cards, under the details (calls only)."""
        if self.preview is None:
            self.preview = preview
            self._text.insertWidget(self._text.count() - 1, preview)  # above the countdown bar

    def remaining(self) -> float:
        return max(0.0, self.pending.deadline - time.monotonic())

    def set_busy(self, busy: bool) -> None:
        self.accept_button.setEnabled(not busy and self.remaining() > 0)
        self.reject_button.setEnabled(not busy and self.remaining() > 0)

    def _tick(self) -> None:
        total = max(self.pending.offer.timeout_s, 0.001)
        left = self.remaining()
        self.countdown.setValue(int(1000 * left / total))
        self.countdown.setFormat(self.tr("%n s left", "", int(left + 0.999)))
        self.countdown.setAccessibleName(self.countdown.format())
        self.time_label.setText(self.countdown.format())
        if left <= 0:
            self._timer.stop()
            self.countdown.setFormat(self.tr("Timed out"))
            self.time_label.setText(self.countdown.format())
            self.set_busy(True)


def _elide(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
