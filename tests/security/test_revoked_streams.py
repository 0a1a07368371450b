"""Issue 18.10: a revoked token (logout) closes its open streams at once, with the close code the
desktop's clients treat as "auth rejected" (4401), and cannot open them again."""

from __future__ import annotations

import json
import time

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.helpers.backend import Backend

pytestmark = pytest.mark.security

API = "/api/v1"


def _ws(backend: Backend, path: str, headers: dict[str, str] | None = None) -> ClientConnection:
    url = backend.url.replace("http://", "ws://") + path
    return connect(url, additional_headers=headers or {}, proxy=None, open_timeout=5)


def _closed_with(ws: ClientConnection, timeout: float = 5.0) -> int | None:
    """Read (and drop) frames until the server closes the socket; its close code."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ws.recv(timeout=deadline - time.monotonic())
    except ConnectionClosed as exc:
        return exc.rcvd.code if exc.rcvd is not None else None
    except TimeoutError:
        pass
    raise AssertionError(f"the stream was still open {timeout} s after the logout")


def _logout(backend: Backend, headers: dict[str, str]) -> None:
    response = backend.http.post(f"{API}/auth/logout", headers=headers)
    assert response.status_code == 200, response.text


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def test_logout_closes_the_agent_stream_with_4401_and_reconnecting_is_refused(backend: Backend) -> None:
    agent = backend.login("demo")
    with _ws(backend, f"{API}/stream?after=0", agent) as ws:
        assert json.loads(ws.recv(timeout=5))["kind"] == "hello"
        _logout(backend, agent)
        assert _closed_with(ws) == 4401
    # the same token, in the header or as ?token=, gets no stream any more
    for path, headers in ((f"{API}/stream", agent), (f"{API}/stream?token={_token(agent)}", None)):
        with _ws(backend, path, headers) as again:
            assert _closed_with(again) == 4401


def test_logout_closes_only_that_tokens_streams(backend: Backend) -> None:
    first, second = backend.login("demo"), backend.login("demo")
    with _ws(backend, f"{API}/stream", first) as a, _ws(backend, f"{API}/stream", second) as b:
        a.recv(timeout=5), b.recv(timeout=5)
        _logout(backend, first)
        assert _closed_with(a) == 4401
        # the other session of the same agent keeps streaming
        response = backend.http.put(f"{API}/me/presence", json={"presence": "available"}, headers=second)
        assert response.status_code == 200
        frame = json.loads(b.recv(timeout=5))
        assert frame["type"] == "presence.changed"


def test_logout_closes_the_monitor_stream(backend: Backend) -> None:
    lead = backend.login("lead")
    with _ws(backend, f"{API}/monitor/stream", lead) as ws:
        assert json.loads(ws.recv(timeout=5))["kind"] == "snapshot"
        _logout(backend, lead)
        assert _closed_with(ws) == 4401
    with _ws(backend, f"{API}/monitor/stream", lead) as again:
        assert _closed_with(again) == 4401


def test_logout_closes_the_cobrowse_relay(backend: Backend) -> None:
    agent, chat, conv_id = backend.accepted_chat("demo")
    with _ws(backend, f"{API}/customer/chats/{conv_id}/live") as page:
        page.send(json.dumps({"token": chat["customer_token"]}))
        assert json.loads(page.recv(timeout=5))["kind"] == "hello"
        status = f"{API}/conversations/{conv_id}/cobrowse"
        backend.wait_for(lambda: backend.http.get(status, headers=agent).json()["available"])
        invited = backend.http.post(status, headers=agent)
        assert invited.status_code == 201, invited.text
        relay_path = f"{API}/cobrowse/{invited.json()['id']}/relay"
        with _ws(backend, relay_path, agent) as relay:
            assert json.loads(relay.recv(timeout=5))["kind"] == "hello"
            _logout(backend, agent)
            assert _closed_with(relay) == 4401
        with _ws(backend, relay_path, agent) as again:
            assert _closed_with(again) == 4401
