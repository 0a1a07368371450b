"""The callers' waiting queue at the real proxy: a caller no agent is free for hears "182 Queued" and
waits (the INVITE suspended at the proxy); the call reaches the first agent who becomes free, or
ends with 480 after queue_max_wait_s; a caller who hangs up while waiting leaves an abandoned task."""

from __future__ import annotations

import re
import socket
import time
from typing import Any

import pytest

from tests.voice.conftest import CALLER_NUMBER, HOTLINE, VoiceStack
from tests.voice.test_call_flow import available, conversation_state, voice_offers

QUEUE = {"route_wait_s": 0.3, "queue_max_wait_s": 30.0}


class RawCaller:
    """A customer's INVITE from a bare UDP socket, to read every response's status line."""

    def __init__(self, proxy_port: int, number: str = CALLER_NUMBER) -> None:
        self.proxy = ("127.0.0.1", proxy_port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.number = number
        self.call_id = f"queue-{time.monotonic_ns()}"
        self.statuses: list[str] = []

    def invite(self, to: str = HOTLINE) -> None:
        body = (
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n"
        )
        target = f"sip:{to}@127.0.0.1:{self.proxy[1]}"
        message = (
            f"INVITE {target} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};rport;branch=z9hG4bK{time.monotonic_ns()}\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:{self.number}@127.0.0.1>;tag=q1\r\nTo: <{target}>\r\n"
            f"Call-ID: {self.call_id}\r\nCSeq: 1 INVITE\r\n"
            f"Contact: <sip:{self.number}@127.0.0.1:{self.port}>\r\n"
            f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n{body}"
        )
        self.sock.sendto(message.encode(), self.proxy)

    def until_final(self, timeout: float) -> str:
        """Collects status lines until a final one (returned), or fails after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                data = self.sock.recv(65535).decode(errors="replace")
            except TimeoutError:
                break
            status = data.split("\r\n", 1)[0]
            if status.startswith("SIP/2.0"):
                self.statuses.append(status)
                if not re.match(r"SIP/2.0 1\d\d", status):
                    return status
        raise AssertionError(f"no final response within {timeout} s; saw {self.statuses}")

    def close(self) -> None:
        self.sock.close()


def task_of(voice: VoiceStack) -> Any:
    return voice.voice_desk().queue


@pytest.mark.parametrize("voice_config", [{**QUEUE, "queue_max_wait_s": 1.5}])
def test_a_caller_nobody_is_free_for_is_queued_then_told_480_when_the_wait_runs_out(
    voice: VoiceStack,
) -> None:
    voice.phone("demo")  # registered, but Away: no agent is free
    caller = RawCaller(voice.proxy.port)
    try:
        caller.invite()
        final = caller.until_final(20)
        assert "SIP/2.0 182 Queued" in caller.statuses, caller.statuses
        assert final == "SIP/2.0 480 No agent available", caller.statuses
    finally:
        caller.close()
    assert task_of(voice).waiting() == 0


@pytest.mark.parametrize("voice_config", [QUEUE])
def test_a_queued_call_reaches_the_agent_who_becomes_free(voice: VoiceStack) -> None:
    agent_phone = voice.phone("demo")
    caller = voice.phone(CALLER_NUMBER, register=False)
    voice.dial(caller)
    voice.wait_for(lambda: task_of(voice).waiting() == 1)  # queued: no agent was free
    agent_phone.sleep(1.0)  # the caller waits; nothing rings meanwhile
    assert not agent_phone.seen("CALL_INCOMING")

    agent = available(voice, "demo")  # an agent becomes free: the router offers, the proxy rings
    (offer,) = voice.wait_for(lambda: voice_offers(voice, agent))
    agent_phone.wait_event("CALL_INCOMING")
    assert task_of(voice).waiting() == 0
    accepted = voice.backend.http.post(f"/api/v1/offers/{offer['id']}/accept", headers=agent)
    assert accepted.status_code == 200, accepted.text
    agent_phone.run(agent_phone.client.accept())
    caller.wait_event("CALL_ESTABLISHED")
    caller.run(caller.client.hangup())
    # The resumed call was record-routed like any other: the proxy saw the BYE, the backend the end.
    call = f"/api/v1/voice/calls/{offer['conversation_id']}"
    voice.wait_for(lambda: voice.backend.http.get(call, headers=agent).json()["ended"])


@pytest.mark.parametrize("voice_config", [QUEUE])
def test_a_caller_who_hangs_up_while_queued_leaves_an_abandoned_task(voice: VoiceStack) -> None:
    voice.phone("demo")  # Away
    caller = voice.phone(CALLER_NUMBER, register=False)
    voice.dial(caller)
    voice.wait_for(lambda: task_of(voice).waiting() == 1)
    (conv_id,) = [conv for conv, _since in task_of(voice)._waiting.values()]
    caller.run(caller.client.hangup())  # CANCEL while the INVITE is suspended at the proxy
    caller.wait_event("CALL_CLOSED")
    voice.wait_for(lambda: conversation_state(voice, conv_id) == ("closed", "abandoned"))
    voice.wait_for(lambda: task_of(voice).waiting() == 0)  # the proxy let go of the transaction too
    log = voice.proxy.log()
    assert "queue decision for a call not held" not in log and "transaction not found" not in log
