"""Desk-phone mode: the agent keeps their own SIP phone (a baresip that answers by itself, never driven by
the desk); the desk pops the offer, and only the agent's accept there makes the proxy ring that phone.
The call's end and talk time come from the proxy's events, through the backend."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.desk import aloop, close_desk  # noqa: F401 (aloop: fixture)
from tests.voice.conftest import CALLER_NUMBER, KNOWN_CUSTOMER, Phone, VoiceStack, voice_stack
from tests.voice.test_call_flow import available
from tests.voice.test_desk_call import open_phone_desk
from workstation.services.voice import CallState
from workstation.ui.call_panel import CallPanel

pytestmark = pytest.mark.gui

DESK_PHONE = "demo-desk"


def _rang(phone: Phone) -> list[str]:
    """The call events the phone saw (answering by itself, it reports no CALL_INCOMING: any of these)."""
    return [e.type for e in phone.events if e.type.startswith("CALL_")]


@pytest.fixture
def desk_phone_voice(aloop: asyncio.AbstractEventLoop, tmp_path: Path) -> Iterator[VoiceStack]:  # noqa: F811
    with voice_stack(tmp_path, aloop, desk_phones={"demo": DESK_PHONE}) as stack:
        yield stack


def test_the_desk_phone_rings_only_after_the_accept_and_the_desk_records_the_call(
    desk_phone_voice: VoiceStack,
) -> None:
    voice = desk_phone_voice
    phone = voice.phone(DESK_PHONE, auto_answer=True)  # the agent's own phone: the desk never drives it
    desk = open_phone_desk(voice, None, softphone="desk")
    try:
        service = desk.ws.voice
        assert service is not None and service.desk_phone and service.ready
        available(voice, "demo")  # the desk phone's registration counts as demo's
        caller = voice.phone(CALLER_NUMBER, register=False)
        voice.dial(caller)
        desk.wait_until(lambda: desk.window.offer_cards)
        (card,) = desk.window.offer_cards.values()
        assert card.pending.offer.customer.name == KNOWN_CUSTOMER.name
        desk.wait_until(lambda: CALLER_NUMBER in card.details_label.text())
        # Popped on the desk; the phone on the desk stays silent until the agent accepts.
        assert not _rang(phone) and not caller.seen("CALL_ESTABLISHED")

        desk.window.accept_offer(card.pending.offer.id)
        phone.wait_event("CALL_ESTABLISHED")
        caller.wait_event("CALL_ESTABLISHED")
        desk.wait_until(lambda: service.call is not None and service.call.state == CallState.TALKING)
        assert service.call is not None
        conv_id = service.call.conversation_id
        desk.wait_until(lambda: conv_id in desk.window.views)
        panel = desk.window.views[conv_id].findChild(CallPanel)
        assert panel is not None
        # Call control is on the agent's phone, not on the desk.
        assert not panel.hangup_button.isEnabled() and not panel.hold_button.isEnabled()

        caller.sleep(1.2)
        caller.run(caller.client.hangup())  # the caller hangs up: the proxy reports the BYE
        phone.wait_event("CALL_CLOSED")
        desk.wait_until(
            lambda: service.call is not None and service.call.state == CallState.ENDED, timeout=15
        )
        info = service.call.info
        assert info is not None and info.ended and info.talk_s is not None and info.talk_s >= 1.0
        assert "after-call work" in panel.state_label.text()

        desk.ws.inbox.close(conv_id, "resolved")
        agent = voice.backend.login("demo")

        def contact() -> Any:
            page = voice.backend.http.get(f"/api/v1/customers/{KNOWN_CUSTOMER.id}/events", headers=agent)
            return [e for e in page.json()["events"] if e["id"] == f"{conv_id}-closed"]

        desk.wait_until(contact)
        (event,) = contact()
        assert event["channel"] == "phone" and event["data"]["duration_s"] == info.talk_s
    finally:
        close_desk(desk)


def test_a_call_rejected_on_the_desk_never_rings_the_desk_phone(desk_phone_voice: VoiceStack) -> None:
    voice = desk_phone_voice
    phone = voice.phone(DESK_PHONE, auto_answer=True)
    desk = open_phone_desk(voice, None, softphone="desk")
    try:
        available(voice, "demo")
        caller = voice.phone(CALLER_NUMBER, register=False)
        voice.dial(caller)
        desk.wait_until(lambda: desk.window.offer_cards)
        (card,) = desk.window.offer_cards.values()
        desk.window.controller.reject_offer(card.pending.offer.id)
        # Nobody else is available: the caller is told so, and the desk phone never rang.
        caller.wait_event("CALL_CLOSED")
        assert not _rang(phone)
        assert not caller.seen("CALL_ESTABLISHED")
    finally:
        close_desk(desk)
