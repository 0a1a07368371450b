"""The band of incoming offers above the conversations: one card per offer, at most ~2 cards tall."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from workstation.domain.voice import CallInfo
    from workstation.services.inbox import PendingOffer
    from workstation.ui.offer_card import OfferCard

#: How many offer cards show at once before the offer band scrolls.
MAX_OFFERS_SHOWN = 2.2
#: The band never takes more than this share of the window's height.
MAX_SHARE_OF_WINDOW = 3


class OfferArea(QScrollArea):
    """Signals: `accept_requested(offer_id)`, `reject_requested(offer_id)` (a card's buttons, or the
    window's shortcuts for the oldest offer). Hidden while there is no offer."""

    accept_requested = Signal(str)
    reject_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offerScroll")
        self.cards: dict[str, OfferCard] = {}
        self.band = QWidget()
        self.band.setObjectName("offerArea")
        self.band_layout = QVBoxLayout(self.band)
        self.band_layout.setContentsMargins(6, 6, 6, 0)
        self.band_layout.setSpacing(4)
        # Several offers at once stay in a band of at most ~2 cards (it scrolls beyond): the open
        # conversation keeps its rows even in a 1200×760 window.
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(self.band)
        self.hide()

    def add(self, pending: PendingOffer, window_height: int) -> OfferCard:
        from workstation.ui.offer_card import OfferCard

        card = OfferCard(pending, self.band)
        card.accept_clicked.connect(self.accept_requested)
        card.reject_clicked.connect(self.reject_requested)
        self.cards[pending.offer.id] = card
        self.band_layout.addWidget(card)
        self.fit(window_height)
        return card

    def remove(self, offer_id: str, window_height: int) -> None:
        card = self.cards.pop(offer_id, None)
        if card is not None:
            card.deleteLater()
        self.fit(window_height)

    def show_call(self, offer_id: str, info: CallInfo) -> None:
        card = self.cards.get(offer_id)
        if card is not None:
            card.show_call(info)

    def set_busy(self, offer_id: str, busy: bool) -> None:
        card = self.cards.get(offer_id)
        if card is not None:
            card.set_busy(busy)

    def oldest(self) -> str | None:
        """The offer whose deadline comes first (what the accept/decline shortcuts act on)."""
        if not self.cards:
            return None
        return min(self.cards.values(), key=lambda c: c.pending.deadline).pending.offer.id

    def accept_oldest(self) -> None:
        offer_id = self.oldest()
        if offer_id:
            self.accept_requested.emit(offer_id)

    def reject_oldest(self) -> None:
        offer_id = self.oldest()
        if offer_id:
            self.reject_requested.emit(offer_id)

    def fit(self, window_height: int) -> None:
        """Show the band as tall as its cards, but never more than ~2 cards or a third of the
        window: more offers scroll inside it."""
        cards = list(self.cards.values())
        visible = bool(cards)
        self.band.setVisible(visible)
        self.setVisible(visible)
        if not visible:
            return
        card_height = max((c.sizeHint().height() for c in cards), default=80)
        margins = self.band_layout.contentsMargins()
        spacing = self.band_layout.spacing()
        content = sum(c.sizeHint().height() + spacing for c in cards) + margins.top() + margins.bottom()
        limit = min(int(card_height * MAX_OFFERS_SHOWN + 12), window_height // MAX_SHARE_OF_WINDOW)
        self.setFixedHeight(max(min(content, limit), card_height + 8))
