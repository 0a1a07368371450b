"""Voice faults with the real proxy: two calls at once, chats blocked during a call, the proxy or the
backend restarting in the middle of a call."""

from __future__ import annotations

import time
from pathlib import Path

from tests.helpers.backend import Backend, start_server
from tests.voice.conftest import CALLER_NUMBER, VOICE_KEY, VoiceStack
from tests.voice.telephony import Kamailio
from tests.voice.test_call_flow import available, voice_offers
from workstation.server.voice_config import VoiceConfig

#: Long enough for many router passes (the test backend's router ticks every 50 ms).
ROUTER_PASSES_S = 1.5


def answer(voice: VoiceStack, agent: dict[str, str], phone: object) -> dict[str, object]:
    (offer,) = voice.wait_for(lambda: voice_offers(voice, agent))
    accepted = voice.backend.http.post(f"/api/v1/offers/{offer['id']}/accept", headers=agent)
    assert accepted.status_code == 200, accepted.text
    phone.wait_event("CALL_INCOMING")  # type: ignore[attr-defined]
    phone.run(phone.client.accept())  # type: ignore[attr-defined]
    phone.wait_event("CALL_ESTABLISHED")  # type: ignore[attr-defined]
    return offer


def call_of(voice: VoiceStack, agent: dict[str, str], conversation_id: object) -> dict[str, object]:
    response = voice.backend.http.get(f"/api/v1/voice/calls/{conversation_id}", headers=agent)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_two_calls_at_once_ring_two_different_desks(voice: VoiceStack) -> None:
    demo_phone, ben_phone = voice.phone("demo"), voice.phone("ben")
    demo, ben = available(voice, "demo"), available(voice, "ben")
    first = voice.phone("+4930111111", register=False)
    second = voice.phone("+4930222222", register=False)
    voice.dial(first)
    voice.dial(second)
    demo_phone.wait_event("CALL_INCOMING")
    ben_phone.wait_event("CALL_INCOMING")
    (demo_offer,) = voice.wait_for(lambda: voice_offers(voice, demo))
    (ben_offer,) = voice.wait_for(lambda: voice_offers(voice, ben))
    assert demo_offer["conversation_id"] != ben_offer["conversation_id"]
    demo_phone.sleep(ROUTER_PASSES_S)
    # Each phone rang once, for its own call: no call rings on two desks.
    assert [e.type for e in demo_phone.events].count("CALL_INCOMING") == 1
    assert [e.type for e in ben_phone.events].count("CALL_INCOMING") == 1
    callers = {
        e.peer.split("@")[0] for p in (demo_phone, ben_phone) for e in p.events if e.type == "CALL_INCOMING"
    }
    assert callers == {"sip:+4930111111", "sip:+4930222222"}
    for caller in (first, second):
        caller.run(caller.client.hangup())


def test_a_call_blocks_new_chats_until_wrap_up(voice: VoiceStack) -> None:
    phone = voice.phone("demo")
    agent = available(voice, "demo")
    caller = voice.phone(CALLER_NUMBER, register=False)
    voice.dial(caller)
    offer = answer(voice, agent, phone)
    voice.backend.start_chat("c-2", "Hello, where is my parcel?")  # English: demo could take it
    phone.sleep(ROUTER_PASSES_S)
    assert [o for o in voice.backend.offers(agent) if o["channel"] == "chat"] == []
    caller.run(caller.client.hangup())
    voice.wait_for(lambda: call_of(voice, agent, offer["conversation_id"])["ended"])
    # Still in after-call work: no chat yet. Wrapped up: the chat comes.
    phone.sleep(ROUTER_PASSES_S)
    assert [o for o in voice.backend.offers(agent) if o["channel"] == "chat"] == []
    closed = voice.backend.http.post(
        f"/api/v1/conversations/{offer['conversation_id']}/close",
        json={"wrapup_code": "resolved"},
        headers=agent,
    )
    assert closed.status_code == 200, closed.text
    voice.wait_for(lambda: [o for o in voice.backend.offers(agent) if o["channel"] == "chat"])


def test_the_call_survives_a_proxy_restart(voice: VoiceStack) -> None:
    phone = voice.phone("demo")
    agent = available(voice, "demo")
    caller = voice.phone(CALLER_NUMBER, register=False)
    voice.dial(caller)
    offer = answer(voice, agent, phone)
    port = voice.proxy.port
    voice.proxy.stop()
    voice.proxy = Kamailio(voice.tmp / "proxy-2", voice.backend.url, VOICE_KEY, port=port)
    phone.sleep(1.0)
    assert not caller.seen("CALL_CLOSED") and not phone.seen("CALL_CLOSED")
    # The BYE finds its way through the new proxy (record-routed, no state needed) to the agent,
    # and the backend hears of it.
    caller.run(caller.client.hangup())
    phone.wait_event("CALL_CLOSED")
    voice.wait_for(lambda: call_of(voice, agent, offer["conversation_id"])["ended"])


def test_the_call_survives_a_backend_restart(voice: VoiceStack, tmp_path: Path) -> None:
    phone = voice.phone("demo")
    agent = available(voice, "demo")
    caller = voice.phone(CALLER_NUMBER, register=False)
    voice.dial(caller)
    offer = answer(voice, agent, phone)
    server = voice.backend.server
    port = int(server.url.rsplit(":", 1)[1])
    voice.backend.http.close()
    server.stop()
    restarted = start_server(tmp_path / "backend", port=port, voice=VoiceConfig(key=VOICE_KEY))
    voice.backend = Backend(restarted)
    try:
        agent = voice.backend.login("demo")
        # The desk recovers its state: the call is still the agent's, not ended.
        (mine,) = voice.backend.http.get("/api/v1/voice/calls", headers=agent).json()
        assert mine["conversation_id"] == offer["conversation_id"] and not mine["ended"]
        time.sleep(0.5)
        assert not phone.seen("CALL_CLOSED")
        caller.run(caller.client.hangup())
        phone.wait_event("CALL_CLOSED")
        voice.wait_for(lambda: call_of(voice, agent, offer["conversation_id"])["ended"])
    finally:
        voice.backend.http.close()
        restarted.stop()
