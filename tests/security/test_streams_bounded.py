"""Issue 18.1 (backend): a customer cannot cut an agent off by making one push frame too large.

Customer messages are bounded in length and rate in the backend method every route shares; a
pushed conversation carries only its latest messages; any event frame still over the client's limit
goes out as a `skipped` frame with its seq; ingested events have field, size and depth limits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from tests.helpers.backend import Backend, backend_with
from workstation.domain.models import DEFAULT_MAX_FRAME_BYTES, utcnow
from workstation.server.limits import (
    MAX_CUSTOMER_MESSAGE_CHARS,
    MAX_EVENT_DATA_DEPTH,
    MAX_EVENT_SUMMARY_CHARS,
)
from workstation.server.streams import MAX_MAX_FRAME_BYTES

pytestmark = pytest.mark.security

API = "/api/v1"


def _stream(backend: Backend, headers: dict[str, str], query: str = "after=0") -> ClientConnection:
    url = backend.url.replace("http://", "ws://") + f"{API}/stream?{query}"
    return connect(url, additional_headers=headers, proxy=None, open_timeout=5, max_size=2**25)


def _raw_frames(ws: ClientConnection, quiet: float = 0.8) -> list[str]:
    frames = []
    while True:
        try:
            frames.append(str(ws.recv(timeout=quiet)))
        except TimeoutError:
            return frames


def _say(backend: Backend, chat: dict[str, Any], text: str) -> Any:
    return backend.http.post(
        f"{API}/customer/chats/{chat['conversation']['id']}/messages",
        json={"text": text},
        headers={"Authorization": f"Bearer {chat['customer_token']}"},
    )


def test_a_customer_message_over_the_limit_is_refused_naming_the_limit(backend: Backend) -> None:
    chat = backend.start_chat("c-1")
    refused = _say(backend, chat, "x" * (MAX_CUSTOMER_MESSAGE_CHARS + 1))
    assert refused.status_code == 413
    assert refused.json()["error"]["code"] == "message_too_long"
    assert f"{MAX_CUSTOMER_MESSAGE_CHARS:,}" in refused.json()["error"]["message"]
    # refused, not truncated: nothing of it is in the transcript; the limit itself is fine
    assert _say(backend, chat, "y" * MAX_CUSTOMER_MESSAGE_CHARS).status_code == 201
    texts = [m["text"] for m in backend.transcript(chat)]
    assert not any(t.startswith("x") for t in texts) and texts[-1] == "y" * MAX_CUSTOMER_MESSAGE_CHARS


def test_a_chat_cannot_open_with_an_overlong_message_or_page(backend: Backend) -> None:
    service = {"Authorization": f"Bearer {backend.service_token}"}
    too_long = backend.http.post(
        f"{API}/customer/chats",
        json={"customer_id": "c-1", "text": "x" * (MAX_CUSTOMER_MESSAGE_CHARS + 1)},
        headers=service,
    )
    assert too_long.status_code == 413 and too_long.json()["error"]["code"] == "message_too_long"
    huge_page = backend.http.post(
        f"{API}/customer/chats",
        json={"customer_id": "c-1", "text": "Hallo", "page": {"url": "https://shop.test/" + "a" * 100_000}},
        headers=service,
    )
    assert huge_page.status_code == 413
    assert huge_page.json()["error"]["details"][0]["field"] == "page.url"


def test_the_customer_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    with backend_with(tmp_path / "b", customer_burst=4, customer_messages_per_minute=1) as backend:
        chat = backend.start_chat("c-1")  # the opening message takes one of the burst
        answers = [_say(backend, chat, f"Hallo {i}").status_code for i in range(3)]
        assert answers == [201, 201, 201]
        limited = _say(backend, chat, "und noch eins")
        assert limited.status_code == 429
        assert limited.json()["error"]["code"] == "rate_limited"
        assert int(limited.headers["Retry-After"]) >= 1
        # per customer: another customer is not slowed down by this one
        assert _say(backend, backend.start_chat("c-2"), "Hallo").status_code == 201


def test_hundreds_of_long_messages_never_make_a_push_frame_over_the_limit(tmp_path: Path) -> None:
    # A customer who may post as fast as they like (the rate limit is a separate net): the
    # transcript grows to megabytes, the pushed conversation does not.
    with backend_with(tmp_path / "b", customer_burst=10_000, customer_messages_per_minute=10_000) as backend:
        agent = backend.login("demo")
        assert backend.http.put(f"{API}/me/presence", json={"presence": "away"}, headers=agent).is_success
        chat = backend.start_chat("c-1")
        control = "\u0001" * MAX_CUSTOMER_MESSAGE_CHARS  # six bytes of JSON per character
        for i in range(300):
            assert _say(backend, chat, control if i % 2 else f"{i} " + "z" * 3_990).status_code == 201
        backend.http.put(f"{API}/me/presence", json={"presence": "available"}, headers=agent)
        (offer,) = backend.wait_for(lambda: backend.offers(agent))
        accepted = backend.http.post(f"{API}/offers/{offer['id']}/accept", headers=agent)
        assert accepted.status_code == 200
        assert len(accepted.json()["messages"]) == 301  # the REST answer has them all
        with _stream(backend, agent) as ws:
            frames = _raw_frames(ws)
    assert max(len(f.encode()) for f in frames) <= DEFAULT_MAX_FRAME_BYTES
    parsed = [json.loads(f) for f in frames]
    assert not [f for f in parsed if f["kind"] == "skipped"]  # bounded at the source, not skipped
    (assigned,) = [f for f in parsed if f.get("type") == "conversation.assigned"]
    data = assigned["data"]
    assert data["messages_omitted"] > 0
    assert len(data["messages"]) + data["messages_omitted"] == 301
    assert data["messages"][-1]["text"] == control  # the latest are the ones carried


def _append(backend: Backend, agent_id: str, type_: str, data: dict[str, Any]) -> None:
    """An event written straight into the backend's log (no route can make one this big any more)."""
    core = backend.server.backend
    assert core is not None

    def work() -> None:
        with core.unit_of_work() as uow:
            uow.append(agent_id, type_, data)

    backend.server.call(work)


