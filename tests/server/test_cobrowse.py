"""Cobrowse on the real backend over HTTP and WebSockets: consent, transcript, relay, who may see what."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.helpers.backend import Backend

MARKER = "SECRET-MARKER-4711"


def _ws(backend: Backend, path: str, **kwargs: Any) -> ClientConnection:
    return connect(backend.url.replace("http://", "ws://") + path, open_timeout=5, **kwargs)


def _recv(ws: ClientConnection, kind: str, timeout: float = 5.0) -> dict[str, Any]:
    """The next frame of `kind` (others are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {kind!r} frame within {timeout} s")
        frame = json.loads(ws.recv(timeout=left))
        if frame["kind"] == kind:
            return dict(frame)


def _quiet(ws: ClientConnection, kind: str, seconds: float = 0.4) -> bool:
    """True if no `kind` frame arrives within `seconds`."""
    try:
        _recv(ws, kind, seconds)
    except (AssertionError, TimeoutError):
        return True
    return False


@contextmanager
def customer_page(backend: Backend, chat: dict[str, Any]) -> Iterator[ClientConnection]:
    with _ws(backend, f"/api/v1/customer/chats/{chat['conversation']['id']}/live") as ws:
        ws.send(json.dumps({"token": chat["customer_token"]}))
        yield ws


def page_events(title: str, text: str = "Returns help") -> list[dict[str, Any]]:
    doc = {
        "type": 0,
        "id": 1,
        "childNodes": [
            {
                "type": 2,
                "id": 2,
                "tagName": "html",
                "attributes": {},
                "childNodes": [
                    {
                        "type": 2,
                        "id": 3,
                        "tagName": "body",
                        "attributes": {},
                        "childNodes": [
                            {
                                "type": 2,
                                "id": 4,
                                "tagName": "h1",
                                "attributes": {},
                                "childNodes": [{"type": 3, "id": 5, "textContent": text}],
                            },
                            {"type": 2, "id": 6, "tagName": "button", "attributes": {}, "childNodes": []},
                        ],
                    }
                ],
            }
        ],
    }
    now = time.time() * 1000
    return [
        {"type": 4, "timestamp": now, "data": {"href": f"{title}?q=private#x", "width": 1000, "height": 700}},
        {"type": 2, "timestamp": now, "data": {"node": doc, "initialOffset": {"top": 0, "left": 0}}},
    ]


def mutation(text: str) -> dict[str, Any]:
    return {
        "type": 3,
        "timestamp": time.time() * 1000,
        "data": {
            "source": 0,
            "texts": [{"id": 5, "value": text}],
            "attributes": [],
            "removes": [],
            "adds": [],
        },
    }


def _accepted_chat(
    backend: Backend, agent: dict[str, str], customer_id: str = "c-1"
) -> tuple[dict[str, Any], str]:
    backend.http.put("/api/v1/me/presence", json={"presence": "available"}, headers=agent)
    chat = backend.start_chat(customer_id, "Where is the returns page?")
    conv_id = chat["conversation"]["id"]
    offers = backend.wait_for(lambda: [o for o in backend.offers(agent) if o["conversation_id"] == conv_id])
    response = backend.http.post(f"/api/v1/offers/{offers[0]['id']}/accept", headers=agent)
    assert response.status_code == 200, response.text
    return chat, conv_id


def _status(backend: Backend, agent: dict[str, str], conv_id: str) -> dict[str, Any]:
    response = backend.http.get(f"/api/v1/conversations/{conv_id}/cobrowse", headers=agent)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _customer(backend: Backend, chat: dict[str, Any], session_id: str, action: str) -> Any:
    return backend.http.post(
        f"/api/v1/customer/chats/{chat['conversation']['id']}/cobrowse/{session_id}/{action}",
        headers={"Authorization": f"Bearer {chat['customer_token']}"},
    )


def _system_lines(backend: Backend, chat: dict[str, Any]) -> list[str]:
    return [m["text"] for m in backend.transcript(chat) if m["sender"] == "system"]


def test_invite_only_while_the_customer_is_on_the_web(backend: Backend) -> None:
    agent = backend.login("demo")
    chat, conv_id = _accepted_chat(backend, agent)
    status = _status(backend, agent, conv_id)
    assert not status["available"] and not status["online"]
    assert "not on the web site" in status["reason"]
    refused = backend.http.post(f"/api/v1/conversations/{conv_id}/cobrowse", headers=agent)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "cobrowse_unavailable"
    with customer_page(backend, chat) as page:
        hello = _recv(page, "hello")
        assert hello["session"] is None and hello["agent"] == "Demo Agent"
        backend.wait_for(lambda: _status(backend, agent, conv_id)["available"])


def test_a_customer_without_cobrowse_consent_is_not_asked(backend: Backend) -> None:
    def refuse() -> None:
        from workstation.domain.models import Customer

        assert backend.server.backend is not None
        backend.server.backend.upsert_customer(
            Customer(id="c-2", name="Oliver Bennett", consents={"cobrowse": False})
        )

    backend.server.call(refuse)
    agent = backend.login("demo")
    chat, conv_id = _accepted_chat(backend, agent, "c-2")
    with customer_page(backend, chat) as page:
        _recv(page, "hello")
        status = backend.wait_for(lambda: (s := _status(backend, agent, conv_id))["online"] and s)
        assert not status["available"] and "refused cobrowse" in status["reason"]


def test_the_whole_story_with_relay_commands_and_transcript(backend: Backend) -> None:
    agent = backend.login("demo")
    chat, conv_id = _accepted_chat(backend, agent)
    with customer_page(backend, chat) as page:
        _recv(page, "hello")
        backend.wait_for(lambda: _status(backend, agent, conv_id)["available"])
        invited = backend.http.post(f"/api/v1/conversations/{conv_id}/cobrowse", headers=agent)
        assert invited.status_code == 201, invited.text
        session_id = invited.json()["id"]
        assert _recv(page, "session")["session"]["state"] == "invited"
        # the agent cannot consent for the customer, nor join before consent
        assert (
            _customer(
                backend, {"conversation": {"id": conv_id}, "customer_token": "x" * 20}, session_id, "accept"
            ).status_code
            == 401
        )
        assert _customer(backend, chat, session_id, "accept").json()["state"] == "accepted"
        assert _recv(page, "session")["session"]["state"] == "accepted"

        page.send(
            json.dumps(
                {
                    "kind": "events",
                    "session_id": session_id,
                    "events": page_events("http://shop.test/shop/help/shipping"),
                }
            )
        )
        backend.wait_for(lambda: (_status(backend, agent, conv_id)["session"] or {}).get("state") == "active")

        with _ws(backend, f"/api/v1/cobrowse/{session_id}/relay", additional_headers=agent) as view:
            hello = _recv(view, "hello")
            assert hello["session"]["state"] == "active"
            assert hello["url"] == "http://shop.test/shop/help/shipping"  # no query, no fragment
            # the buffered baseline at once, and a fresh snapshot asked of the page
            baseline = _recv(view, "events")["events"]
            assert [e["type"] for e in baseline] == [4, 2]
            _recv(page, "snapshot")

            page.send(
                json.dumps({"kind": "events", "session_id": session_id, "events": [mutation("Returns")]})
            )
            assert _recv(view, "events")["events"][0]["data"]["texts"] == [{"id": 5, "value": "Returns"}]

            view.send(
                json.dumps({"kind": "command", "command": {"type": "highlight", "node": 6, "label": "Pay"}})
            )
            assert _recv(page, "command")["command"] == {"type": "highlight", "node": 6, "label": "Pay"}
            view.send(json.dumps({"kind": "command", "command": {"type": "pointer", "x": 10, "y": 20.5}}))
            assert _recv(page, "command")["command"] == {"type": "pointer", "x": 10.0, "y": 20.5}
            view.send(
                json.dumps(
                    {"kind": "command", "command": {"type": "navigate", "url": "returns", "title": "R"}}
                )
            )
            assert _recv(page, "command")["command"]["url"] == "http://shop.test/shop/help/returns"
            view.send(
                json.dumps(
                    {"kind": "command", "command": {"type": "navigate", "url": "https://evil.example/"}}
                )
            )
            assert "Only pages of http://shop.test" in _recv(view, "error")["message"]
            assert _quiet(page, "command")

            # paused: nothing flows either way
            assert _customer(backend, chat, session_id, "pause").json()["state"] == "paused"
            assert _recv(view, "session")["session"]["state"] == "paused"
            page.send(
                json.dumps({"kind": "events", "session_id": session_id, "events": [mutation("hidden")]})
            )
            assert _quiet(view, "events")
            view.send(json.dumps({"kind": "command", "command": {"type": "pointer", "x": 1, "y": 1}}))
            assert "paused" in _recv(view, "error")["message"]
            assert _quiet(page, "command")

            assert _customer(backend, chat, session_id, "resume").json()["state"] == "active"
            _recv(page, "snapshot")  # the agent's view needs a new baseline after a pause
            assert _recv(view, "session")["session"]["state"] == "active"

            ended = backend.http.post(
                f"/api/v1/conversations/{conv_id}/cobrowse/{session_id}/end", headers=agent
            )
            assert ended.status_code == 200 and ended.json()["state"] == "ended"
            assert _recv(view, "session")["session"]["state"] == "ended"
            with pytest.raises(ConnectionClosed):
                for _ in range(10):
                    view.recv(timeout=2)
        assert _recv(page, "session")["session"]["state"] == "ended"

    assert _system_lines(backend, chat) == [
        "Demo Agent invited the customer to cobrowse (to see and guide their web page).",
        "The customer accepted cobrowse.",
        "Cobrowse started: Demo Agent sees the customer's page (form fields masked).",
        "The customer paused cobrowse.",
        "The customer resumed cobrowse.",
        "Cobrowse ended by Demo Agent.",
    ]
    # the agent was told every step on the push stream (the session's state, never page contents)
    core = backend.server.backend
    assert core is not None
    frames = core.events_after(core.authenticate(agent["Authorization"][7:]), 0)
    states = [f.data["session"]["state"] for f in frames if f.type == "cobrowse.status" and f.data["session"]]
    assert [s for i, s in enumerate(states) if i == 0 or states[i - 1] != s] == [
        "invited",
        "accepted",
        "active",
        "paused",
        "active",
        "ended",
    ]
    assert not any("Returns" in json.dumps(f.data) for f in frames if f.type.startswith("cobrowse"))


def test_nobody_else_can_read_or_steer_a_session(backend: Backend) -> None:
    agent = backend.login("demo")
    chat, conv_id = _accepted_chat(backend, agent)
    other_chat = backend.start_chat("c-3", "Hello")
    ben, lead = backend.login("ben"), backend.login("lead")
    with customer_page(backend, chat) as page:
        _recv(page, "hello")
        backend.wait_for(lambda: _status(backend, agent, conv_id)["available"])
        session_id = backend.http.post(f"/api/v1/conversations/{conv_id}/cobrowse", headers=agent).json()[
            "id"
        ]
        _customer(backend, chat, session_id, "accept")
        page.send(
            json.dumps({"kind": "events", "session_id": session_id, "events": page_events("http://s/x")})
        )
        backend.wait_for(lambda: (_status(backend, agent, conv_id)["session"] or {}).get("state") == "active")
        for stranger in (ben, lead):
            assert (
                backend.http.get(f"/api/v1/conversations/{conv_id}/cobrowse", headers=stranger).status_code
                == 404
            )
            assert (
                backend.http.post(
                    f"/api/v1/conversations/{conv_id}/cobrowse/{session_id}/end", headers=stranger
                ).status_code
                == 404
            )
            with _ws(backend, f"/api/v1/cobrowse/{session_id}/relay", additional_headers=stranger) as view:
                with pytest.raises(ConnectionClosed) as closed:
                    view.recv(timeout=5)
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404
        # another chat's customer: not on this conversation's channel, not its consent
        foreign = {"conversation": {"id": conv_id}, "customer_token": other_chat["customer_token"]}
        assert _customer(backend, foreign, session_id, "end").status_code == 403
        assert _customer(backend, other_chat, session_id, "end").status_code == 404
        with _ws(backend, f"/api/v1/customer/chats/{conv_id}/live") as intruder:
            intruder.send(json.dumps({"token": other_chat["customer_token"]}))
            with pytest.raises(ConnectionClosed) as closed:
                intruder.recv(timeout=5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
        # a page of another conversation cannot feed this session
        with customer_page(backend, other_chat) as other_page:
            _recv(other_page, "hello")
            other_page.send(
                json.dumps({"kind": "events", "session_id": session_id, "events": [mutation("x")]})
            )
            assert _recv(other_page, "stop")
        # an agent token on the customer's channel is refused too
        with _ws(backend, f"/api/v1/customer/chats/{conv_id}/live") as agent_page:
            agent_page.send(json.dumps({"token": agent["Authorization"][7:]}))
            with pytest.raises(ConnectionClosed):
                agent_page.recv(timeout=5)


def test_page_contents_never_reach_the_database_or_the_logs(
    backend: Backend, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    agent = backend.login("demo")
    chat, conv_id = _accepted_chat(backend, agent)
    with customer_page(backend, chat) as page:
        _recv(page, "hello")
        backend.wait_for(lambda: _status(backend, agent, conv_id)["available"])
        session_id = backend.http.post(f"/api/v1/conversations/{conv_id}/cobrowse", headers=agent).json()[
            "id"
        ]
        _customer(backend, chat, session_id, "accept")
        with _ws(backend, f"/api/v1/cobrowse/{session_id}/relay", additional_headers=agent) as view:
            page.send(
                json.dumps(
                    {"kind": "events", "session_id": session_id, "events": page_events("http://s/x", MARKER)}
                )
            )
            assert MARKER in json.dumps(_recv(view, "events"))
            page.send(
                json.dumps({"kind": "events", "session_id": session_id, "events": [mutation(MARKER + "-2")]})
            )
            _recv(view, "events")
            page.send("not json " + MARKER)
            page.send(
                json.dumps(
                    {"kind": "events", "session_id": session_id, "events": [{"type": "bad", "x": MARKER}]}
                )
            )
            view.send(json.dumps({"kind": "snapshot"}))
            _recv(page, "snapshot")
    backend.server.stop()  # checkpoint the WAL into the file
    data = b"".join(p.read_bytes() for p in (tmp_path / "backend").glob("backend.sqlite3*"))
    assert b"SECRET-MARKER" not in data
    # Everything the backend logged (the test's own WebSocket client logs what it sends: not counted).
    server_side = [
        r for r in caplog.records if not r.name.startswith(("websockets.client", "httpx", "httpcore"))
    ]
    assert server_side, "the backend logged nothing at DEBUG: the check would be empty"
    assert not [r for r in server_side if "SECRET-MARKER" in r.getMessage()]


def test_unanswered_invitations_expire_and_closing_the_chat_ends_the_session(tmp_path: Path) -> None:
    from tests.helpers.backend import seed
    from workstation.domain.cobrowse import CobrowsePolicy
    from workstation.server.backend import BackendConfig
    from workstation.server.runner import ServerOptions, ServerThread

    server = ServerThread(
        ServerOptions(
            data_dir=tmp_path / "b",
            simulator=None,
            backend=BackendConfig(router_tick_s=0.05, cobrowse=CobrowsePolicy(invite_ttl_s=0.5)),
        )
    )
    server.start()
    seed(server)
    backend = Backend(server)
    try:
        agent = backend.login("demo")
        chat, conv_id = _accepted_chat(backend, agent)
        with customer_page(backend, chat) as page:
            _recv(page, "hello")
            backend.wait_for(lambda: _status(backend, agent, conv_id)["available"])
            backend.http.post(f"/api/v1/conversations/{conv_id}/cobrowse", headers=agent)
            expired = _recv(page, "session", timeout=5)
            while expired["session"]["state"] != "expired":
                expired = _recv(page, "session", timeout=5)
            assert expired["session"]["reason"] == "no answer within 0.5 s"
            # an expired invitation may be repeated; this time the customer accepts, then the chat closes
            again = backend.http.post(f"/api/v1/conversations/{conv_id}/cobrowse", headers=agent)
            assert again.status_code == 201, again.text
            _customer(backend, chat, again.json()["id"], "accept")
            closed = backend.http.post(
                f"/api/v1/conversations/{conv_id}/close", json={"wrapup_code": "resolved"}, headers=agent
            )
            assert closed.status_code == 200
            _recv(page, "closed")
        assert _system_lines(backend, chat)[-4:] == [
            "Cobrowse expired (no answer within 0.5 s).",
            "Demo Agent invited the customer to cobrowse (to see and guide their web page).",
            "The customer accepted cobrowse.",
            "Cobrowse ended (the chat was closed).",
        ]
    finally:
        backend.http.close()
        server.stop()


def test_the_relay_buffer_is_bounded_and_restarts_at_a_fresh_snapshot(backend: Backend) -> None:
    """The relay alone (one layer): a fake page link, the real backend's database for the session."""
    import asyncio

    from workstation.server.cobrowse import CobrowseHub, _Link

    core = backend.server.backend
    assert core is not None
    hub = CobrowseHub(core, buffer_events=6)
    agent = backend.login("demo")
    chat, conv_id = _accepted_chat(backend, agent)

    def run() -> list[str]:
        page = _Link(ws=None, conversation_id=conv_id, queue=asyncio.Queue(100))  # type: ignore[arg-type]
        hub._pages[conv_id] = {page}
        principal = core.authenticate(agent["Authorization"][7:])
        session = hub.invite(principal, conv_id)
        hub.customer_action(core.authenticate(chat["customer_token"]), conv_id, session.id, "accept")
        relay = hub._relays[session.id]
        hub._on_events(page, {"session_id": session.id, "events": page_events("http://s/a")})
        assert relay.has_snapshot and len(relay.buffer) == 2
        for i in range(4):
            hub._on_events(page, {"session_id": session.id, "events": [mutation(f"m{i}")]})
        assert len(relay.buffer) == 6 and hub.stats.snapshots_requested == 0
        hub._on_events(page, {"session_id": session.id, "events": [mutation("one too many")]})
        assert not relay.buffer and not relay.has_snapshot and hub.stats.snapshots_requested == 1
        hub._on_events(page, {"session_id": session.id, "events": [mutation("not kept: no baseline")]})
        assert not relay.buffer
        hub._on_events(page, {"session_id": session.id, "events": page_events("http://s/b")[1:]})
        assert len(relay.buffer) == 2  # the last Meta goes first, so a joining view knows the size
        assert json.loads(relay.buffer[0])["data"]["href"].startswith("http://s/a")
        frames = []
        while not page.queue.empty():
            frames.append(page.queue.get_nowait() or "")
        return frames

    frames = backend.server.call(run)
    assert sum(json.loads(f)["kind"] == "snapshot" for f in frames) == 1


def test_a_closed_chat_leaves_nothing_behind_in_the_page_state(backend: Backend) -> None:
    """The hub keeps, per chat, when its page left and what the agent was told; kept after the chat
    closed, that grew by one entry per web chat for as long as the backend ran. One layer, as above."""
    import asyncio

    from workstation.server.cobrowse import CobrowseHub, _Link

    core = backend.server.backend
    assert core is not None
    hub = CobrowseHub(core, offline_grace_s=0.05)
    agent = backend.login("demo")
    left_before, _ = _accepted_chat(backend, agent, "c-1")
    left_after, _ = _accepted_chat(backend, agent, "c-2")
    pages: dict[str, _Link] = {}

    def page_state() -> tuple[dict[str, object], dict[str, bool]]:
        return backend.server.call(lambda: (dict(hub._absent_since), dict(hub._published_online)))

    def arrive(chat: dict[str, Any]) -> None:
        conv_id = chat["conversation"]["id"]
        pages[conv_id] = _Link(ws=None, conversation_id=conv_id, queue=asyncio.Queue(10))  # type: ignore[arg-type]
        hub._pages[conv_id] = {pages[conv_id]}
        hub._publish_online(conv_id)

    def leave(chat: dict[str, Any]) -> None:
        hub._page_left(pages[chat["conversation"]["id"]])

    def close(chat: dict[str, Any]) -> None:
        conv_id = chat["conversation"]["id"]
        response = backend.http.post(
            f"/api/v1/conversations/{conv_id}/close", json={"wrapup_code": "resolved"}, headers=agent
        )
        assert response.status_code == 200, response.text

    for chat in (left_before, left_after):
        backend.server.call(lambda chat=chat: arrive(chat))
    ids = {left_before["conversation"]["id"], left_after["conversation"]["id"]}
    assert page_state()[1] == dict.fromkeys(ids, True)

    # One page leaves while its chat is open (the agent is told after the grace), then it closes;
    # the other chat closes first, and its page leaves afterwards.
    backend.server.call(lambda: leave(left_before))
    assert backend.wait_for(lambda: page_state()[1][left_before["conversation"]["id"]] is False)
    close(left_before)
    close(left_after)
    backend.server.call(lambda: leave(left_after))

    assert backend.wait_for(lambda: page_state() == ({}, {}))
    assert backend.server.call(lambda: dict(hub._pages)) == {}


def test_the_shop_says_clearly_when_the_rrweb_assets_are_missing(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = backend.http.get("/shop/")
    assert page.status_code == 200 and "/shop/static/vendor/rrweb.js" in page.text
    assert "Cobrowse is not available" not in page.text
    monkeypatch.setattr("workstation.demo.shop.RRWEB_DIST", ("node_modules", "missing", "rrweb.js"))
    page = backend.http.get("/shop/")
    assert page.status_code == 200  # the shop and its chat still work
    assert "Cobrowse is not available: the rrweb web assets are not installed" in page.text
    assert "npm ci --prefix workstation/web" in page.text and "vendor/rrweb.js" not in page.text
    script = backend.http.get("/shop/static/vendor/rrweb.js")
    assert script.status_code == 503 and "npm ci" in script.text
    assert backend.http.get("/shop/static/../../server/db.py").status_code == 404
