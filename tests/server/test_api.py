"""The reference backend over real HTTP: auth, routing offers, conversations, idempotency, errors."""

from __future__ import annotations

import pytest

from tests.helpers.backend import Backend

API = "/api/v1"


def test_login_returns_token_and_agent(backend: Backend) -> None:
    response = backend.http.post(f"{API}/auth/login", json={"username": "demo", "password": "demo"})
    assert response.status_code == 200
    body = response.json()
    assert len(body["token"]) >= 32
    assert body["agent"]["username"] == "demo"
    assert set(body["agent"]["languages"]) == {"de", "en"}


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"username": "demo", "password": "wrong"}, 401, "invalid_credentials"),
        ({"username": "nobody", "password": "demo"}, 401, "invalid_credentials"),
        ({"username": "demo"}, 400, "bad_request"),
        ({"username": "demo", "password": "demo", "admin": True}, 400, "bad_request"),
    ],
)
def test_login_refusals_are_clear(
    backend: Backend, payload: dict[str, object], status: int, code: str
) -> None:
    response = backend.http.post(f"{API}/auth/login", json=payload)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


def test_non_json_body_is_a_400(backend: Backend) -> None:
    response = backend.http.post(
        f"{API}/auth/login", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/me"),
        ("GET", "/offers"),
        ("GET", "/conversations"),
        ("GET", "/wrapup-codes"),
        ("GET", "/customers/c-1"),
        ("PUT", "/me/presence"),
        ("POST", "/offers/of-x/accept"),
        ("POST", "/conversations/cv-x/messages"),
    ],
)
@pytest.mark.parametrize("token", [None, "not-a-real-token-0123456789abcdef"])
def test_every_route_refuses_without_a_valid_token(
    backend: Backend, method: str, path: str, token: str | None
) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = backend.http.request(method, API + path, headers=headers, json={})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_logout_invalidates_the_token(backend: Backend) -> None:
    headers = backend.login("demo")
    assert backend.http.post(f"{API}/auth/logout", headers=headers).status_code == 200
    assert backend.http.get(f"{API}/me", headers=headers).status_code == 401


def _available(backend: Backend, username: str) -> dict[str, str]:
    headers = backend.login(username)
    response = backend.http.put(f"{API}/me/presence", json={"presence": "available"}, headers=headers)
    assert response.status_code == 200
    assert response.json()["presence"] == "available"
    return headers


def test_offer_accept_message_round_trip(backend: Backend) -> None:
    demo = _available(backend, "demo")
    chat = backend.start_chat("c-1", "Hallo, wo ist mein Paket?", topic="delivery")
    (offer,) = backend.wait_for(lambda: backend.offers(demo))
    assert offer["conversation_id"] == chat["conversation"]["id"]
    assert offer["customer"]["name"] == "Jana Kowalski"
    assert offer["topic"] == "delivery"
    assert offer["expires_at"] > offer["offered_at"]

    conv = backend.http.post(f"{API}/offers/{offer['id']}/accept", headers=demo).json()
    assert conv["state"] == "active"
    assert [m["text"] for m in conv["messages"]] == ["Hallo, wo ist mein Paket?"]
    assert backend.offers(demo) == []

    sent = backend.http.post(
        f"{API}/conversations/{conv['id']}/messages", json={"text": "Ich schaue nach."}, headers=demo
    )
    assert sent.status_code == 200
    backend.customer_says(chat, "Danke!")
    texts = [(m["sender"], m["text"]) for m in backend.transcript(chat)]
    assert texts == [
        ("customer", "Hallo, wo ist mein Paket?"),
        ("agent", "Ich schaue nach."),
        ("customer", "Danke!"),
    ]


def test_routing_matches_language(backend: Backend) -> None:
    ben = _available(backend, "ben")  # speaks English only
    backend.start_chat("c-1", "Hallo")  # a German customer
    english = backend.start_chat("c-2", "Hello there")
    (offer,) = backend.wait_for(lambda: backend.offers(ben))
    assert offer["conversation_id"] == english["conversation"]["id"]


def test_rejected_offer_goes_to_another_agent(backend: Backend) -> None:
    demo = _available(backend, "demo")
    chat = backend.start_chat("c-1")
    (offer,) = backend.wait_for(lambda: backend.offers(demo))
    anna = _available(backend, "anna")  # German too, but demo was first
    assert backend.http.post(f"{API}/offers/{offer['id']}/reject", headers=demo).status_code == 200
    (second,) = backend.wait_for(lambda: backend.offers(anna))
    assert second["conversation_id"] == chat["conversation"]["id"]
    assert backend.offers(demo) == []
    # Accepting the withdrawn offer is refused with a clear reason.
    late = backend.http.post(f"{API}/offers/{offer['id']}/accept", headers=demo)
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "offer_rejected"


