"""An unknown caller identified on the desk: the agent finds them during the call and links the call;
the tab opens again with that customer's header, history and relevance cards, the call goes on, and
its wrap-up lands in the customer's history. Real proxy, real softphones, the real window."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.desk import aloop, close_desk  # noqa: F401 (aloop: fixture)
from tests.voice.conftest import KNOWN_CUSTOMER, VoiceStack
from tests.voice.test_call_flow import available
from tests.voice.test_call_preview import _seed_delayed_order, ring
from tests.voice.test_desk_call import gui_voice, open_phone_desk  # noqa: F401 (gui_voice: fixture)
from workstation.services.voice import CallState
from workstation.ui.call_panel import CallPanel
from workstation.ui.call_preview import CallPreview

pytestmark = pytest.mark.gui

UNKNOWN_NUMBER = "+4917099999"


def test_an_answered_unknown_caller_is_linked_to_the_customer_found(gui_voice: VoiceStack) -> None:  # noqa: F811
    voice = gui_voice
    _seed_delayed_order(voice)
    agent_phone = voice.phone("demo", control=False)
    desk = open_phone_desk(voice, agent_phone.process.ctrl_port)
    try:
        service = desk.ws.voice
        assert service is not None
        controller = desk.window.controller
        desk.wait_until(lambda: service.ready)
        available(voice, "demo")
        caller = voice.phone(UNKNOWN_NUMBER, register=False)
        voice.dial(caller)
        desk.wait_until(lambda: desk.window.offer_cards)
        (card,) = desk.window.offer_cards.values()
        desk.wait_until(lambda: isinstance(card.preview, CallPreview))  # the call's details are here
        desk.window.accept_offer(card.pending.offer.id)
        desk.wait_until(lambda: service.call is not None and service.call.state == CallState.TALKING)
        caller.wait_event("CALL_ESTABLISHED")
        assert service.call is not None
        conv_id = service.call.conversation_id
        desk.wait_until(lambda: conv_id in desk.window.views)
        before = desk.window.views[conv_id]
        assert before.customer_header.name_label.text() == "Unknown caller"

        # The tab of an unknown caller's call has the search; the caller says who they are.
        search = controller.call_searches[conv_id]
        assert search.isVisibleTo(before) and not search.link_button.isVisibleTo(before)
        search.search_edit.setText("anrufer")
        search.search_button.click()
        desk.wait_until(lambda: search.results.count() == 1)
        assert not search.link_button.isEnabled()  # nobody picked yet
        search.results.setCurrentRow(0)
        assert search.link_button.isEnabled()
        search.link_button.click()

        # The tab opens again, as the customer's: header, history, relevance cards; the call goes on.
        desk.wait_until(
            lambda: (
                (v := desk.window.views.get(conv_id)) is not None
                and v is not before
                and v.customer_header.name_label.text() == KNOWN_CUSTOMER.name
            ),
            timeout=15,
        )
        after = desk.window.views[conv_id]
        assert after.conversation.customer.id == KNOWN_CUSTOMER.id
        assert conv_id not in controller.call_searches  # found: nothing left to search
        desk.wait_until(
            lambda: any("47110" in str(card.title) for card in after.relevance_panel.visible_cards()),
            timeout=15,
        )
        panel = after.findChild(CallPanel)
        assert panel is not None and UNKNOWN_NUMBER in panel.number_label.text()
        assert service.call is not None and service.call.state == CallState.TALKING
        assert desk.window.conversations.current() is after

        # Hung up and wrapped up: the phone contact is in the customer's history, not the placeholder's.
        panel.hangup_button.click()
        caller.wait_event("CALL_CLOSED")
        desk.wait_until(lambda: service.call is not None and service.call.state == CallState.ENDED)
        desk.ws.inbox.close(conv_id, "resolved")
        agent = voice.backend.login("demo")

        def contact() -> Any:
            page = voice.backend.http.get(f"/api/v1/customers/{KNOWN_CUSTOMER.id}/events", headers=agent)
            return [e for e in page.json()["events"] if e["id"] == f"{conv_id}-closed"]

        desk.wait_until(contact)
        (event,) = contact()
        assert event["channel"] == "phone"
    finally:
        close_desk(desk)


def test_a_ringing_unknown_caller_is_linked_from_the_offer_card(gui_voice: VoiceStack) -> None:  # noqa: F811
    voice = gui_voice
    agent_phone = voice.phone("demo", control=False)
    desk = open_phone_desk(voice, agent_phone.process.ctrl_port)
    try:
        service, caller, card, preview = ring(voice, desk, UNKNOWN_NUMBER)
        preview.search_edit.setText("030 123456")
        preview.search_button.click()
        desk.wait_until(lambda: preview.results.count() == 1)
        preview.results.setCurrentRow(0)
        preview.link_button.click()
        desk.wait_until(lambda: KNOWN_CUSTOMER.name in preview.search_note.text())
        assert preview.search_note.text() == f"Call linked to {KNOWN_CUSTOMER.name}"
        assert not preview.search_edit.isVisibleTo(preview)

        # Answered: the tab is the customer's from the start, with nobody left to search for.
        desk.window.accept_offer(card.pending.offer.id)
        desk.wait_until(lambda: service.call is not None and service.call.state == CallState.TALKING)
        assert service.call is not None
        conv_id = service.call.conversation_id
        desk.wait_until(lambda: conv_id in desk.window.views)
        view = desk.window.views[conv_id]
        assert view.customer_header.name_label.text() == KNOWN_CUSTOMER.name
        assert conv_id not in desk.window.controller.call_searches
        service.hangup()
        caller.wait_event("CALL_CLOSED")
    finally:
        close_desk(desk)
