"""A customer's call through the real proxy: routed by the backend, offered, answered, held, hung up,
wrapped up, in the history. Faults: the caller hangs up while ringing; no registered softphone."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session as DbSession

from tests.voice.conftest import CALLER_NUMBER, HOTLINE, KNOWN_CUSTOMER, VoiceStack
from tests.voice.telephony import tone_power
from workstation.server.db import ConversationRow, TaskOutcomeRow

AGENT_TONE, CALLER_TONE = 440, 1000


def available(voice: VoiceStack, username: str) -> dict[str, str]:
    headers = voice.backend.login(username)
    response = voice.backend.http.put("/api/v1/me/presence", json={"presence": "available"}, headers=headers)
    assert response.status_code == 200, response.text
    return headers


def voice_offers(voice: VoiceStack, headers: dict[str, str]) -> list[dict[str, Any]]:
    return [o for o in voice.backend.offers(headers) if o["channel"] == "voice"]


def conversation_state(voice: VoiceStack, conversation_id: str) -> tuple[str, str | None]:
    backend = voice.backend.server.backend
    assert backend is not None
    with DbSession(backend.engine) as db:
        conv = db.get(ConversationRow, conversation_id)
        outcome = db.get(TaskOutcomeRow, conversation_id)
        assert conv is not None
        return conv.state, outcome.outcome if outcome else None


def ratio(path: Any, hz: int) -> float:
    tone, total = tone_power(path, hz)
    return tone / total if total > 1000 else 0.0


def test_call_is_routed_offered_answered_held_hung_up_and_in_the_history(voice: VoiceStack) -> None:
    agent_phone = voice.phone("demo", tone_hz=AGENT_TONE)
    agent = available(voice, "demo")
    caller = voice.phone(CALLER_NUMBER, tone_hz=CALLER_TONE, register=False)
    voice.dial(caller)

    # The proxy asked the backend; the backend offered the call to the only registered agent, whose
    # softphone now rings, and the offer names the customer found by the caller's number.
    (offer,) = voice.wait_for(lambda: voice_offers(voice, agent))
    assert offer["customer"]["id"] == KNOWN_CUSTOMER.id
    incoming = agent_phone.wait_event("CALL_INCOMING")
    assert CALLER_NUMBER in incoming.peer
    call = voice.backend.http.get(f"/api/v1/voice/calls/{offer['conversation_id']}", headers=agent).json()
    assert (call["ani"], call["dnis"], call["known_caller"]) == (CALLER_NUMBER, HOTLINE, True)

    # Answer from the desk: the offer is accepted and the softphone picks up.
    accepted = voice.backend.http.post(f"/api/v1/offers/{offer['id']}/accept", headers=agent)
    assert accepted.status_code == 200, accepted.text
    agent_phone.run(agent_phone.client.accept())
    agent_phone.wait_event("CALL_ESTABLISHED")
    caller.wait_event("CALL_ESTABLISHED")
    agent_phone.sleep(1.5)
    agent_phone.run(agent_phone.client.hold())
    agent_phone.sleep(1.0)
    agent_phone.run(agent_phone.client.resume())
    agent_phone.sleep(1.5)
    (mine,) = voice.backend.http.get("/api/v1/voice/calls", headers=agent).json()
    assert mine["conversation_id"] == offer["conversation_id"] and not mine["ended"]

    # The caller hangs up: the proxy reports the BYE, the backend records the talk time.
    caller.run(caller.client.hangup())
    agent_phone.wait_event("CALL_CLOSED")
    ended = voice.wait_for(
        lambda: (
            voice.backend.http.get(f"/api/v1/voice/calls/{offer['conversation_id']}", headers=agent).json()[
                "ended"
            ]
            and voice.backend.http.get(
                f"/api/v1/voice/calls/{offer['conversation_id']}", headers=agent
            ).json()
        )
    )
    assert ended["talk_s"] >= 3.0  # 1.5 + 1 + 1.5 s of sleeping on the call at least

    # Audio flowed both ways.
    (heard_by_agent,) = agent_phone.process.recordings()
    (heard_by_caller,) = caller.process.recordings()
    assert ratio(heard_by_agent, CALLER_TONE) > 0.5
    assert ratio(heard_by_caller, AGENT_TONE) > 0.5

    # After-call work: the wrap-up closes it; the history shows a phone contact with duration and outcome.
    closed = voice.backend.http.post(
        f"/api/v1/conversations/{offer['conversation_id']}/close",
        json={"wrapup_code": "resolved"},
        headers=agent,
    )
    assert closed.status_code == 200, closed.text
    events = voice.backend.http.get(f"/api/v1/customers/{KNOWN_CUSTOMER.id}/events", headers=agent).json()
    (contact,) = [e for e in events["events"] if e["id"] == f"{offer['conversation_id']}-closed"]
    assert contact["channel"] == "phone" and contact["kind"] == "contact"
    assert contact["data"]["outcome"] == "resolved"
    assert contact["data"]["duration_s"] == ended["talk_s"]


def test_caller_hanging_up_while_ringing_withdraws_the_offer(voice: VoiceStack) -> None:
    agent_phone = voice.phone("demo")
    agent = available(voice, "demo")
    caller = voice.phone(CALLER_NUMBER, register=False)
    voice.dial(caller)
    (offer,) = voice.wait_for(lambda: voice_offers(voice, agent))
    agent_phone.wait_event("CALL_INCOMING")
    caller.run(caller.client.hangup())  # CANCEL while the agent's phone rings
    agent_phone.wait_event("CALL_CLOSED")
    voice.wait_for(lambda: not voice_offers(voice, agent))
    accept = voice.backend.http.post(f"/api/v1/offers/{offer['id']}/accept", headers=agent)
    assert accept.status_code == 409
    # The task is closed as abandoned, not left waiting for another agent (there is no caller).
    waiting = voice.backend.http.get("/api/v1/routing/waiting", headers=voice.backend.login("lead")).json()
    assert offer["conversation_id"] not in {w["conversation_id"] for w in waiting}
    assert conversation_state(voice, offer["conversation_id"]) == ("closed", "abandoned")


def test_agent_without_a_registered_softphone_is_not_offered_calls(voice: VoiceStack) -> None:
    agent = available(voice, "demo")  # Available, but no softphone registered
    caller = voice.phone(CALLER_NUMBER, register=False)
    voice.dial(caller)
    closed = caller.wait_event("CALL_CLOSED", timeout=20)
    assert "480" in closed.reason or "No agent" in closed.reason, closed
    assert voice_offers(voice, agent) == []


def test_unknown_caller_becomes_an_unknown_caller_record(voice: VoiceStack) -> None:
    voice.phone("demo")
    agent = available(voice, "demo")
    caller = voice.phone("+15550001", register=False)
    voice.dial(caller)
    (offer,) = voice.wait_for(lambda: voice_offers(voice, agent))
    assert offer["customer"]["name"] == "Unknown caller"
    call = voice.backend.http.get(f"/api/v1/voice/calls/{offer['conversation_id']}", headers=agent).json()
    assert call["known_caller"] is False and call["ani"] == "+15550001"
    caller.run(caller.client.hangup())
