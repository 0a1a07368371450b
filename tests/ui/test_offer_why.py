"""The offer card says why the router chose this agent: a line on the card, the whole story on hover."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from tests.helpers.backend import Backend
from tests.helpers.desk import Desk
from workstation.domain.models import CustomerSummary, Offer, Presence, RoutingReason, utcnow
from workstation.services.inbox import PendingOffer
from workstation.ui.offer_card import OfferCard

pytestmark = pytest.mark.gui


def _offer(routing: RoutingReason | None) -> PendingOffer:
    now = utcnow()
    offer = Offer(
        id="of-1",
        conversation_id="cv-1",
        customer=CustomerSummary(id="c-1", name="Jana Kowalski"),
        channel="chat",
        offered_at=now,
        expires_at=now + timedelta(seconds=30),
        routing=routing,
    )
    return PendingOffer(offer, time.monotonic() + 30)


def test_card_shows_a_short_why_and_the_full_reasoning_in_its_tooltip(qtbot: QtBot) -> None:
    reason = RoutingReason(
        filter="High-value shopper",
        filter_expression="tier == 'platinum' AND minutes_on_product_pages >= 30",
        step=1,
        steps=2,
        queue="Senior Sales",
        worker_expression="level >= 3",
        facts=("tier = platinum", "minutes_on_product_pages = 31 ≥ 30"),
        worker_facts=("level = 4 ≥ 3",),
        summary="tier = platinum, minutes_on_product_pages = 31 ≥ 30 → Senior Sales, step 1 of 2 " + "x" * 80,
    )
    card = OfferCard(_offer(reason))
    qtbot.addWidget(card)
    # In plain words on the card; the expressions and values in the tooltip for team leads.
    assert (
        card.why_label.text()
        == "Why: Platinum customer, 31 minutes on product pages → Senior Sales, step 1 of 2"
    )
    tooltip = card.why_label.toolTip()
    assert "tier = platinum" in tooltip and "minutes_on_product_pages = 31 ≥ 30" in tooltip
    assert "Filter: High-value shopper" in tooltip and "level = 4 ≥ 3" in tooltip
    assert "Step 1 of 2: queue Senior Sales" in tooltip
    # A long queue name does not stretch the card: the line is elided.
    long_card = OfferCard(_offer(reason.model_copy(update={"queue": "Senior Sales " + "x" * 80})))
    qtbot.addWidget(long_card)
    assert long_card.why_label.text().endswith("…") and len(long_card.why_label.text()) < 100


def test_card_from_a_backend_that_does_not_explain_has_no_why_line(qtbot: QtBot) -> None:
    card = OfferCard(_offer(None))
    qtbot.addWidget(card)
    assert card.why_label.isHidden()


def test_an_offer_from_the_real_router_explains_itself_on_the_card(desk: Desk, backend: Backend) -> None:
    desk.window.set_presence(Presence.AVAILABLE)
    desk.wait_until(lambda: desk.ws.store.count_pending() == 0)
    # c-1 is a gold customer; the shop says she browsed products for 31 minutes.
    backend.start_chat(
        "c-1", "Ist das Gerät lieferbar?", topic="product", attributes={"minutes_on_product_pages": 31}
    )
    desk.wait_until(lambda: desk.window.offer_cards)
    (card,) = desk.window.offer_cards.values()
    assert (
        card.why_label.text() == "Why: Gold customer, 31 minutes on product pages → Senior Sales, step 1 of 2"
    )
    assert "High-value shopper" in card.why_label.toolTip()
