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


def test_blind_transfer_to_an_agent_offers_the_call_on_that_agents_desk(voice: VoiceStack) -> None:
    demo_phone = voice.phone("demo")
    demo = available(voice, "demo")
    caller = voice.phone(CALLER_NUMBER, register=False)
    voice.dial(caller)
    first = answer(voice, demo, demo_phone)
    anna_phone = voice.phone("anna")
    anna = available(voice, "anna")

    # demo transfers the caller to anna's own number: the proxy asks the backend (the caller is not an
    # agent), which offers the new voice task to anna herself, with the caller, and her phone rings.
    demo_phone.run(demo_phone.client.transfer(f"sip:anna@127.0.0.1:{voice.proxy.port}"))
    demo_phone.run(demo_phone.client.hangup())
    (offer,) = voice.wait_for(lambda: voice_offers(voice, anna), 20)
    assert offer["conversation_id"] != first["conversation_id"]
    assert offer["routing"]["filter"] == "transfer" and "anna" in offer["routing"]["summary"]
    incoming = anna_phone.wait_event("CALL_INCOMING")
    assert CALLER_NUMBER in incoming.peer
    call = call_of(voice, anna, offer["conversation_id"])
    assert call["ani"] == CALLER_NUMBER and call["dnis"] == "anna" and call["known_caller"]
    caller.run(caller.client.hangup())


def test_a_call_to_an_agent_who_cannot_take_it_is_routed_to_someone_who_can(voice: VoiceStack) -> None:
    voice.phone("anna")  # registered, but Away: not offered the call dialled to her
    demo_phone = voice.phone("demo")
    demo = available(voice, "demo")
    caller = voice.phone(CALLER_NUMBER, register=False)
    voice.dial(caller, "anna")
    (offer,) = voice.wait_for(lambda: voice_offers(voice, demo), 20)
    assert offer["routing"]["filter"] != "transfer"
    demo_phone.wait_event("CALL_INCOMING")
    caller.run(caller.client.hangup())
