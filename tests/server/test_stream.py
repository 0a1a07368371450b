"""The WebSocket event stream: hello, backlog, live events, resume by sequence, reset, auth."""

from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.helpers.backend import Backend

API = "/api/v1"


def _stream(backend: Backend, headers: dict[str, str], query: str = "after=0") -> ClientConnection:
    url = backend.url.replace("http://", "ws://") + f"{API}/stream?{query}"
    return connect(url, additional_headers=headers, proxy=None, open_timeout=5)


def _frames(ws: ClientConnection, *, until: int | None = None, quiet: float = 0.5) -> list[dict[str, Any]]:
    """Read frames until `until` seq was seen, or until nothing arrives for `quiet` seconds."""
    frames = []
    while True:
        try:
            frame = json.loads(ws.recv(timeout=quiet))
        except TimeoutError:
            return frames
        frames.append(frame)
        if until is not None and frame.get("seq") == until:
            return frames


def _accepted_chat(backend: Backend, headers: dict[str, str]) -> tuple[dict[str, Any], str]:
    backend.http.put(f"{API}/me/presence", json={"presence": "available"}, headers=headers)
    chat = backend.start_chat("c-1")
    (offer,) = backend.wait_for(lambda: backend.offers(headers))
    conv = backend.http.post(f"{API}/offers/{offer['id']}/accept", headers=headers).json()
    return chat, conv["id"]


def test_stream_starts_with_hello_then_backlog_in_order(backend: Backend) -> None:
    demo = backend.login("demo")
    _accepted_chat(backend, demo)
    with _stream(backend, demo) as ws:
        hello, *events = _frames(ws)
    assert hello["kind"] == "hello"
    assert hello["head"] >= 1
    types = [e["type"] for e in events]
    assert types[:2] == ["presence.changed", "offer.created"]
    assert "conversation.assigned" in types
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_resume_after_reconnect_delivers_only_what_was_missed(backend: Backend) -> None:
    demo = backend.login("demo")
    chat, _conv_id = _accepted_chat(backend, demo)
    with _stream(backend, demo) as ws:
        hello, *first = _frames(ws)
    last = first[-1]["seq"]
    backend.customer_says(chat, "Eins")
    backend.customer_says(chat, "Zwei")
    with _stream(backend, demo, f"after={last}&log_id={hello['log_id']}") as ws:
        _hello, *missed = _frames(ws)
        # and live events keep coming on the same connection
        backend.customer_says(chat, "Drei")
        live = _frames(ws)
    texts = [e["data"]["text"] for e in missed + live if e["type"] == "message.created"]
    assert texts == ["Eins", "Zwei", "Drei"]
    assert all(e["seq"] > last for e in missed + live)


def test_unknown_log_or_future_position_gets_a_reset(backend: Backend) -> None:
    demo = backend.login("demo")
    _accepted_chat(backend, demo)
    with _stream(backend, demo, "after=3&log_id=someotherlog") as ws:
        hello, reset, *rest = _frames(ws)
    assert reset == {"kind": "reset", "log_id": hello["log_id"], "head": hello["head"], "reason": "other_log"}
    assert rest == []  # nothing before the head is replayed after a reset
    with _stream(backend, demo, "after=999999") as ws:
        _hello, reset, *_ = _frames(ws)
    assert reset["reason"] == "position_unavailable"


def test_pruned_log_gets_a_reset(backend: Backend) -> None:
    demo = backend.login("demo")
    _accepted_chat(backend, demo)
    server_backend = backend.server.backend
    assert server_backend is not None
    server_backend.config.max_log_events = 2
    backend.server.call(server_backend.prune_log)
    with _stream(backend, demo, "after=1") as ws:
        _hello, reset, *_ = _frames(ws)
    assert reset["kind"] == "reset"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-valid-token-at-all-0000"}])
def test_stream_refuses_missing_or_bad_tokens(backend: Backend, headers: dict[str, str]) -> None:
    with pytest.raises(ConnectionClosed) as info, _stream(backend, headers) as ws:
        ws.recv(timeout=5)
    assert info.value.rcvd is not None and info.value.rcvd.code == 4401


def test_customer_token_cannot_open_the_agent_stream(backend: Backend) -> None:
    chat = backend.start_chat("c-2", "Hello")
    with (
        pytest.raises(ConnectionClosed) as info,
        _stream(backend, {"Authorization": f"Bearer {chat['customer_token']}"}) as ws,
    ):
        ws.recv(timeout=5)
    assert info.value.rcvd is not None and info.value.rcvd.code == 4403


def test_agents_receive_only_their_own_events(backend: Backend) -> None:
    demo = backend.login("demo")
    chat, _conv = _accepted_chat(backend, demo)
    backend.customer_says(chat, "Nur für Demo")
    ben = backend.login("ben")
    backend.http.put(f"{API}/me/presence", json={"presence": "away"}, headers=ben)
    with _stream(backend, ben) as ws:
        _hello, *events = _frames(ws)
    assert events, "ben sees his own presence change"
    for event in events:
        assert event["type"] == "presence.changed"
        assert event["data"]["agent_id"] == "a-ben"
