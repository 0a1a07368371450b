"""Version-guarded edits over real HTTP: customer contact fields and notes (If-Match, 412, 428)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.backend import Backend

API = "/api/v1"


def _agent_with_chat(backend: Backend, customer_id: str = "c-1") -> dict[str, str]:
    demo = backend.login("demo")
    assert (
        backend.http.put(f"{API}/me/presence", json={"presence": "available"}, headers=demo).status_code
        == 200
    )
    backend.start_chat(customer_id, "Hallo")
    (offer,) = backend.wait_for(lambda: backend.offers(demo))
    assert backend.http.post(f"{API}/offers/{offer['id']}/accept", headers=demo).status_code == 200
    return demo


def _patch(
    backend: Backend, headers: dict[str, str], version: Any, fields: dict[str, Any], key: str | None = None
):  # type: ignore[no-untyped-def]
    extra = {"If-Match": f'"{version}"'} if version is not None else {}
    if key:
        extra["Idempotency-Key"] = key
    return backend.http.patch(f"{API}/customers/c-1", json={"fields": fields}, headers={**headers, **extra})


def test_customer_edit_needs_the_current_version_and_returns_the_next(backend: Backend) -> None:
    demo = _agent_with_chat(backend)
    current = backend.http.get(f"{API}/customers/c-1", headers=demo).json()
    refused = _patch(backend, demo, None, {"email": "jana@example.org"})
    assert refused.status_code == 428 and refused.json()["error"]["code"] == "precondition_required"

    saved = _patch(backend, demo, current["version"], {"email": "jana@example.org"})
    assert saved.status_code == 200, saved.text
    assert saved.json()["email"] == "jana@example.org"
    assert saved.json()["version"] == current["version"] + 1
    assert backend.http.get(f"{API}/customers/c-1", headers=demo).json()["email"] == "jana@example.org"


def test_an_edit_on_an_old_version_is_refused_with_the_current_record(backend: Backend) -> None:
    demo = _agent_with_chat(backend)
    lead = backend.login("lead")
    version = backend.http.get(f"{API}/customers/c-1", headers=demo).json()["version"]
    assert _patch(backend, lead, version, {"phone": "+49 30 1234"}).status_code == 200
    stale = _patch(backend, demo, version, {"phone": "+49 40 9999"}, key="edit-on-old-version")
    assert stale.status_code == 412
    error = stale.json()["error"]
    assert error["code"] == "version_conflict"
    assert error["current"]["phone"] == "+49 30 1234" and error["current"]["version"] == version + 1
    # nothing was overwritten, and the same key gets the same answer again
    assert backend.http.get(f"{API}/customers/c-1", headers=demo).json()["phone"] == "+49 30 1234"
    again = _patch(backend, demo, version, {"phone": "+49 40 9999"}, key="edit-on-old-version")
    assert (again.status_code, again.json()) == (412, stale.json())


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"name": "Someone Else"}, "not editable"),
        ({"email": "not-an-address"}, "e-mail"),
        ({"phone": "call me"}, "phone"),
        ({"company": "x" * 201}, "200"),
        ({"email": 42}, "text"),
        ({}, "at least one"),
    ],
)
def test_invalid_customer_fields_are_refused_by_name(
    backend: Backend, fields: dict[str, Any], problem: str
) -> None:
    demo = _agent_with_chat(backend)
    version = backend.http.get(f"{API}/customers/c-1", headers=demo).json()["version"]
    response = _patch(backend, demo, version, fields)
    assert response.status_code == 422
    assert problem in str(response.json()["error"]["details"])


def test_agents_edit_only_customers_of_their_conversations(backend: Backend) -> None:
    demo = _agent_with_chat(backend, "c-1")
    response = backend.http.patch(
        f"{API}/customers/c-2",
        json={"fields": {"email": "x@example.org"}},
        headers={**demo, "If-Match": '"1"'},
    )
    assert response.status_code == 403


def test_notes_are_created_once_per_key_and_edited_by_version(backend: Backend) -> None:
    demo = _agent_with_chat(backend)
    lead = backend.login("lead")
    first = backend.http.post(
        f"{API}/customers/c-1/notes",
        json={"text": "Ruft lieber abends an"},
        headers={**demo, "Idempotency-Key": "note-key-1"},
    )
    repeat = backend.http.post(
        f"{API}/customers/c-1/notes",
        json={"text": "Ruft lieber abends an"},
        headers={**demo, "Idempotency-Key": "note-key-1"},
    )
    assert first.status_code == 200 and repeat.json() == first.json()
    note = first.json()
    assert (note["version"], note["client_key"]) == (1, "note-key-1")
    assert note["author"] == backend.http.get(f"{API}/me", headers=demo).json()["name"]
    listed = backend.http.get(f"{API}/customers/c-1/notes", headers=demo).json()
    assert [n["id"] for n in listed] == [note["id"]]

    url = f"{API}/customers/c-1/notes/{note['id']}"
    assert (
        backend.http.put(url, json={"text": "Nur abends"}, headers={**lead, "If-Match": '"1"'}).status_code
        == 200
    )
    stale = backend.http.put(url, json={"text": "Abends ab 18 Uhr"}, headers={**demo, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["error"]["current"]["text"] == "Nur abends"
    assert backend.http.put(url, json={"text": "Abends ab 18 Uhr"}, headers=demo).status_code == 428
    ok = backend.http.put(url, json={"text": "Abends ab 18 Uhr"}, headers={**demo, "If-Match": 'W/"2"'})
    assert ok.status_code == 200 and ok.json()["version"] == 3
