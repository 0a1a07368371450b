"""The audit log: who did what and when, append-only, for team leads, without secrets or texts."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.backend import Backend
from tests.security.server_helpers import API, admin, running

pytestmark = pytest.mark.security

SECRET_NOTE = "customer said the door code is 4711"


def _audit(backend: Backend, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    answer = backend.http.get(f"{API}/audit", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["entries"])


def test_sign_ins_and_failures_are_recorded_with_the_address(backend: Backend) -> None:
    assert (
        backend.http.post(f"{API}/auth/login", json={"username": "anna", "password": "wrong"}).status_code
        == 401
    )
    assert (
        backend.http.post(
            f"{API}/auth/login", json={"username": "my-password-typo", "password": "x"}
        ).status_code
        == 401
    )
    lead = backend.login("lead")
    entries = _audit(backend, lead)
    failed = [e for e in entries if e["action"] == "auth.sign_in_failed"]
    assert [e["target"] for e in failed] == ["anna", ""]  # an unknown name is not kept (it may be a password)
    assert all(e["address"] == "127.0.0.1" for e in failed)
    (ok,) = [e for e in entries if e["action"] == "auth.sign_in"]
    assert ok["actor"] == "teamlead:lead" and ok["address"] == "127.0.0.1"
    assert "wrong" not in json.dumps(entries) and "my-password-typo" not in json.dumps(entries)


def test_agents_cannot_read_the_audit_log(backend: Backend) -> None:
    agent = backend.login("anna")
    assert backend.http.get(f"{API}/audit", headers=agent).status_code == 403
    service = {"Authorization": f"Bearer {backend.service_token}"}
    assert backend.http.get(f"{API}/audit", headers=service).status_code == 403
    assert backend.http.get(f"{API}/audit").status_code == 401


def test_team_lead_actions_routing_changes_and_record_edits_are_recorded(backend: Backend) -> None:
    lead = backend.login("lead")
    anna, _chat, _conversation_id = backend.accepted_chat("anna", "c-1")
    assert (
        backend.http.put(
            f"{API}/monitor/agents/a-ben/presence", json={"presence": "away"}, headers=lead
        ).status_code
        == 200
    )
    waiting = backend.start_chat("c-3", "Hallo")["conversation"]["id"]
    moved = backend.http.post(f"{API}/monitor/tasks/{waiting}/move", json={"queue": "english"}, headers=lead)
    assert moved.status_code == 200, moved.text
    config = backend.http.get(f"{API}/routing/config", headers=lead).json()
    assert backend.http.put(f"{API}/routing/config", json=config, headers=lead).status_code == 200
    assert (
        backend.http.put(
            f"{API}/routing/agents/a-ben",
            json={"attributes": {"level": 2}, "capacity": {"chat": 2}},
            headers=lead,
        ).status_code
        == 200
    )
    version = backend.http.get(f"{API}/customers/c-1", headers=anna).json()["version"]
    edit = backend.http.patch(
        f"{API}/customers/c-1",
        json={"fields": {"email": "jana@example.org"}},
        headers={**anna, "If-Match": str(version)},
    )
    assert edit.status_code == 200, edit.text
    note = backend.http.post(f"{API}/customers/c-1/notes", json={"text": SECRET_NOTE}, headers=anna)
    assert note.status_code == 200, note.text
    note_id = note.json()["id"]
    changed = backend.http.put(
        f"{API}/customers/c-1/notes/{note_id}",
        json={"text": SECRET_NOTE + "!"},
        headers={**anna, "If-Match": "1"},
    )
    assert changed.status_code == 200, changed.text

    entries = {e["action"]: e for e in _audit(backend, lead, limit=1000)}
    assert entries["teamlead.force_presence"]["target"] == "ben"
    assert entries["teamlead.force_presence"]["detail"] == {"presence": "away"}
    assert entries["teamlead.move_task"]["target"] == waiting
    assert entries["teamlead.move_task"]["detail"] == {"queue": "english"}
    assert entries["routing.config_replaced"]["actor"] == "teamlead:lead"
    assert entries["routing.agent_changed"]["target"] == "ben"
    assert entries["record.customer_edited"]["actor"] == "agent:anna"
    assert entries["record.customer_edited"]["detail"] == {"fields": ["email"]}
    assert entries["record.note_created"]["detail"] == {"note": note_id}
    assert entries["record.note_edited"]["target"] == "c-1"
    everything = json.dumps(list(entries.values()))
    assert "door code" not in everything and "jana@example.org" not in everything


def test_the_log_pages_by_id(backend: Backend) -> None:
    for _ in range(3):
        backend.http.post(f"{API}/auth/login", json={"username": "ben", "password": "wrong"})
    lead = backend.login("lead")
    first = _audit(backend, lead, limit=2)
    rest = _audit(backend, lead, after=first[-1]["id"], limit=1000)
    ids = [e["id"] for e in first + rest]
    assert len(ids) == 4 and ids == sorted(ids) and len(set(ids)) == 4  # 3 failures, 1 sign-in


def test_admin_commands_are_recorded_and_the_table_is_append_only(tmp_path: Path) -> None:
    added = admin(
        tmp_path,
        "users",
        "add",
        "carla",
        "--role",
        "agent",
        "--password-stdin",
        stdin="a good long password\n",
    )
    assert added.returncode == 0, added.stderr
    assert admin(tmp_path, "service-accounts", "add", "crm").returncode == 0
    assert admin(tmp_path, "service-accounts", "revoke", "crm").returncode == 0
    assert admin(tmp_path, "users", "disable", "carla").returncode == 0
    with running(tmp_path) as backend:
        entries = _audit(backend, backend.login("lead"))
    actions = [(e["actor"], e["action"], e["target"]) for e in entries]
    assert actions[:4] == [
        ("cli", "admin.user_added", "carla"),
        ("cli", "admin.service_account_added", "crm"),
        ("cli", "admin.service_account_revoked", "crm"),
        ("cli", "admin.user_disabled", "carla"),
    ]
    assert "a good long password" not in json.dumps(entries)
    with sqlite3.connect(tmp_path / "backend.sqlite3") as db:
        for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                db.execute(statement)


def test_a_lockout_is_recorded_once_with_its_length(backend: Backend) -> None:
    for _ in range(6):  # the fifth failure locks; the sixth is refused before any check (429)
        backend.http.post(f"{API}/auth/login", json={"username": "ben", "password": "wrong"})
    entries = _audit(backend, backend.login("lead"))
    locked = [e for e in entries if e["action"] == "auth.locked_out"]
    assert [(e["target"], e["detail"]) for e in locked] == [("ben", {"seconds": 30})]
    assert sum(e["action"] == "auth.sign_in_failed" for e in entries) == 5
