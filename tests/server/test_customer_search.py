"""Finding an unknown caller: the agent the call is offered to searches customers by name, number or
e-mail; nobody else can (agents reach customers only through a live link). The real backend, the
call started as the SIP proxy starts it (no proxy needed to create the task)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.backend import Backend, seed, start_server
from workstation.domain.models import Customer
from workstation.server.voice_config import VoiceConfig

CUSTOMER = Customer(
    id="c-search", name="Petra Anrufer", language="de", phone="030 123456", email="petra@example.invalid"
)
UNKNOWN_NUMBER = "+4917099999"


@pytest.fixture
def offered_call(tmp_path: Path) -> Iterator[tuple[Backend, dict[str, str], str]]:
    """A call from an unknown number offered to `demo`: (backend, demo's headers, conversation id)."""
    server = start_server(tmp_path / "backend", voice=VoiceConfig(key="k"))
    seed(server)
    backend = server.backend
    assert backend is not None
    server.call(lambda: backend.upsert_customer(CUSTOMER))
    (hook,) = [
        h for h in backend.capacity_hooks if type(getattr(h, "__self__", None)).__name__ == "VoiceDesk"
    ]
    desk: Any = hook.__self__
    helper = Backend(server)
    try:
        demo = helper.login("demo")
        server.call(lambda: desk.registered("demo", 300))  # as if demo's softphone registered
        assert helper.http.put("/api/v1/me/presence", json={"presence": "available"}, headers=demo).is_success
        conv_id = server.call(lambda: desk.start_call("call-1@test", UNKNOWN_NUMBER, "1000"))
        helper.wait_for(lambda: [o for o in helper.offers(demo) if o["conversation_id"] == conv_id])
        yield helper, demo, conv_id
    finally:
        helper.http.close()
        server.stop()


def search(helper: Backend, headers: dict[str, str], conv_id: str, q: str) -> Any:
    return helper.http.get(
        "/api/v1/customer-search", params={"conversation_id": conv_id, "q": q}, headers=headers
    )


@pytest.mark.parametrize("q", ["anrufer", "PETRA@example", "+49 30 123456", "030-123456"])
def test_the_offered_agent_finds_the_caller_by_name_email_or_number(
    offered_call: tuple[Backend, dict[str, str], str], q: str
) -> None:
    helper, demo, conv_id = offered_call
    response = search(helper, demo, conv_id, q)
    assert response.status_code == 200, response.text
    found = response.json()
    assert [c["id"] for c in found] == [CUSTOMER.id]
    assert found[0]["phone"] == CUSTOMER.phone and found[0]["email"] == CUSTOMER.email


def test_search_refuses_others_bad_queries_and_hides_placeholders(
    offered_call: tuple[Backend, dict[str, str], str],
) -> None:
    helper, demo, conv_id = offered_call
    assert search(helper, demo, conv_id, "x").status_code == 422  # too short to mean anyone
    assert search(helper, demo, "cv-nope", "Petra").status_code == 404
    assert search(helper, helper.login("anna"), conv_id, "Petra").status_code == 403  # not offered to anna
    # The unknown caller's own stand-in record is not a result; LIKE wildcards are plain text.
    assert search(helper, demo, conv_id, "Unknown caller").json() == []
    assert search(helper, demo, conv_id, "%%").json() == []
    assert len(search(helper, demo, conv_id, "a" * 5000).json()) <= 10  # bounded query, bounded answer
