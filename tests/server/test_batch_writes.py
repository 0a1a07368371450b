"""POST /writes: many idempotent writes in one request, each done and answered as on its own."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.helpers.backend import Backend
from workstation.domain.models import EventFrame

API = "/api/v1"


def _write(op: str, target: str = "", key: str | None = None, **body: Any) -> dict[str, Any]:
    return {"key": key or uuid.uuid4().hex, "op": op, "target": target, "body": body}


def _agent_texts(backend: Backend, chat: dict[str, Any]) -> list[str]:
    return [m["text"] for m in backend.transcript(chat) if m["sender"] == "agent"]


def _pushed(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> list[EventFrame]:
    """Every frame the backend pushes from now on."""
    server = backend.server.backend
    assert server is not None
    frames: list[EventFrame] = []
    publish = server.hub.publish

    def spy(batch: list[tuple[str, EventFrame]]) -> None:
        frames.extend(frame for _audience, frame in batch)
        publish(batch)

    monkeypatch.setattr(server.hub, "publish", spy)
    return frames


def test_a_batch_is_done_in_order_and_each_write_answered_as_on_its_own(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo, chat, conv = backend.accepted_chat()
    pushed = _pushed(backend, monkeypatch)
    writes = [
        _write("message", conv, text="Ich schaue nach."),
        _write("note", "c-1", text="Paket 4711 verspätet"),
        _write(
            "feedback",
            action="refund",
            context="delivery",
            outcome="accepted",
            customer_id="c-1",
            at="2026-11-25T10:00:00Z",
        ),
        _write("close", conv, wrapup_code="resolved"),
        _write("message", conv, text="Noch etwas?"),  # after the close: refused
        _write("message", "cv-unknown", text="Hallo"),
        _write("teleport", conv),
        _write("message", conv, text=""),
    ]
    writes.append(writes[0])  # the same write twice in one batch: done once, answered twice
    response = backend.http.post(f"{API}/writes", json={"writes": writes}, headers=demo)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["key"] for r in results] == [w["key"] for w in writes]
    assert [r["status"] for r in results] == [200, 200, 200, 200, 409, 404, 400, 400, 200]
    assert results[-1] == results[0]
    assert results[0]["body"]["text"] == "Ich schaue nach."
    assert results[0]["body"]["client_key"] == writes[0]["key"]
    assert results[1]["body"]["text"] == "Paket 4711 verspätet"
    assert results[3]["body"]["state"] == "closed"
    assert results[4]["body"]["error"]["code"] == "conversation_closed"
    assert results[6]["body"]["error"]["code"] == "unknown_op"
    assert results[7]["body"]["error"]["details"][0]["field"] == "text"
    assert _agent_texts(backend, chat) == ["Ich schaue nach."]
    # the writes that were done were pushed once each, after the batch committed
    assert [f.type for f in pushed if f.type in ("message.created", "conversation.closed")] == [
        "message.created",
        "conversation.closed",
        "conversation.closed",  # to the agent and to the team leads
    ]

    # The same batch again (the desktop did not get the answer): the same answers, nothing done twice.
    again = backend.http.post(f"{API}/writes", json={"writes": writes}, headers=demo).json()["results"]
    assert again == results
    assert _agent_texts(backend, chat) == ["Ich schaue nach."]
    notes = backend.http.get(f"{API}/customers/c-1/notes", headers=demo).json()
    assert [n["text"] for n in notes] == ["Paket 4711 verspätet"]
    # ... and a key sent in a batch is answered the same by its single endpoint.
    single = backend.http.post(
        f"{API}/conversations/{conv}/messages",
        json={"text": "Ich schaue nach."},
        headers={**demo, "Idempotency-Key": writes[0]["key"]},
    )
    assert single.status_code == 200 and single.json() == results[0]["body"]
    reused = backend.http.post(
        f"{API}/writes", json={"writes": [{**writes[0], "body": {"text": "Anders"}}]}, headers=demo
    ).json()["results"]
    assert reused[0]["status"] == 422 and reused[0]["body"]["error"]["code"] == "idempotency_key_reused"


def test_a_write_that_fails_half_way_is_undone_alone_and_the_rest_can_be_sent_again(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo, chat, conv = backend.accepted_chat()
    server = backend.server.backend
    assert server is not None
    post = server.post_agent_message

    def breaks_after_writing(principal: Any, conversation_id: str, text: str, key: str | None) -> Any:
        message = post(principal, conversation_id, text, key)  # stored and its event lined up ...
        if text == "boom":
            raise RuntimeError("disk on fire")  # ... then the write fails
        return message

    monkeypatch.setattr(server, "post_agent_message", breaks_after_writing)
    pushed = _pushed(backend, monkeypatch)
    writes = [_write("message", conv, text=t) for t in ("before", "boom", "after")]
    results = backend.http.post(f"{API}/writes", json={"writes": writes}, headers=demo).json()["results"]
    assert [r["status"] for r in results] == [200, 500, 503]
    assert results[2]["body"]["error"]["code"] == "not_attempted"
    assert _agent_texts(backend, chat) == ["before"]
    assert [f.data["text"] for f in pushed if f.type == "message.created"] == ["before"]

    monkeypatch.setattr(server, "post_agent_message", post)
    again = backend.http.post(f"{API}/writes", json={"writes": writes}, headers=demo).json()["results"]
    assert [r["status"] for r in again] == [200, 200, 200]
    assert again[0] == results[0]
    assert _agent_texts(backend, chat) == ["before", "boom", "after"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"writes": []}, "writes"),
        ({"writes": [_write("message", "cv-1", text="x")] * 501}, "writes"),
        ({"writes": [_write("message", "cv-1", key="short", text="x")]}, "writes.0.key"),
        ({"writes": [{"op": "message", "body": {}}]}, "writes.0.key"),
        ({"items": []}, "writes"),
    ],
)
def test_a_malformed_batch_is_refused_as_a_whole_with_the_field(
    backend: Backend, body: dict[str, Any], field: str
) -> None:
    demo = backend.login("demo")
    response = backend.http.post(f"{API}/writes", json=body, headers=demo)
    assert response.status_code == 400
    assert field in [d["field"] for d in response.json()["error"]["details"]]


def test_batches_need_an_agent(backend: Backend) -> None:
    writes = {"writes": [_write("presence", presence="available")]}
    assert backend.http.post(f"{API}/writes", json=writes).status_code == 401
