"""Before answering: the ringing call's offer card shows the relevance panel's first cards for the
customer found by the caller's number, or, for an unknown caller, a search to find them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NamedTuple

import pytest

from tests.helpers.desk import Desk, aloop, close_desk  # noqa: F401 (aloop: fixture)
from tests.voice.conftest import CALLER_NUMBER, KNOWN_CUSTOMER, VoiceStack
from tests.voice.test_call_flow import available
from tests.voice.test_desk_call import gui_voice, open_phone_desk  # noqa: F401 (gui_voice: fixture)
from workstation.domain.models import TimelineEvent, utcnow
from workstation.services.voice import CallState, VoiceService
from workstation.ui.call_preview import CallPreview
from workstation.ui.domain_text import render

pytestmark = pytest.mark.gui


def _seed_delayed_order(voice: VoiceStack) -> None:
    now = utcnow()
    events = [
        TimelineEvent(
            id="po1",
            customer_id=KNOWN_CUSTOMER.id,
            at=now - timedelta(days=6),
            channel="web",
            kind="order_placed",
            summary="Order 47110 placed: Espresso machine (329 EUR)",
            data={"order_id": "47110", "value": 329.0, "items": 1},
        ),
        TimelineEvent(
            id="po2",
            customer_id=KNOWN_CUSTOMER.id,
            at=now - timedelta(hours=20),
            channel="logistics",
            kind="delivery_delayed",
            summary="Order 47110 delayed: depot backlog",
            data={"order_id": "47110", "new_eta": (now + timedelta(days=2)).isoformat()},
        ),
    ]
    inner = voice.backend.server.backend
    assert inner is not None
    voice.backend.server.call(lambda: inner.add_customer_events(events, push=False))


class Ringing(NamedTuple):
    """A call ringing on a desk: the desk's voice service, the test caller, the offer card and its
    preview."""

    service: VoiceService
    caller: Any
    card: Any
    preview: CallPreview


def ring(voice: VoiceStack, desk: Desk, number: str) -> Ringing:
    """The agent "demo" (softphone ready) goes Available and `number` calls: returns once the offer
    card shows the call's preview."""
    service = desk.ws.voice
    assert service is not None
    desk.wait_until(lambda: service.ready)
    available(voice, "demo")
    caller = voice.phone(number, register=False)
    voice.dial(caller)
    desk.wait_until(lambda: desk.window.offer_cards)
    (card,) = desk.window.offer_cards.values()
    desk.wait_until(lambda: isinstance(card.preview, CallPreview))
    preview = card.preview
    assert isinstance(preview, CallPreview)
    return Ringing(service, caller, card, preview)


def test_the_ringing_card_shows_the_callers_cards_before_answering(gui_voice: VoiceStack) -> None:  # noqa: F811
    voice = gui_voice
    _seed_delayed_order(voice)
    agent_phone = voice.phone("demo", control=False)
    desk = open_phone_desk(voice, agent_phone.process.ctrl_port)
    try:
        service, caller, card, preview = ring(voice, desk, CALLER_NUMBER)
        assert not preview.search_edit.isVisible()  # a known caller: nobody to search for
        # Still ringing (not answered): the cards come from the backend's history of the caller.
        desk.wait_until(lambda: "47110" in preview.cards_label.text(), timeout=15)
        assert service.call is None and not desk.window.views
        shown = preview.cards_label.text()

        # Answered: the relevance panel's first card is the one the ringing card led with.
        desk.window.accept_offer(card.pending.offer.id)
        desk.wait_until(lambda: service.call is not None and service.call.state == CallState.TALKING)
        view = next(iter(desk.window.views.values()))
        desk.wait_until(lambda: bool(view.relevance_panel.visible_cards()))
        first = render(view.relevance_panel.visible_cards()[0].title)
        assert shown.startswith("Next best actions: " + first)
        service.hangup()
        caller.wait_event("CALL_CLOSED")
    finally:
        close_desk(desk)


def test_an_unknown_caller_can_be_searched_for_while_it_rings(gui_voice: VoiceStack) -> None:  # noqa: F811
    voice = gui_voice
    agent_phone = voice.phone("demo", control=False)
    desk = open_phone_desk(voice, agent_phone.process.ctrl_port)
    try:
        _service, caller, card, preview = ring(voice, desk, "+4917099999")  # nobody's number
        desk.wait_until(lambda: "unknown caller" in card.details_label.text())
        assert preview.search_edit.isVisible()

        preview.search_edit.setText("x")  # too short: the backend's reason, nothing breaks
        preview.search_button.click()
        desk.wait_until(lambda: preview.search_note.isVisible() and "at least" in preview.search_note.text())

        preview.search_edit.setText("anrufer")
        preview.search_button.click()
        desk.wait_until(lambda: preview.results.count() == 1)
        row = preview.results.item(0).text()
        assert KNOWN_CUSTOMER.name in row and str(KNOWN_CUSTOMER.phone) in row
        assert not preview.search_note.isVisible()
        caller.run(caller.client.hangup())  # the caller gives up: the card goes, nothing is left over
        desk.wait_until(lambda: not desk.window.offer_cards)
        desk.wait_until(lambda: not desk.window.controller.call_previews)
    finally:
        close_desk(desk)