def _timeline_event(event_id: str, summary: str) -> dict[str, Any]:
    return {
        "id": event_id,
        "customer_id": "c-1",
        "at": utcnow().isoformat(),
        "channel": "web",
        "kind": "page_view",
        "summary": summary,
        "data": {},
    }


def test_an_oversized_backlog_event_arrives_as_skipped_and_the_stream_goes_on(
    backend: Backend,
) -> None:
    agent = backend.login("demo")
    _append(backend, "a-demo", "timeline.event_added", _timeline_event("e-huge", "h" * (2 * 2**20)))
    _append(backend, "a-demo", "timeline.event_added", _timeline_event("e-next", "small"))
    with _stream(backend, agent) as ws:
        hello, *frames = [json.loads(f) for f in _raw_frames(ws)]
    assert hello["kind"] == "hello"
    skipped, following = frames[-2], frames[-1]
    assert skipped["kind"] == "skipped" and skipped["type"] == "timeline.event_added"
    assert skipped["size"] > 2 * 2**20 and "h" * 100 not in json.dumps(skipped)
    assert following["kind"] == "event" and following["seq"] == skipped["seq"] + 1
    assert following["data"]["id"] == "e-next"


def test_a_live_event_over_the_clients_max_frame_arrives_as_skipped(backend: Backend) -> None:
    agent = backend.login("demo")
    with _stream(backend, agent, "after=0&max_frame=32768") as ws:
        _raw_frames(ws, quiet=0.3)
        _append(backend, "a-demo", "timeline.event_added", _timeline_event("e-big", "b" * 40_000))
        _append(backend, "a-demo", "timeline.event_added", _timeline_event("e-ok", "b" * 20_000))
        skipped, following = [json.loads(f) for f in _raw_frames(ws)]
    assert skipped["kind"] == "skipped" and skipped["size"] > 32768
    assert following["kind"] == "event" and following["data"]["id"] == "e-ok"
    assert following["seq"] == skipped["seq"] + 1


def test_max_frame_is_clamped_to_a_sane_range(backend: Backend) -> None:
    agent = backend.login("demo")
    _append(backend, "a-demo", "timeline.event_added", _timeline_event("e-1k", "k" * 1_000))
    with _stream(backend, agent, "after=0&max_frame=1") as ws:  # below the floor: the floor applies
        *_, last = [json.loads(f) for f in _raw_frames(ws)]
    assert last["kind"] == "event" and last["data"]["id"] == "e-1k"
    # a client cannot ask for unbounded frames either: above the ceiling, the ceiling applies
    _append(
        backend, "a-demo", "timeline.event_added", _timeline_event("e-17m", "m" * (MAX_MAX_FRAME_BYTES + 1))
    )
    with _stream(backend, agent, f"after={last['seq']}&max_frame={10**12}") as ws:
        _hello, huge = [json.loads(f) for f in _raw_frames(ws)]
    assert huge["kind"] == "skipped" and huge["size"] > MAX_MAX_FRAME_BYTES


def _ingest(backend: Backend, events: list[Any]) -> Any:
    return backend.http.post(
        f"{API}/events", json={"events": events}, headers={"Authorization": f"Bearer {backend.service_token}"}
    )


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"x": value}
    return value


