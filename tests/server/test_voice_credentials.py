"""SIP passwords over the real HTTP API: stored as HA1 only, audited without the password, readable by
the proxy alone; who may set which SIP user's password; bad input answered with a clear 4xx."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session as DbSession

from tests.helpers.backend import Backend, backend_with
from workstation.server import accounts
from workstation.server.db import AuditRow, SipCredentialRow
from workstation.server.voice_config import VoiceConfig

KEY = "proxy-key"
PASSWORD = "correct horse battery"
API = "/api/v1/voice"


@pytest.fixture
def voice_backend(tmp_path: Path) -> Iterator[Backend]:
    voice = VoiceConfig(key=KEY, desk_phones={"ben": "ben-desk"})
    with backend_with(tmp_path, events_per_customer=0, voice=voice) as helper:
        yield helper


def md5(value: str) -> str:
    return hashlib.md5(value.encode(), usedforsecurity=False).hexdigest()


def credential(
    backend: Backend, user: str, realm: str = "workstation", key: str | None = KEY
) -> tuple[int, str]:
    headers = {"X-Voice-Key": key} if key is not None else {}
    response = backend.http.post(f"{API}/credential", params={"user": user, "realm": realm}, headers=headers)
    return response.status_code, response.text


def test_an_agent_sets_their_sip_password_and_only_ha1_is_stored(
    voice_backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    demo = voice_backend.login("demo")
    response = voice_backend.http.put(f"{API}/sip-password", json={"password": PASSWORD}, headers=demo)
    assert response.status_code == 200, response.text
    assert response.json() == {"user": "demo", "realm": "workstation"}

    ha1 = md5(f"demo:workstation:{PASSWORD}")
    assert credential(voice_backend, "demo") == (200, ha1)
    backend = voice_backend.server.backend
    assert backend is not None
    with DbSession(backend.engine) as db:
        row = db.get(SipCredentialRow, "demo")
        assert row is not None and row.ha1 == ha1 and row.realm == "workstation"
        # The password is nowhere in the database: not in the credential, not in the audit log.
        dump = "\n".join(str(r) for r in db.execute(text("SELECT * FROM voice_sip_credentials")))
        audit = db.scalars(select(AuditRow).where(AuditRow.action == "voice.sip_password_set")).all()
        assert [(a.actor, a.target) for a in audit] == [("agent:demo", "sip:demo")]
        dump += "\n".join(f"{a.detail}" for a in db.scalars(select(AuditRow)))
    assert PASSWORD not in dump
    assert PASSWORD not in caplog.text


def test_who_may_set_which_sip_password(voice_backend: Backend) -> None:
    demo, ben, lead = (voice_backend.login(u) for u in ("demo", "ben", "lead"))

    def put(headers: dict[str, str], user: str) -> int:
        body = {"user": user, "password": PASSWORD}
        return voice_backend.http.put(f"{API}/sip-password", json=body, headers=headers).status_code

    assert put(demo, "anna") == 403  # not another agent's
    assert put(ben, "ben-desk") == 200  # their own desk phone
    assert put(demo, "ben-desk") == 403
    assert put(lead, "anna") == 200  # a team lead sets any agent's
    assert put(lead, "+4930123456") == 404  # ... but not for a number that is nobody's phone
    assert voice_backend.http.put(f"{API}/sip-password", json={"password": PASSWORD}).status_code == 401
    service = {"Authorization": f"Bearer {voice_backend.service_token}"}
    assert put(service, "anna") == 403
    assert credential(voice_backend, "ben-desk")[0] == 200
    assert credential(voice_backend, "demo")[0] == 404  # never set


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"password": "short"}, 400),
        ({"password": "x" * 129}, 400),
        ({"password": "line\nbreak-password"}, 400),
        ({"user": "demo;evil", "password": PASSWORD}, 400),
        ({"user": "", "password": PASSWORD}, 400),
        ({}, 400),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    voice_backend: Backend, body: dict[str, str], status: int
) -> None:
    response = voice_backend.http.put(f"{API}/sip-password", json=body, headers=voice_backend.login("demo"))
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]
    assert "short" not in response.text and "break-password" not in response.text  # never echoed


def test_only_the_proxy_reads_credentials_and_only_for_its_realm(voice_backend: Backend) -> None:
    lead = voice_backend.login("lead")
    voice_backend.http.put(f"{API}/sip-password", json={"user": "anna", "password": PASSWORD}, headers=lead)
    assert credential(voice_backend, "anna", key=None)[0] == 403
    assert credential(voice_backend, "anna", key="wrong")[0] == 403
    assert credential(voice_backend, "anna", realm="elsewhere")[0] == 404
    assert credential(voice_backend, "+4930123456")[0] == 404  # a customer's number: no credential
    assert credential(voice_backend, "not a sip user")[0] == 404
    assert credential(voice_backend, "anna")[0] == 200


def test_a_disabled_agent_has_no_credential(voice_backend: Backend) -> None:
    lead = voice_backend.login("lead")
    voice_backend.http.put(f"{API}/sip-password", json={"user": "anna", "password": PASSWORD}, headers=lead)
    backend = voice_backend.server.backend
    assert backend is not None
    accounts.disable_user(backend.engine, "anna")
    assert credential(voice_backend, "anna")[0] == 404
