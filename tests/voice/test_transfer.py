"""Blind transfer from the agent's softphone to the hotline: the caller is re-routed as a new voice task."""

from __future__ import annotations

from tests.voice.conftest import CALLER_NUMBER, HOTLINE, VoiceStack
from tests.voice.test_call_flow import available, voice_offers
from tests.voice.test_faults import answer, call_of


def test_blind_transfer_to_the_hotline_reaches_another_agent(voice: VoiceStack) -> None:
    demo_phone = voice.phone("demo")
    demo = available(voice, "demo")
    caller = voice.phone(CALLER_NUMBER, tone_hz=1000, register=False)
    voice.dial(caller)
    first = answer(voice, demo, demo_phone)
    anna_phone = voice.phone("anna")
    anna = available(voice, "anna")

    # demo transfers the caller back to the hotline (REFER) and drops out at once (blind: as the desk's
    # Transfer button does); the caller dials the hotline, the proxy asks the backend again, and anna
    # (free and speaks German; demo is in after-call work) is offered the call and her phone rings.
    demo_phone.run(demo_phone.client.transfer(f"sip:{HOTLINE}@127.0.0.1:{voice.proxy.port}"))
    demo_phone.run(demo_phone.client.hangup())
    (second,) = voice.wait_for(lambda: voice_offers(voice, anna), 20)
    assert second["conversation_id"] != first["conversation_id"]
    incoming = anna_phone.wait_event("CALL_INCOMING")
    assert CALLER_NUMBER in incoming.peer
    demo_phone.wait_event("CALL_CLOSED")
    voice.wait_for(lambda: call_of(voice, demo, first["conversation_id"])["ended"])
    assert call_of(voice, anna, second["conversation_id"])["ani"] == CALLER_NUMBER
    caller.run(caller.client.hangup())
