"""One call logged by the telephony system and by the CRM: both records stored (twins), one contact
in the history with both outcomes; a record re-sent by the same system stays one; two calls stay two;
a database at revision 0007 is upgraded keeping its history."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.helpers.backend import CUSTOMERS, Backend, start_server
from workstation.domain.models import Role, TimelineEvent, utcnow
from workstation.server import migrate
from workstation.server.backend.core import Principal

API = "/api/v1"


def _call(eid: str, at: datetime, system: str, record: str, outcome: str, **data: Any) -> dict[str, Any]:
    return {
        "id": eid,
        "customer_id": "c-2",
        "at": at.isoformat(),
        "channel": "phone",
        "kind": "contact",
        "summary": f"{system}: call, {outcome}",
        "data": {"topic": "router", "outcome": outcome, "source": system, "source_id": record, **data},
    }


def _ingest(backend: Backend, *events: dict[str, Any]) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {backend.service_token}"}
    response = backend.http.post(f"{API}/events", json={"events": list(events)}, headers=headers)
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def _contacts(backend: Backend, since: datetime) -> list[dict[str, Any]]:
    params = {"kind": "contact", "limit": 200}
    body = backend.http.get(
        f"{API}/customers/c-2/events", params=params, headers=backend.login("lead")
    ).json()
    # The seeded history (ids c-2-e<n>) is not this test's.
    return [
        e for e in body["events"] if e["at"] >= since.isoformat()[:19] and not e["id"].startswith("c-2-e")
    ]


def test_a_call_logged_by_telephony_and_crm_is_one_contact_with_both_outcomes(backend: Backend) -> None:
    start = utcnow() - timedelta(days=200)  # apart from the seeded history
    phone = _call("tel-1", start, "telephony", "call-1", "unresolved")
    crm = _call(
        "crm-1", start + timedelta(minutes=3), "crm", "act-9", "callback_promised", agent="Ben", note="#!#"
    )
    first = _ingest(backend, phone, crm)
    assert [r["status"] for r in first] == ["stored", "stored"]
    assert first[1]["twin_of"] == "tel-1"
    # The CRM sends its record again (a retry with a new message id): the same record, stored once.
    again = _ingest(backend, dict(crm, id="crm-1-retry"), crm)
    assert [(r["status"], r["duplicate_of"]) for r in again] == [
        ("duplicate", "crm-1"),
        ("duplicate", "crm-1"),
    ]

    contacts = _contacts(backend, start)
    assert [e["id"] for e in contacts] == ["tel-1"], "one contact, not two"
    twins = contacts[0]["data"]["twins"]
    assert [(t["id"], t["data"]["source"], t["data"]["outcome"]) for t in twins] == [
        ("crm-1", "crm", "callback_promised")
    ]
    assert contacts[0]["data"]["outcome"] == "unresolved"  # the telephony record's own, kept
    # The CRM's words find the call (its row): the full-text index reads the twins too, and so does
    # a search without words (a literal substring).
    lead = backend.login("lead")
    for text in ("callback", "CALLBACK promis", "#!#"):
        params = {"q": text, "kind": "contact", "limit": 50}
        found = backend.http.get(f"{API}/customers/c-2/events", params=params, headers=lead).json()["events"]
        assert [e["id"] for e in found] == ["tel-1"], text


def test_clock_skew_pairs_records_and_calls_twenty_minutes_apart_stay_two(backend: Backend) -> None:
    start = utcnow() - timedelta(days=210)
    # The CRM's clock is 90 s behind: its record comes "before" the call the telephony logged.
    skewed = [
        _call("tel-2", start, "telephony", "call-2", "unresolved"),
        _call("crm-2", start - timedelta(seconds=90), "crm", "act-10", "unresolved"),
    ]
    assert _ingest(backend, *skewed)[1].get("twin_of") == "tel-2"
    # Two real calls 20 minutes apart (each logged by telephony), and two calls 5 minutes apart
    # that one system names as two records.
    later = start + timedelta(minutes=40)
    separate = [
        _call("tel-3", later, "telephony", "call-3", "unresolved"),
        _call("tel-4", later + timedelta(minutes=20), "telephony", "call-4", "resolved"),
        _call("tel-5", later + timedelta(minutes=25), "telephony", "call-5", "resolved"),
    ]
    assert all("twin_of" not in r and r["status"] == "stored" for r in _ingest(backend, *separate))
    assert sorted(e["id"] for e in _contacts(backend, start - timedelta(minutes=5))) == [
        "tel-2",
        "tel-3",
        "tel-4",
        "tel-5",
    ]


def test_a_twin_is_pushed_as_its_first_record_with_both_systems(backend: Backend) -> None:
    demo = backend.login("demo")
    backend.http.put(f"{API}/me/presence", json={"presence": "available"}, headers=demo)
    backend.start_chat("c-2", "Mein Router geht nicht", topic="internet")
    offer = backend.wait_for(lambda: backend.offers(demo))[0]
    backend.http.post(f"{API}/offers/{offer['id']}/accept", headers=demo)
    start = utcnow() - timedelta(days=220)
    _ingest(backend, _call("tel-6", start, "telephony", "call-6", "unresolved"))
    _ingest(backend, _call("crm-6", start + timedelta(minutes=2), "crm", "act-6", "escalated"))
    pushed = [e for e in _timeline_pushes(backend) if e["id"] in ("tel-6", "crm-6")]
    # The desk caches an event by id: it gets the call, then the call again with the CRM's record.
    assert [e["id"] for e in pushed] == ["tel-6", "tel-6"]
    assert "twins" not in pushed[0]["data"]
    assert [(t["id"], t["data"]["outcome"]) for t in pushed[1]["data"]["twins"]] == [("crm-6", "escalated")]


def _timeline_pushes(backend: Backend) -> list[dict[str, Any]]:
    server = backend.server.backend
    assert server is not None
    agent = Principal("agent", agent_id="a-demo", role=Role.AGENT)
    frames = backend.server.call(lambda: server.events_after(agent, 0, limit=100_000))
    return [dict(f.data) for f in frames if f.type == "timeline.event_added"]


def test_a_database_at_revision_0007_gets_twins_keeping_its_history(tmp_path: Path) -> None:
    server = start_server(tmp_path / "old")
    backend = server.backend
    assert backend is not None
    server.call(lambda: backend.upsert_customer(CUSTOMERS[1]))
    at = utcnow() - timedelta(days=30)
    old = TimelineEvent.model_validate(_call("tel-old", at, "telephony", "call-0", "unresolved"))
    server.call(lambda: backend.add_customer_events([old], push=False))
    server.stop()
    with sqlite3.connect(tmp_path / "old" / "backend.sqlite3") as con:
        con.executescript(
            """
            DROP INDEX ix_customer_events_twin_of;
            ALTER TABLE customer_events DROP COLUMN twin_of;
            UPDATE alembic_version SET version_num = '0007';
            """
        )
    con.close()
    server = start_server(tmp_path / "old")
    try:
        helper = Backend(server)
        crm = _call("crm-old", at + timedelta(minutes=2), "crm", "act-0", "resolved")
        assert _ingest(helper, crm)[0]["twin_of"] == "tel-old"
        [call] = _contacts(helper, at - timedelta(minutes=1))
        assert call["id"] == "tel-old" and [t["id"] for t in call["data"]["twins"]] == ["crm-old"]
        with sqlite3.connect(tmp_path / "old" / "backend.sqlite3") as con:
            assert con.execute("SELECT version_num FROM alembic_version").fetchone() == (migrate.head(),)
        con.close()
        helper.http.close()
    finally:
        server.stop()
