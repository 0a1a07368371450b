"""Team leads see calls in the queue monitor like chats: waiting while it rings, the agent busy on it
(and through after-call work), answered and abandoned in the statistics."""

from __future__ import annotations

from typing import Any

from tests.voice.conftest import CALLER_NUMBER, VoiceStack
from tests.voice.test_call_flow import available, voice_offers
from tests.voice.test_faults import answer, call_of


def snapshot(voice: VoiceStack, lead: dict[str, str]) -> dict[str, Any]:
    response = voice.backend.http.get("/api/v1/monitor/snapshot", headers=lead)
    assert response.status_code == 200, response.text
    return dict(response.json())


def demo_state(snap: dict[str, Any]) -> str:
    return str(next(a["state"] for a in snap["agents"] if a["username"] == "demo"))


def test_calls_in_the_queue_monitor(voice: VoiceStack) -> None:
    lead = voice.backend.login("lead")
    phone = voice.phone("demo")
    agent = available(voice, "demo")
    caller = voice.phone(CALLER_NUMBER, register=False)

    # A call that rings and is given up by the caller: waiting, then abandoned.
    voice.dial(caller)
    voice.wait_for(lambda: voice_offers(voice, agent))
    voice.wait_for(lambda: snapshot(voice, lead)["total"]["waiting"] == 1)
    phone.wait_event("CALL_INCOMING")
    caller.run(caller.client.hangup())
    voice.wait_for(lambda: snapshot(voice, lead)["total"]["abandoned"] == 1)
    voice.wait_for(lambda: snapshot(voice, lead)["total"]["waiting"] == 0)

    # A call that is answered: the agent is busy on it, through after-call work, free after wrap-up.
    phone.events.clear()
    caller.events.clear()
    voice.dial(caller)
    offer = answer(voice, agent, phone)
    voice.wait_for(lambda: demo_state(snapshot(voice, lead)) == "busy")
    assert snapshot(voice, lead)["total"]["answered"] == 1
    caller.run(caller.client.hangup())
    voice.wait_for(lambda: call_of(voice, agent, offer["conversation_id"])["ended"])
    assert demo_state(snapshot(voice, lead)) == "busy"  # after-call work
    path = f"/api/v1/conversations/{offer['conversation_id']}/close"
    assert voice.backend.http.post(path, json={"wrapup_code": "resolved"}, headers=agent).status_code == 200
    voice.wait_for(lambda: demo_state(snapshot(voice, lead)) == "available")
