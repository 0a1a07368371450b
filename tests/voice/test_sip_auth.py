"""SIP digest authentication at the real proxy against the credentials the backend keeps.

A phone with the wrong password is not registered and gets no calls; one with the right password is
and does. Nobody can REGISTER or INVITE as an agent without the agent's SIP password (a raw SIP
client here plays the attacker, and answers challenges with a digest it computes itself); a
customer's call (a number the backend has no credential for) is not challenged.
"""

from __future__ import annotations

import hashlib
import re
import socket
import time

from tests.voice.conftest import CALLER_NUMBER, HOTLINE, Phone, VoiceStack, sip_password
from tests.voice.test_call_flow import available, voice_offers
from workstation.services.voice import registration_state

REALM = "workstation"


class RawSip:
    """A bare SIP client on a UDP socket: sends one request, returns the final responses' texts."""

    def __init__(self, proxy_port: int) -> None:
        self.proxy = ("127.0.0.1", proxy_port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(5)
        self.port = self.sock.getsockname()[1]
        self.call_id = f"raw-{time.monotonic_ns()}"
        self.cseq = 0

    def close(self) -> None:
        self.sock.close()

    def request(self, method: str, user: str, to: str, auth: str = "") -> str:
        """The final response (the first that is not 1xx) to one request from `user` to `to`."""
        self.cseq += 1
        body = (
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n"
        )
        if method != "INVITE":
            body = ""
        target = f"sip:{to}@127.0.0.1:{self.proxy[1]}"
        lines = [
            f"{method} {target if method == 'INVITE' else f'sip:127.0.0.1:{self.proxy[1]}'} SIP/2.0",
            f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};rport;branch=z9hG4bK{time.monotonic_ns()}",
            "Max-Forwards: 70",
            f"From: <sip:{user}@127.0.0.1>;tag=raw{self.cseq}",
            f"To: <{target if method == 'INVITE' else f'sip:{user}@127.0.0.1'}>",
            f"Call-ID: {self.call_id}",
            f"CSeq: {self.cseq} {method}",
            f"Contact: <sip:{user}@127.0.0.1:{self.port}>",
        ]
        if method == "REGISTER":
            lines.append("Expires: 60")
        if auth:
            lines.append(auth)
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(body)}")
        self.sock.sendto(("\r\n".join(lines) + "\r\n\r\n" + body).encode(), self.proxy)
        while True:
            data = self.sock.recv(65535).decode(errors="replace")
            if not re.match(r"SIP/2.0 1\d\d", data):
                return data


def digest(challenge: str, header: str, method: str, uri: str, user: str, password: str) -> str:
    """The Authorization/Proxy-Authorization header answering a 401/407 (RFC 2617, qop=auth)."""
    found = re.search(rf"^{header}: Digest (.*)$", challenge, re.MULTILINE | re.IGNORECASE)
    assert found, challenge
    params = dict(re.findall(r'(\w+)="?([^",]*)"?', found.group(1)))
    realm, nonce = params["realm"], params["nonce"]

    def md5(text: str) -> str:
        return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()

    ha1, ha2, cnonce, nc = md5(f"{user}:{realm}:{password}"), md5(f"{method}:{uri}"), "0a4f113b", "00000001"
    response = md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
    name = "Authorization" if header == "WWW-Authenticate" else "Proxy-Authorization"
    return (
        f'{name}: Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
        f'response="{response}", algorithm=MD5, cnonce="{cnonce}", qop=auth, nc={nc}'
    )


def registered(voice: VoiceStack, phone: Phone) -> bool | None:
    """What the phone itself says (baresip's `reginfo`, as the desk asks it)."""
    return registration_state(phone.run(phone.client.registration()))  # type: ignore[no-any-return]