def test_ingest_refuses_an_overlong_field_alone_and_stores_the_rest(backend: Backend) -> None:
    events = [
        _timeline_event("e-a", "fine"),
        _timeline_event("e-b", "s" * (MAX_EVENT_SUMMARY_CHARS + 1)),
        {**_timeline_event("e-c", "fine"), "data": _nested(MAX_EVENT_DATA_DEPTH + 4)},
        {**_timeline_event("e-d", "fine"), "kind": "k" * 1_000},
        _timeline_event("e-e", "fine too"),
    ]
    answer = _ingest(backend, events)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["stored", "error", "error", "error", "stored"]
    assert "summary" in results[1]["error"] and str(MAX_EVENT_SUMMARY_CHARS) in results[1]["error"]
    assert "data" in results[2]["error"] and str(MAX_EVENT_DATA_DEPTH) in results[2]["error"]
    assert results[3]["error"].startswith("kind:")


def test_ingest_refuses_a_10_mb_summary_and_1000_deep_data_alone(backend: Backend) -> None:
    # Straight into the method the route calls: whatever cap the HTTP layer puts on a request's size
    # or nesting, the backend's own per-event limits must hold on their own.
    core = backend.server.backend
    assert core is not None
    events = [
        _timeline_event("e-1", "before"),
        _timeline_event("e-2", "s" * 10_000_000),
        {**_timeline_event("e-3", "deep"), "data": _nested(1_000)},
        _timeline_event("e-4", "after"),
    ]
    results = backend.server.call(lambda: core.ingest_events(core.service_principal(), events), timeout=60)
    assert [r.status for r in results] == ["stored", "error", "error", "stored"]
    assert "summary" in (results[1].error or "") and "deep" in (results[2].error or "")
    page = backend.http.get(
        f"{API}/customers/c-1/events", params={"limit": 1000}, headers=backend.login("lead")
    ).json()
    ids = {e["id"] for e in page["events"]}
    assert {"e-1", "e-4"} <= ids and not ids & {"e-2", "e-3"}


def test_a_cobrowse_replay_reaches_the_agents_view_in_bounded_frames(backend: Backend) -> None:
    # A page that shares megabytes: the relay buffers them (bounded) and replays them to a view that
    # (re)joins in frames no larger than one page frame, never as one frame of the whole buffer.
    from workstation.server.cobrowse import MAX_FRAME_BYTES, RELAY_FRAME_BYTES

    agent, chat, conv_id = backend.accepted_chat("demo")
    base = backend.url.replace("http://", "ws://")
    with connect(f"{base}{API}/customer/chats/{conv_id}/live", proxy=None, max_size=2**25) as page:
        page.send(json.dumps({"token": chat["customer_token"]}))
        page.recv(timeout=5)
        status = f"{API}/conversations/{conv_id}/cobrowse"
        backend.wait_for(lambda: backend.http.get(status, headers=agent).json()["available"])
        session_id = backend.http.post(status, headers=agent).json()["id"]
        accept = f"{API}/customer/chats/{conv_id}/cobrowse/{session_id}/accept"
        token = {"Authorization": f"Bearer {chat['customer_token']}"}
        assert backend.http.post(accept, headers=token).status_code == 200
        now = 1_700_000_000_000
        snapshot = [
            {"type": 4, "timestamp": now, "data": {"href": "http://shop.test/", "width": 800, "height": 600}},
            {"type": 2, "timestamp": now, "data": {"node": {"type": 0, "id": 1, "childNodes": []}}},
        ]
        page.send(json.dumps({"kind": "events", "session_id": session_id, "events": snapshot}))
        backend.wait_for(
            lambda: (backend.http.get(status, headers=agent).json()["session"] or {})["state"] == "active"
        )
        filler = "f" * (MAX_FRAME_BYTES - 200_000)  # each page frame just under the page's limit
        for i in range(3):
            big = {
                "type": 3,
                "timestamp": now + i,
                "data": {"source": 0, "texts": [{"id": 1, "value": filler}]},
            }
            page.send(json.dumps({"kind": "events", "session_id": session_id, "events": [big]}))
        relay = f"{base}{API}/cobrowse/{session_id}/relay"
        with connect(relay, additional_headers=agent, proxy=None, max_size=2**26) as view:
            frames = _raw_frames(view, quiet=1.5)
    events = [json.loads(f) for f in frames if f.startswith('{"kind":"events"')]
    assert sum(len(e["events"]) for e in events) == 5  # Meta, snapshot and three big ones: all there
    assert max(len(f.encode()) for f in frames) <= RELAY_FRAME_BYTES