def test_rejected_offer_without_other_agents_waits_in_the_queue(backend: Backend) -> None:
    demo = _available(backend, "demo")
    backend.start_chat("c-1")
    (offer,) = backend.wait_for(lambda: backend.offers(demo))
    backend.http.post(f"{API}/offers/{offer['id']}/reject", headers=demo)
    state = backend.server.call(
        lambda: [
            c.state.value
            for c in backend.server.backend.list_conversations(_principal(backend, "a-demo"), state=None)
        ]
    )
    assert state == []  # never assigned to demo
    queued = backend.server.call(lambda: _queued_count(backend))
    assert queued == 1


def _principal(backend: Backend, agent_id: str):  # type: ignore[no-untyped-def]
    from workstation.domain.models import Role
    from workstation.server.backend import Principal

    return Principal(scope="agent", agent_id=agent_id, role=Role.AGENT)


def _queued_count(backend: Backend) -> int:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from workstation.server.db import ConversationRow

    with Session(backend.server.backend.engine) as db:
        return int(db.scalar(select(func.count()).where(ConversationRow.state == "queued")) or 0)


@pytest.mark.parametrize("offer_timeout", [0.6])
def test_unanswered_offer_times_out_and_agent_goes_away(backend: Backend) -> None:
    demo = _available(backend, "demo")
    backend.start_chat("c-1")
    backend.wait_for(lambda: backend.offers(demo))
    backend.wait_for(lambda: not backend.offers(demo), timeout=5)
    me = backend.http.get(f"{API}/me", headers=demo).json()
    assert me["presence"] == "away"
    anna = _available(backend, "anna")
    assert backend.wait_for(lambda: backend.offers(anna))


def test_a_keyed_write_refused_after_a_change_is_undone_whole_and_its_refusal_replayed(
    backend: Backend,
) -> None:
    # A keyed write on its own runs without a savepoint: its refusal rolls back its transaction,
    # and the key is then stored with the refusal, so a retry gets the same answer.
    from workstation.domain.models import Presence
    from workstation.server.backend import BackendError

    server = backend.server.backend
    assert server is not None
    demo = backend.login("demo")
    principal = server.authenticate(demo["Authorization"].split()[1])
    assert principal.agent_id is not None
    agent_id = principal.agent_id
    before = backend.http.get(f"{API}/me", headers=demo).json()["presence"]
    assert before != "available"
    pushed: list[object] = []
    publish = server.hub.publish
    server.hub.publish = lambda batch: (pushed.extend(batch), publish(batch))[-1]  # type: ignore[method-assign]
    runs: list[int] = []

    def change_then_refuse() -> dict[str, object]:
        runs.append(1)
        server.set_presence(agent_id, Presence.AVAILABLE)
        raise BackendError(409, "refused_for_test", "Refused after a change.")

    def write() -> tuple[int, dict[str, object]]:
        return backend.server.call(
            lambda: server.idempotent(principal, "key-refused-0001", "probe", change_then_refuse)
        )

    first, again = write(), write()

    assert first == again
    assert first[0] == 409 and first[1]["error"]["code"] == "refused_for_test"  # type: ignore[index]
    assert runs == [1]  # the retry was answered from the key
    assert backend.http.get(f"{API}/me", headers=demo).json()["presence"] == before
    assert not [frame for _audience, frame in pushed if frame.type.startswith("presence")]  # type: ignore[attr-defined]


def test_idempotency_key_replays_the_first_answer(backend: Backend) -> None:
    demo = _available(backend, "demo")
    chat = backend.start_chat("c-1")
    (offer,) = backend.wait_for(lambda: backend.offers(demo))
    conv_id = backend.http.post(f"{API}/offers/{offer['id']}/accept", headers=demo).json()["id"]
    headers = {**demo, "Idempotency-Key": "key-0001-abcdef"}
    first = backend.http.post(
        f"{API}/conversations/{conv_id}/messages", json={"text": "Hallo"}, headers=headers
    )
    again = backend.http.post(
        f"{API}/conversations/{conv_id}/messages", json={"text": "Hallo"}, headers=headers
    )
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert [m["text"] for m in backend.transcript(chat) if m["sender"] == "agent"] == ["Hallo"]
    other = backend.http.post(
        f"{API}/conversations/{conv_id}/messages", json={"text": "Anders"}, headers=headers
    )
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"


def test_close_needs_a_known_wrapup_code_and_ends_the_conversation(backend: Backend) -> None:
    demo = _available(backend, "demo")
    backend.start_chat("c-1")
    (offer,) = backend.wait_for(lambda: backend.offers(demo))
    conv_id = backend.http.post(f"{API}/offers/{offer['id']}/accept", headers=demo).json()["id"]
    codes = backend.http.get(f"{API}/wrapup-codes", headers=demo).json()
    assert {"code": "resolved", "label": "Resolved"} in codes
    bad = backend.http.post(
        f"{API}/conversations/{conv_id}/close", json={"wrapup_code": "nope"}, headers=demo
    )
    assert bad.status_code == 422
    ok = backend.http.post(
        f"{API}/conversations/{conv_id}/close", json={"wrapup_code": "resolved"}, headers=demo
    )
    assert ok.status_code == 200
    assert ok.json()["state"] == "closed"
    late = backend.http.post(
        f"{API}/conversations/{conv_id}/messages", json={"text": "Noch da?"}, headers=demo
    )
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "conversation_closed"


