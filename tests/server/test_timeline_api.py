"""The customer history over HTTP: cursor paging with filters, ingest from outside systems,
duplicates from two systems kept as twins and listed once, open stories, past conversations read-only, and an
older database upgraded in place."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.helpers.backend import CUSTOMERS, Backend, start_server
from workstation.domain.models import utcnow

API = "/api/v1"


def _service(backend: Backend) -> dict[str, str]:
    return {"Authorization": f"Bearer {backend.service_token}"}


def _event(i: int, **over: Any) -> dict[str, Any]:
    at = utcnow() - timedelta(minutes=10 * i)
    base = {
        "id": f"ext-{i}",
        "customer_id": "c-2",
        "at": at.isoformat(),
        "channel": "shop",
        "kind": "order_placed",
        "summary": f"Order {9000 + i} placed",
        "data": {"order_id": str(9000 + i), "value": 10.0, "items": 1},
    }
    return base | over


def _pages(backend: Backend, headers: dict[str, str], customer: str, **params: Any) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):  # a cursor that does not move on fails the test instead of hanging it
        query = dict(params, limit=7) | ({"before": cursor} if cursor else {})
        body = backend.http.get(f"{API}/customers/{customer}/events", params=query, headers=headers).json()
        events += body["events"]
        assert body["next_cursor"] is None or body["next_cursor"] != cursor, (cursor, body)
        cursor = body["next_cursor"]
        if cursor is None:
            return events
    raise AssertionError(f"more than 100 pages: {params}")


def test_ingest_keeps_good_events_and_reports_bad_ones_by_index(backend: Backend) -> None:
    batch = [
        _event(1),
        {"id": "broken", "customer_id": "c-2", "channel": "shop"},  # no at, kind
        _event(2, customer_id="c-404"),
        _event(3, at="yesterday"),
        _event(4),
    ]
    response = backend.http.post(f"{API}/events", json={"events": batch}, headers=_service(backend))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["stored"], body["duplicate"], body["error"]) == (2, 0, 3)
    by_index = {r["index"]: r for r in body["results"]}
    assert by_index[0]["status"] == by_index[4]["status"] == "stored"
    assert "at" in by_index[1]["error"] and "kind" in by_index[1]["error"]
    assert "unknown customer" in by_index[2]["error"]
    assert by_index[3]["status"] == "error" and "at" in by_index[3]["error"]

    lead = backend.login("lead")
    ids = [e["id"] for e in _pages(backend, lead, "c-2", kind="order_placed")]
    assert "ext-1" in ids and "ext-4" in ids and "broken" not in ids


def test_ingest_of_one_event_and_refusals(backend: Backend) -> None:
    one = backend.http.post(f"{API}/events", json=_event(5), headers=_service(backend))
    assert one.status_code == 200 and one.json()["results"] == [
        {"index": 0, "status": "stored", "id": "ext-5"}
    ]
    agent = backend.http.post(f"{API}/events", json=_event(6), headers=backend.login("demo"))
    assert agent.status_code == 403
    too_many = backend.http.post(
        f"{API}/events", json=[_event(i) for i in range(1001)], headers=_service(backend)
    )
    assert too_many.status_code == 413
    not_json = backend.http.post(f"{API}/events", content=b"{oops", headers=_service(backend))
    assert not_json.status_code == 400 and not_json.json()["error"]["code"] == "bad_json"
    all_bad = backend.http.post(f"{API}/events", json=[{"id": 1}], headers=_service(backend))
    assert all_bad.status_code == 422


def test_the_same_event_from_two_systems_is_kept_as_twins_and_twice_once(backend: Backend) -> None:
    shop = _event(
        7,
        id="shop-77",
        kind="order_shipped",
        channel="shop",
        summary="Order 9007 shipped",
        data={"order_id": "9007", "carrier": "DHL", "eta": "2026-11-30"},
    )
    carrier_at = (utcnow() - timedelta(minutes=68)).isoformat()  # a few minutes apart
    carrier = dict(
        shop,
        id="dhl-1",
        channel="logistics",
        summary="DHL: parcel 9007 on its way",
        at=carrier_at,
        data={"order_id": "9007", "carrier": "DHL", "eta": "2026-11-30", "source": "dhl"},
    )
    body = backend.http.post(f"{API}/events", json=[shop, carrier, shop], headers=_service(backend)).json()
    assert [r["status"] for r in body["results"]] == ["stored", "stored", "duplicate"]
    assert body["results"][1]["twin_of"] == "shop-77" and body["results"][2]["duplicate_of"] == "shop-77"
    shipped = _pages(backend, backend.login("lead"), "c-2", kind="order_shipped")
    assert [e["id"] for e in shipped] == ["shop-77"]  # listed once, the carrier's record with it
    assert [t["id"] for t in shipped[0]["data"]["twins"]] == ["dhl-1"]


def test_filters_and_cursor_paging_return_every_match_exactly_once(backend: Backend) -> None:
    lead = backend.login("lead")
    everything = _pages(backend, lead, "c-1")
    assert len(everything) == 25 and len({e["id"] for e in everything}) == 25
    assert [e["at"] for e in everything] == sorted((e["at"] for e in everything), reverse=True)
    by_channel = _pages(backend, lead, "c-1", channel=["phone", "email"])
    assert {e["channel"] for e in by_channel} == {"phone", "email"}
    assert len(by_channel) == sum(1 for e in everything if e["channel"] in ("phone", "email"))
    purchase = _pages(backend, lead, "c-1", phase="purchase")
    assert purchase and all(e["kind"] == "order_placed" for e in purchase)
    text = _pages(backend, lead, "c-1", q="event 1")  # "Event 1", "Event 10".."Event 19"
    assert sorted(int(e["summary"].split()[1]) for e in text) == [1, *range(10, 20)]
    assert _pages(backend, lead, "c-1", q="100%") == []  # % is text, not a wildcard


def test_open_stories_follow_the_events(backend: Backend) -> None:
    lead, service = backend.login("lead"), _service(backend)
    delayed = [
        _event(20, id="o1", data={"order_id": "5555", "value": 99.0, "items": 1}),
        _event(
            19,
            id="o2",
            kind="delivery_delayed",
            channel="logistics",
            summary="Order 5555 delayed",
            data={"order_id": "5555", "new_eta": "2026-12-01", "reason": "strike"},
        ),
        _event(
            18,
            id="o3",
            kind="contact",
            channel="chat",
            summary="Chat about 5555, unresolved",
            data={"order_id": "5555", "topic": "delivery status", "outcome": "unresolved"},
        ),
    ]
    backend.http.post(f"{API}/events", json=delayed, headers=service)
    page = backend.http.get(f"{API}/customers/c-2/events", params={"open": "true"}, headers=lead).json()
    assert page["open_stories"] == ["order:5555"]
    assert [e["id"] for e in page["events"]] == ["o3", "o2", "o1"]
    delivered = _event(
        1,
        id="o4",
        kind="delivered",
        channel="logistics",
        summary="Order 5555 delivered",
        data={"order_id": "5555"},
    )
    backend.http.post(f"{API}/events", json=delivered, headers=service)
    page = backend.http.get(f"{API}/customers/c-2/events", params={"open": "true"}, headers=lead).json()
    assert page["open_stories"] == [] and page["events"] == []


def test_a_closed_chat_joins_the_history_and_opens_read_only(backend: Backend) -> None:
    demo = backend.login("demo")
    backend.http.put(f"{API}/me/presence", json={"presence": "available"}, headers=demo)
    chat = backend.start_chat("c-3", "Meine Rechnung stimmt nicht", topic="payment")
    offer = backend.wait_for(lambda: backend.offers(demo))[0]
    conv_id = backend.http.post(f"{API}/offers/{offer['id']}/accept", headers=demo).json()["id"]
    backend.customer_says(chat, "Betrag 42,00")
    closed = backend.http.post(
        f"{API}/conversations/{conv_id}/close", json={"wrapup_code": "follow_up"}, headers=demo
    )
    assert closed.status_code == 200, closed.text

    lead = backend.login("lead")
    (event,) = _pages(backend, lead, "c-3", kind="contact", q=conv_id)
    assert event["data"]["conversation_id"] == conv_id and event["data"]["outcome"] == "callback_promised"
    past = backend.http.get(f"{API}/customers/c-3/conversations/{conv_id}", headers=lead)
    assert past.status_code == 200
    assert [m["text"] for m in past.json()["messages"]] == ["Meine Rechnung stimmt nicht", "Betrag 42,00"]
    # another agent, not serving this customer, reads nothing; nor can it be read under another customer
    assert (
        backend.http.get(
            f"{API}/customers/c-3/conversations/{conv_id}", headers=backend.login("ben")
        ).status_code
        == 403
    )
    assert backend.http.get(f"{API}/customers/c-1/conversations/{conv_id}", headers=lead).status_code == 404


def test_a_database_from_before_the_timeline_columns_is_upgraded_in_place(tmp_path: Path) -> None:
    server = start_server(tmp_path / "old")
    db_file = tmp_path / "old" / "backend.sqlite3"
    backend = server.backend
    assert backend is not None
    server.call(lambda: backend.upsert_customer(CUSTOMERS[0]))
    server.stop()
    con = sqlite3.connect(db_file)
    con.executescript(
        """
        DROP TABLE alembic_version;
        DROP TABLE customer_stories;
        DROP TABLE customer_events;
        CREATE TABLE customer_events (id VARCHAR(64) PRIMARY KEY, customer_id VARCHAR(64), at DATETIME,
            channel VARCHAR(32), kind VARCHAR(48), summary TEXT, data JSON);
        INSERT INTO customer_events VALUES ('old-1', 'c-1', '2026-11-01 10:00:00.000000', 'logistics',
            'delivery_delayed', 'Order 7 delayed', '{"order_id": "7", "new_eta": "x", "reason": "y"}');
        """
    )
    con.commit()
    con.close()
    server = start_server(tmp_path / "old")
    try:
        helper = Backend(server)
        page = helper.http.get(
            f"{API}/customers/c-1/events", params={"open": "true"}, headers=helper.login("lead")
        )
        assert page.status_code == 200, page.text
        assert page.json()["open_stories"] == ["order:7"]
        assert [e["id"] for e in page.json()["events"]] == ["old-1"]
        # the events stored before are in the search index
        assert [e["id"] for e in _pages(helper, helper.login("lead"), "c-1", q="delay")] == ["old-1"]
        helper.http.close()
    finally:
        server.stop()


def test_the_text_search_finds_words_by_prefix_in_german_and_english(backend: Backend) -> None:
    german = [
        _event(
            40 + i,
            id=f"de-{i}",
            kind="complaint",
            summary=f"Beschwerde {i}: Lieferverzögerung, Straße gesperrt",
            data={"grund": "Streik" if i % 2 else "Unwetter"},
        )
        for i in range(12)
    ]
    body = backend.http.post(f"{API}/events", json=german, headers=_service(backend)).json()
    assert body["stored"] == 12, body
    lead = backend.login("lead")
    ids = {f"de-{i}" for i in range(12)}
    # across pages of 7, each match once; umlauts and case folded; prefixes; data searched too
    for q in ("lieferverzögerung", "LIEFERVERZOG", "beschwerde straße", "gesperrt"):
        found = [e["id"] for e in _pages(backend, lead, "c-2", q=q)]
        assert sorted(found) == sorted(ids), q
    assert {e["id"] for e in _pages(backend, lead, "c-2", q="streik")} == {f"de-{i}" for i in range(1, 12, 2)}
    assert _pages(backend, lead, "c-2", q="verzögerung") == []  # inside a word is not a prefix
    # the agent's text is literal: FTS operators and quotes are words, never a syntax error
    for q in ("streik OR unwetter", '"', "NEAR(a b)", "*", "beschwerde -unwetter"):
        response = backend.http.get(f"{API}/customers/c-2/events", params={"q": q}, headers=lead)
        assert response.status_code == 200, (q, response.text)
    assert _pages(backend, lead, "c-2", q="streik OR unwetter") == []


def test_best_matches_first_pages_every_match_once_by_relevance(backend: Backend) -> None:
    # every 4th event says 'Erstattung' three times in its summary, the others once in their data
    events = [
        _event(
            60 + i,
            id=f"rk-{i:02d}",
            kind="refund_issued",
            summary="Erstattung Erstattung Erstattung" if i % 4 == 0 else f"Vorgang {i}",
            data={"note": "erstattung angefragt"},
        )
        for i in range(30)
    ]
    assert backend.http.post(f"{API}/events", json=events, headers=_service(backend)).json()["stored"] == 30
    lead = backend.login("lead")
    ranked = [e["id"] for e in _pages(backend, lead, "c-2", q="erstatt", order="relevance")]
    newest_first = [e["id"] for e in _pages(backend, lead, "c-2", q="erstatt")]
    assert len(ranked) == len(set(ranked)) and sorted(ranked) == sorted(newest_first)  # each once
    best = {f"rk-{i:02d}" for i in range(0, 30, 4)}
    assert set(ranked[: len(best)]) == best and ranked != newest_first
    # the default stays newest first; other filters still narrow a ranked list
    assert newest_first == sorted(newest_first)  # rk-00 is the newest
    assert _pages(backend, lead, "c-2", q="erstatt", order="relevance", kind="contact") == []
    # a text without words has nothing to rank: newest first
    assert _pages(backend, lead, "c-2", q="#", order="relevance") == _pages(backend, lead, "c-2", q="#")
    # a time cursor is not a rank cursor (and the reverse)
    first = backend.http.get(
        f"{API}/customers/c-2/events", params={"q": "erstatt", "limit": 3}, headers=lead
    ).json()
    for params in (
        {"q": "erstatt", "order": "relevance", "before": first["next_cursor"]},
        {"q": "erstatt", "order": "relevance", "before": "rank:nan|x"},
        {"q": "erstatt", "order": "best"},
    ):
        response = backend.http.get(f"{API}/customers/c-2/events", params=params, headers=lead)
        assert response.status_code == 400, (params, response.text)


def test_unknown_query_values_are_refused_clearly(backend: Backend) -> None:
    lead = backend.login("lead")
    response = backend.http.get(f"{API}/customers/c-1/events", params={"limit": 0}, headers=lead)
    assert response.status_code == 400
    assert response.json()["error"]["message"]


def test_two_chats_closed_minutes_apart_are_two_contacts_in_the_history(backend: Backend) -> None:
    # Records from two systems about one call collapse (domain/events.py); the desk's own chats name
    # their conversation, so a customer who chats twice within minutes keeps both, each with its
    # transcript link.
    demo = backend.login("demo")
    backend.http.put(f"{API}/me/presence", json={"presence": "available"}, headers=demo)
    closed: list[str] = []
    for text in ("Wo ist mein Paket?", "Noch eine Frage zur Lieferung"):
        backend.start_chat("c-2", text, topic="delivery")
        offer = backend.wait_for(lambda: backend.offers(demo))[0]
        conv_id = backend.http.post(f"{API}/offers/{offer['id']}/accept", headers=demo).json()["id"]
        answer = backend.http.post(
            f"{API}/conversations/{conv_id}/close", json={"wrapup_code": "resolved"}, headers=demo
        )
        assert answer.status_code == 200, answer.text
        closed.append(conv_id)
    events = _pages(backend, backend.login("lead"), "c-2", kind="contact")
    assert set(closed) <= {e["data"].get("conversation_id") for e in events}
