"""Issue 18.5: an agent's access to a customer and to conversations comes only from an open chat of
theirs, a current offer to them, or the short window after their wrap-up; never from an old offer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.backend import Backend, backend_with
from workstation.domain.models import utcnow
from workstation.server.access import ACCESS_AFTER_WRAPUP_S

pytestmark = pytest.mark.security

API = "/api/v1"


def _reads(backend: Backend, headers: dict[str, str], customer_id: str = "c-1") -> dict[str, int]:
    """The status of every customer read and write an agent has (none of them may leak)."""
    http = backend.http
    customer = http.get(f"{API}/customers/{customer_id}", headers=headers)
    version = customer.json().get("version", 1) if customer.status_code == 200 else 1
    return {
        "customer": customer.status_code,
        "timeline": http.get(f"{API}/customers/{customer_id}/events", headers=headers).status_code,
        "notes": http.get(f"{API}/customers/{customer_id}/notes", headers=headers).status_code,
        "add note": http.post(
            f"{API}/customers/{customer_id}/notes", json={"text": "late note"}, headers=headers
        ).status_code,
        "edit contact": http.patch(
            f"{API}/customers/{customer_id}",
            json={"fields": {"phone": "+49 30 1234567"}},
            headers={**headers, "If-Match": str(version)},
        ).status_code,
    }


def _all(status: int) -> dict[str, int]:
    return dict.fromkeys(("customer", "timeline", "notes", "add note", "edit contact"), status)


def _offered(backend: Backend, username: str, customer_id: str = "c-1") -> tuple[dict[str, str], Any]:
    agent = backend.login(username)
    assert backend.http.put(f"{API}/me/presence", json={"presence": "available"}, headers=agent).is_success
    chat = backend.start_chat(customer_id)
    (offer,) = backend.wait_for(lambda: backend.offers(agent))
    return agent, {**offer, "chat": chat}


def _move_clock(backend: Backend, by: timedelta) -> None:
    core = backend.server.backend
    assert core is not None
    later: Callable[[], datetime] = lambda: utcnow() + by  # noqa: E731
    backend.server.call(lambda: setattr(core, "clock", later))


def test_a_current_offer_grants_access_and_a_declined_one_grants_nothing(backend: Backend) -> None:
    agent, offer = _offered(backend, "demo")
    assert backend.http.get(f"{API}/customers/c-1", headers=agent).status_code == 200
    assert backend.http.post(f"{API}/offers/{offer['id']}/reject", headers=agent).status_code == 200
    assert _reads(backend, agent) == _all(403)


@pytest.mark.parametrize("offer_timeout", [0.6])
def test_a_timed_out_offer_grants_nothing(backend: Backend) -> None:
    agent, _offer = _offered(backend, "demo")
    backend.wait_for(lambda: not backend.offers(agent))  # the router let it time out
    assert _reads(backend, agent) == _all(403)


def test_an_offer_past_its_expiry_grants_nothing_even_before_the_router_ends_it(backend: Backend) -> None:
    agent, _offer = _offered(backend, "demo")
    _move_clock(backend, timedelta(minutes=5))  # offers last 30 s here
    assert backend.http.get(f"{API}/customers/c-1", headers=agent).status_code == 403


def test_the_agents_own_open_conversation_still_grants_everything(backend: Backend) -> None:
    agent, _chat, conv_id = backend.accepted_chat("demo")
    assert _reads(backend, agent) == {**_all(200), "edit contact": 200}
    assert backend.http.get(f"{API}/conversations/{conv_id}", headers=agent).status_code == 200
    transcript = backend.http.get(f"{API}/customers/c-1/conversations/{conv_id}", headers=agent)
    assert transcript.status_code == 200 and transcript.json()["messages"]
    reply = backend.http.post(
        f"{API}/conversations/{conv_id}/messages", json={"text": "Hallo!"}, headers=agent
    )
    assert reply.status_code == 200, reply.text


def _closed_chat(backend: Backend, username: str = "demo") -> tuple[dict[str, str], str]:
    agent, _chat, conv_id = backend.accepted_chat(username)
    closed = backend.http.post(
        f"{API}/conversations/{conv_id}/close", json={"wrapup_code": "resolved"}, headers=agent
    )
    assert closed.status_code == 200, closed.text
    return agent, conv_id


def test_access_lasts_through_the_after_call_window_and_ends_after_it(backend: Backend) -> None:
    agent, conv_id = _closed_chat(backend)
    assert _reads(backend, agent) == _all(200)  # after-call work: notes, contact fix
    _move_clock(backend, timedelta(seconds=ACCESS_AFTER_WRAPUP_S - 60))
    assert backend.http.get(f"{API}/customers/c-1", headers=agent).status_code == 200
    _move_clock(backend, timedelta(seconds=ACCESS_AFTER_WRAPUP_S + 60))
    assert _reads(backend, agent) == _all(403)
    # their own transcript stays readable (the desktop's history of their own chats), nothing else
    assert backend.http.get(f"{API}/conversations/{conv_id}", headers=agent).status_code == 200
    own = backend.http.get(f"{API}/customers/c-1/conversations/{conv_id}", headers=agent)
    assert own.status_code == 200
    # and writes to the closed conversation are refused as expired, not as merely closed
    late = backend.http.post(
        f"{API}/conversations/{conv_id}/close", json={"wrapup_code": "resolved"}, headers=agent
    )
    assert late.status_code == 403 and late.json()["error"]["code"] == "access_expired"


def test_the_window_is_configurable(tmp_path: Path) -> None:
    with backend_with(tmp_path / "b", access_after_wrapup_s=0) as backend:
        agent, _conv_id = _closed_chat(backend)
        assert backend.http.get(f"{API}/customers/c-1", headers=agent).status_code == 403


def test_another_agents_transcript_is_refused(backend: Backend) -> None:
    # anna once had (and declined) an offer for this customer: that must not open demo's chat to her
    anna, offer = _offered(backend, "anna")
    backend.http.post(f"{API}/offers/{offer['id']}/reject", headers=anna)
    backend.http.put(f"{API}/me/presence", json={"presence": "away"}, headers=anna)
    chat = offer["chat"]
    left = backend.http.post(
        f"{API}/customer/chats/{chat['conversation']['id']}/leave",
        headers={"Authorization": f"Bearer {chat['customer_token']}"},
    )
    assert left.status_code == 200, left.text
    _demo, conv_id = _closed_chat(backend, "demo")
    assert backend.http.get(f"{API}/conversations/{conv_id}", headers=anna).status_code == 404
    refused = backend.http.get(f"{API}/customers/c-1/conversations/{conv_id}", headers=anna)
    assert refused.status_code == 403
    as_customer_api = backend.http.get(f"{API}/customer/chats/{conv_id}/messages", headers=anna)
    assert as_customer_api.status_code == 404
    # a team lead keeps role-based access
    lead = backend.login("lead")
    assert backend.http.get(f"{API}/customers/c-1/conversations/{conv_id}", headers=lead).status_code == 200
    assert backend.http.get(f"{API}/customers/c-1", headers=lead).status_code == 200
