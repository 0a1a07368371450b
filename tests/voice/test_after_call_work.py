"""After-call work has a configurable time limit: then the backend wraps the call up by itself."""

from __future__ import annotations

from typing import Any

import pytest

from tests.voice.conftest import CALLER_NUMBER, KNOWN_CUSTOMER, VoiceStack
from tests.voice.test_call_flow import available
from tests.voice.test_faults import answer, call_of

LIMIT_S = 1.0


@pytest.fixture
def voice_config() -> dict[str, Any]:
    return {"after_call_work_s": LIMIT_S}


def conversation(voice: VoiceStack, agent: dict[str, str], conv_id: str) -> dict[str, Any]:
    return dict(voice.backend.http.get(f"/api/v1/conversations/{conv_id}", headers=agent).json())


def test_after_call_work_runs_out_and_the_call_is_wrapped_up(voice: VoiceStack) -> None:
    phone = voice.phone("demo")
    agent = available(voice, "demo")
    codes = voice.backend.http.get("/api/v1/wrapup-codes", headers=agent).json()
    assert "after_call_timeout" in {c["code"] for c in codes}
    caller = voice.phone(CALLER_NUMBER, register=False)
    voice.dial(caller)
    offer = answer(voice, agent, phone)
    conv_id = offer["conversation_id"]
    # Talking is not after-call work: however long the call, it stays open.
    phone.sleep(LIMIT_S + 1.0)
    assert (
        voice.backend.http.get(f"/api/v1/conversations/{conv_id}", headers=agent).json()["state"] == "active"
    )
    caller.run(caller.client.hangup())
    voice.wait_for(lambda: call_of(voice, agent, conv_id)["ended"])
    closed = voice.wait_for(lambda: (c := conversation(voice, agent, conv_id))["state"] == "closed" and c)
    assert closed["wrapup_code"] == "after_call_timeout"
    events = voice.backend.http.get(f"/api/v1/customers/{KNOWN_CUSTOMER.id}/events", headers=agent).json()
    (contact,) = [e for e in events["events"] if e["id"] == f"{conv_id}-closed"]
    assert contact["data"]["wrapup_code"] == "after_call_timeout" and "duration_s" in contact["data"]