def test_agents_only_see_their_own_conversations_and_customers(backend: Backend) -> None:
    demo = _available(backend, "demo")
    chat = backend.start_chat("c-1")
    (offer,) = backend.wait_for(lambda: backend.offers(demo))
    conv_id = backend.http.post(f"{API}/offers/{offer['id']}/accept", headers=demo).json()["id"]
    anna = backend.login("anna")
    assert backend.http.get(f"{API}/conversations/{conv_id}", headers=anna).status_code == 404
    assert (
        backend.http.post(
            f"{API}/conversations/{conv_id}/messages", json={"text": "x"}, headers=anna
        ).status_code
        == 404
    )
    assert backend.http.post(f"{API}/offers/{offer['id']}/accept", headers=anna).status_code == 404
    assert backend.http.get(f"{API}/customers/c-1", headers=anna).status_code == 403
    assert backend.http.get(f"{API}/customers/c-1/events", headers=anna).status_code == 403
    assert backend.http.get(f"{API}/conversations", headers=anna).json() == []
    assert backend.http.get(f"{API}/customers/c-1", headers=demo).json()["name"] == "Jana Kowalski"
    # A customer's token opens only their own chat, and no CRM data.
    other = backend.start_chat("c-2", "Hello")
    foreign = backend.http.get(
        f"{API}/customer/chats/{other['conversation']['id']}/messages",
        headers={"Authorization": f"Bearer {chat['customer_token']}"},
    )
    assert foreign.status_code == 403
    crm = backend.http.get(
        f"{API}/customers/c-1", headers={"Authorization": f"Bearer {chat['customer_token']}"}
    )
    assert crm.status_code == 403
    # Agents cannot open chats in a customer's name.
    forged = backend.http.post(
        f"{API}/customer/chats", json={"customer_id": "c-1", "text": "hi"}, headers=demo
    )
    assert forged.status_code == 403


def test_customer_history_pages_newest_first_without_gaps(backend: Backend) -> None:
    lead = backend.login("lead")
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 7, **({"before": cursor} if cursor else {})}
        page = backend.http.get(f"{API}/customers/c-1/events", params=params, headers=lead).json()
        seen += [e["id"] for e in page["events"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"c-1-e{i}" for i in range(25)]
    bad = backend.http.get(f"{API}/customers/c-1/events", params={"before": "garbage"}, headers=lead)
    assert bad.status_code == 400
    too_many = backend.http.get(f"{API}/customers/c-1/events", params={"limit": 5000}, headers=lead)
    assert too_many.status_code == 400


@pytest.mark.parametrize(
    "body", [{"text": ""}, {"text": "x" * 10_001}, {"text": 5}, {}, {"text": "hi", "extra": 1}]
)
def test_bad_message_payloads_are_refused(backend: Backend, body: dict[str, object]) -> None:
    demo = _available(backend, "demo")
    backend.start_chat("c-1")
    (offer,) = backend.wait_for(lambda: backend.offers(demo))
    conv_id = backend.http.post(f"{API}/offers/{offer['id']}/accept", headers=demo).json()["id"]
    response = backend.http.post(f"{API}/conversations/{conv_id}/messages", json=body, headers=demo)
    assert response.status_code == 400
    assert response.json()["error"]["details"]


def test_relevance_feedback_is_stored_idempotently_and_needs_a_reason_to_dismiss(backend: Backend) -> None:
    demo = backend.login("demo")
    feedback = {
        "action": "cross_sell",
        "context": "chat|delivery|service",
        "outcome": "dismissed",
        "reason": "inappropriate",
        "customer_id": "c-1",
        "at": "2026-11-20T14:00:00Z",
    }
    headers = {**demo, "Idempotency-Key": "fb-000000001"}
    assert backend.http.post(f"{API}/relevance/feedback", json=feedback, headers=headers).status_code == 200
    assert backend.http.post(f"{API}/relevance/feedback", json=feedback, headers=headers).status_code == 200
    stored = backend.http.get(f"{API}/relevance/feedback", headers=demo).json()
    assert [(f["action"], f["reason"]) for f in stored] == [("cross_sell", "inappropriate")]
    no_reason = {**feedback, "reason": None}
    refused = backend.http.post(f"{API}/relevance/feedback", json=no_reason, headers=demo)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "reason_required"
    bad_reason = backend.http.post(
        f"{API}/relevance/feedback", json={**feedback, "reason": "meh"}, headers=demo
    )
    assert bad_reason.status_code == 400
