"""The telephony parts alone: two baresip phones register at Kamailio, call, and hear each other."""

from __future__ import annotations

from tests.voice.conftest import VoiceStack
from tests.voice.telephony import tone_power

AGENT_TONE, CALLER_TONE = 440, 1000


def assert_heard(recording_owner: object, recordings: list, hz: int, other_hz: int) -> None:
    assert recordings, f"{recording_owner} recorded nothing"
    tone, total = tone_power(recordings[-1], hz)
    stray, _ = tone_power(recordings[-1], other_hz)
    assert total > 1000, f"{recording_owner} received silence"
    # Nearly all the received power is the other side's tone, none of it is one's own.
    assert tone / total > 0.5, (tone, total)
    assert stray / total < 0.05, (stray, total)


def test_two_phones_register_call_and_hear_each_other(voice: VoiceStack) -> None:
    agent = voice.phone("demo", tone_hz=AGENT_TONE)
    caller = voice.phone("anna", tone_hz=CALLER_TONE)
    voice.dial(caller, "demo")
    incoming = agent.wait_event("CALL_INCOMING")
    assert "anna" in incoming.peer
    agent.run(agent.client.accept())
    agent.wait_event("CALL_ESTABLISHED")
    caller.wait_event("CALL_ESTABLISHED")
    agent.sleep(2.0)
    agent.run(agent.client.hangup())
    caller.wait_event("CALL_CLOSED")
    agent.wait_event("CALL_CLOSED")
    assert_heard("the agent", agent.process.recordings(), CALLER_TONE, AGENT_TONE)
    assert_heard("the caller", caller.process.recordings(), AGENT_TONE, CALLER_TONE)


def test_unregistering_is_reported_to_the_backend(voice: VoiceStack) -> None:
    agent = voice.phone("demo")
    assert voice.voice_desk().is_registered("demo")
    agent.process.stop()  # baresip unregisters when it quits
    voice.wait_registered("demo", registered=False)