def test_a_softphone_with_a_wrong_password_is_not_registered_and_not_offered_calls(voice: VoiceStack) -> None:
    voice.set_sip_password("demo")
    phone = voice.phone("demo", auth_pass="not-the-password")
    # Refused (the REGISTER_FAIL event may come before the test's control connection: ask).
    voice.wait_for(lambda: phone.seen("REGISTER_FAIL") or registered(voice, phone) is False)
    agent = available(voice, "demo")
    assert not voice.voice_desk().is_registered("demo")

    caller = voice.phone(CALLER_NUMBER, register=False)
    voice.dial(caller)
    closed = caller.wait_event("CALL_CLOSED", timeout=20)
    assert "480" in closed.reason or "No agent" in closed.reason, closed
    assert voice_offers(voice, agent) == []
    assert not phone.seen("CALL_INCOMING")


def test_the_right_password_registers_and_the_call_reaches_the_agent(voice: VoiceStack) -> None:
    phone = voice.phone("demo")  # the conftest gives it its password and waits for the registration
    assert registered(voice, phone) is True
    agent = available(voice, "demo")
    caller = voice.phone(CALLER_NUMBER, register=False)  # a customer: no password, not challenged
    voice.dial(caller)
    (offer,) = voice.wait_for(lambda: voice_offers(voice, agent))
    phone.wait_event("CALL_INCOMING")
    assert offer["customer"]["id"] == "c-phone"
    caller.run(caller.client.hangup())


def test_nobody_registers_or_calls_as_an_agent_without_the_password(voice: VoiceStack) -> None:
    voice.set_sip_password("demo")
    voice.phone("anna")  # a registered agent an impostor might call directly
    sip = RawSip(voice.proxy.port)
    try:
        # REGISTER as demo: challenged; a digest made with a wrong password is challenged again.
        challenge = sip.request("REGISTER", "demo", "demo")
        assert challenge.startswith("SIP/2.0 401"), challenge
        assert f'realm="{REALM}"' in challenge
        uri = f"sip:127.0.0.1:{voice.proxy.port}"
        wrong = digest(challenge, "WWW-Authenticate", "REGISTER", uri, "demo", "guessed-password")
        assert sip.request("REGISTER", "demo", "demo", wrong).startswith("SIP/2.0 401")
        assert not voice.voice_desk().is_registered("demo")
        # ... and with the right one the proxy accepts it (the check really compares the digest).
        challenge = sip.request("REGISTER", "demo", "demo")
        right = digest(challenge, "WWW-Authenticate", "REGISTER", uri, "demo", sip_password("demo"))
        assert sip.request("REGISTER", "demo", "demo", right).startswith("SIP/2.0 200")
        voice.wait_registered("demo")

        # A SIP user the backend has no credential for may not register at all.
        assert sip.request("REGISTER", "mallory", "mallory").startswith("SIP/2.0 403")

        # INVITE posing as agent demo (to agent anna, or to the hotline): 407, and again with a
        # digest of a guessed password; anna's phone never rings.
        for to in ("anna", HOTLINE):
            challenge = sip.request("INVITE", "demo", to)
            assert challenge.startswith("SIP/2.0 407"), challenge
            invite_uri = f"sip:{to}@127.0.0.1:{voice.proxy.port}"
            wrong = digest(challenge, "Proxy-Authenticate", "INVITE", invite_uri, "demo", "guessed-password")
            assert sip.request("INVITE", "demo", to, wrong).startswith("SIP/2.0 407")
        anna = voice.phones[0]
        anna.sleep(0.5)
        assert not anna.seen("CALL_INCOMING")
    finally:
        sip.close()


def test_without_the_backend_the_proxy_refuses_instead_of_letting_agents_in_unchecked(
    voice: VoiceStack,
) -> None:
    voice.set_sip_password("demo")
    voice.backend.server.stop()
    sip = RawSip(voice.proxy.port)
    try:
        assert sip.request("REGISTER", "demo", "demo").startswith("SIP/2.0 503")
        assert sip.request("INVITE", "demo", "anna").startswith("SIP/2.0 503")
    finally:
        sip.close()
