"""Chatwoot as a chat channel, end to end: our running backend (real HTTP server, real SQLite file)
with the spec stand-in as the Chatwoot account. A customer's Chatwoot message becomes a desk
conversation routed by our routing; the agent's reply is posted back exactly once, across restarts,
with webhook and polling overlapping, and through hostile answers. Every request the channel sends
and every answer it takes is validated against Chatwoot's own OpenAPI document."""

from __future__ import annotations

import copy
import re
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from tests.contract.spec_standin import Answer, Exchange, SpecStandIn
from tests.helpers.backend import Backend
from workstation.server.backend import BackendConfig
from workstation.server.channels.chatwoot_channel import NO_TEXT
from workstation.server.connectors.config import ConnectorConfig
from workstation.server.limits import MAX_CUSTOMER_MESSAGE_CHARS
from workstation.server.runner import DB_FILE, ServerOptions, ServerThread

pytestmark = pytest.mark.contract

ACCOUNT = 7
CONVERSATIONS = "/api/v1/accounts/{account_id}/conversations"
MESSAGES = "/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages"
HOOK_SECRET = "hook-secret-under-test"
HOOK = "/api/v1/channels/cw/webhook"


class ChatwootWorld:
    """What the Chatwoot account holds, served through the stand-in: every answer is the spec's
    own example changed to this state (and validated by the stand-in like any other)."""

    def __init__(self, standin: SpecStandIn) -> None:
        self.standin = standin
        self.conversations: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, list[dict[str, Any]]] = {}
        standin.respond("GET", CONVERSATIONS, self._list)
        standin.respond("GET", MESSAGES, self._thread)
        standin.respond("POST", MESSAGES, self._post)

    def customer_writes(self, conversation: int, text: str, contact: int = 5) -> int:
        self.conversations.setdefault(conversation, {"contact": contact, "inbox": 1})
        return self._add(conversation, {"content": text, "message_type": 0, "content_attributes": {}})

    def _add(self, conversation: int, fields: dict[str, Any]) -> int:
        new_id = 1 + max((m["id"] for ms in self.messages.values() for m in ms), default=40)
        self.messages.setdefault(conversation, []).append(
            {"id": new_id, "conversation_id": conversation, "created_at": 1767225600 + new_id, **fields}
        )
        return new_id

    def replies(self, conversation: int) -> list[dict[str, Any]]:
        return [m for m in self.messages.get(conversation, []) if m["message_type"] == 1]

    def _list(self, body: Any, request: Exchange) -> Any:
        template = body["data"]["payload"][0]
        page = int(request.query.get("page", "1"))
        body["data"]["payload"] = (
            [
                {
                    **copy.deepcopy(template),
                    "id": cid,
                    "inbox_id": c["inbox"],
                    "status": "open",
                    "last_activity_at": max(m["created_at"] for m in self.messages[cid]),
                }
                for cid, c in sorted(self.conversations.items())
            ]
            if page == 1
            else []
        )
        return body

    def _thread(self, body: Any, request: Exchange) -> Any:
        conversation = int(request.path.split("/")[-2])
        template = body["payload"][0]
        after = request.query.get("after")
        stored = self.messages.get(conversation, [])
        chosen = [m for m in stored if m["id"] > int(after)][:100] if after else stored[-20:]
        body["payload"] = [{**copy.deepcopy(template), **m} for m in chosen]
        contact = body["meta"]["contact"]["payload"][0]
        cid = self.conversations.get(conversation, {}).get("contact", 5)
        contact.update(id=cid, name="Jana Kowalski", email="jana@example.org", phone_number="+4930123")
        return body

    def _post(self, body: Any, request: Exchange) -> Any:
        conversation = int(request.path.split("/")[-2])
        sent = request.body
        new_id = self._add(
            conversation,
            {
                "content": sent["content"],
                "message_type": 1,
                "content_attributes": sent.get("content_attributes", {}),
            },
        )
        return {**body, **self.messages[conversation][-1], "id": new_id}


@pytest.fixture(scope="module")
def standin() -> Iterator[SpecStandIn]:
    server = SpecStandIn("chatwoot_application_swagger.json").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def world(standin: SpecStandIn) -> Iterator[ChatwootWorld]:
    standin.exchanges.clear()
    standin.violations.clear()
    yield ChatwootWorld(standin)
    assert standin.violations == [], "requests or answers broke Chatwoot's spec"


@pytest.fixture
def secrets_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CW_TEST_TOKEN", "cw-token-under-test")
    monkeypatch.setenv("CW_TEST_HOOK", HOOK_SECRET)


class Desk:
    """Our backend with the Chatwoot channel `cw`, restartable on the same data directory."""

    def __init__(self, data_dir: Path, chatwoot_url: str) -> None:
        self.data_dir = data_dir
        self.chatwoot_url = chatwoot_url
        self.server: ServerThread | None = None
        self.api: Backend | None = None

    def start(self) -> Backend:
        config = ConnectorConfig(
            name="cw",
            type="chatwoot",
            url=self.chatwoot_url,
            poll_interval_s=3600,  # passes come from webhooks and /sync here, not the clock
            password_env="CW_TEST_TOKEN",
            options={"account_id": ACCOUNT, "webhook_secret_env": "CW_TEST_HOOK", "topic": "delivery"},
        )
        self.server = ServerThread(
            ServerOptions(
                data_dir=self.data_dir,
                backend=BackendConfig(router_tick_s=0.05),
                simulator=None,
                connectors=[config],
            )
        )
        self.server.start()
        self.api = Backend(self.server)
        return self.api

    def stop(self) -> None:
        if self.api is not None:
            self.api.http.close()
        if self.server is not None:
            self.server.stop()
        self.api = self.server = None

    def channel(self) -> dict[str, Any]:
        assert self.api is not None
        lead = self.api.login("lead")
        (status,) = self.api.http.get("/api/v1/channels", headers=lead).json()
        return dict(status)

    def sync(self) -> int:
        """Ask for a pass and wait until one more has finished; returns the passes so far."""
        assert self.api is not None
        api = self.api
        before = self.channel()["passes"]
        lead = api.login("lead")
        assert api.http.post("/api/v1/channels/cw/sync", headers=lead).status_code == 202
        return int(api.wait_for(lambda: (p := self.channel()["passes"]) > before and p))

    def hook(self, body: Any, token: str | None = HOOK_SECRET) -> Any:
        assert self.api is not None
        params = {"token": token} if token is not None else {}
        return self.api.http.post(HOOK, json=body, params=params)


@pytest.fixture
def desk(tmp_path: Path, standin: SpecStandIn, secrets_env: None) -> Iterator[Desk]:
    d = Desk(tmp_path, standin.url)
    try:
        yield d
    finally:
        d.stop()


def _event(conversation: int, message: int = 0) -> dict[str, Any]:
    return {
        "event": "message_created",
        "id": message,
        "message_type": "incoming",
        "conversation": {"id": conversation},
        "account": {"id": ACCOUNT},
    }


def _accept(api: Backend, username: str = "demo") -> tuple[dict[str, str], dict[str, Any]]:
    agent = api.login(username)
    api.http.put("/api/v1/me/presence", json={"presence": "available"}, headers=agent)
    (offer,) = api.wait_for(lambda: api.offers(agent))
    conversation = api.http.post(f"/api/v1/offers/{offer['id']}/accept", headers=agent).json()
    return agent, conversation


def _desk_messages(api: Backend, agent: dict[str, str], conversation_id: str) -> list[tuple[str, str]]:
    conv = api.http.get(f"/api/v1/conversations/{conversation_id}", headers=agent).json()
    return [(m["sender"], m["text"]) for m in conv["messages"]]


def _posts(standin: SpecStandIn) -> list[Exchange]:
    return standin.calls("POST", MESSAGES)


# --- the round trip ------------------------------------------------------------------------------


def test_a_chatwoot_message_is_offered_and_the_reply_posted_back_once(
    desk: Desk, world: ChatwootWorld, standin: SpecStandIn
) -> None:
    api = desk.start()
    world.customer_writes(12, "Wo ist mein Paket?")
    assert desk.hook(_event(12)).status_code == 202
    agent, conversation = _accept(api)
    assert conversation["messages"][0]["text"] == "Wo ist mein Paket?"
    customer = api.http.get(f"/api/v1/customers/{conversation['customer']['id']}", headers=agent).json()
    assert (customer["name"], customer["email"]) == ("Jana Kowalski", "jana@example.org")

    reply = api.http.post(
        f"/api/v1/conversations/{conversation['id']}/messages", json={"text": "Morgen!"}, headers=agent
    )
    assert reply.status_code in (200, 201), reply.text
    api.wait_for(lambda: world.replies(12))
    desk.sync()
    desk.sync()
    (posted,) = world.replies(12)
    assert posted["content"] == "Morgen!"
    assert posted["content_attributes"] == {"echo_id": reply.json()["id"]}
    assert len(_posts(standin)) == 1
    assert all(call.headers["api_access_token"] == "cw-token-under-test" for call in standin.exchanges)
    status = desk.channel()
    assert (status["messages_in"], status["replies_posted"], status["last_error"]) == (1, 1, None)

    # The customer writes again: the same desk conversation, not a new offer.
    world.customer_writes(12, "Danke, bis morgen")
    desk.hook(_event(12))
    api.wait_for(lambda: ("customer", "Danke, bis morgen") in _desk_messages(api, agent, conversation["id"]))
    assert api.offers(agent) == []


def test_the_channels_writes_run_on_the_writer_thread(desk: Desk, world: ChatwootWorld) -> None:
    """A chat started from Chatwoot, its next message and the reply's records: every write of them
    on the backend's writer thread (writer_thread.py), none on the event loop between its steps."""
    api = desk.start()
    assert desk.server is not None and desk.server.backend is not None
    engine = desk.server.backend.engine
    agent = api.login("demo")
    tables = (
        "channel_inbound",
        "channel_threads",
        "channel_outbound",
        "customers",
        "conversations",
        "messages",
    )
    writes: list[tuple[str, str]] = []

    def spy(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        written = re.match(r"\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+(\w+)", statement, re.IGNORECASE)
        if written and written[1] in tables:
            writes.append((written[1], threading.current_thread().name))

    event.listen(engine, "before_cursor_execute", spy)
    try:
        world.customer_writes(21, "Hallo, ich habe eine Frage")
        assert desk.hook(_event(21)).status_code == 202
        _agent, conversation = _accept(api)
        reply = api.http.post(
            f"/api/v1/conversations/{conversation['id']}/messages", json={"text": "Gern!"}, headers=agent
        )
        assert reply.status_code in (200, 201), reply.text
        api.wait_for(lambda: world.replies(21))
        world.customer_writes(21, "Wann kommt es?")
        desk.hook(_event(21))
        api.wait_for(lambda: ("customer", "Wann kommt es?") in _desk_messages(api, agent, conversation["id"]))
        desk.sync()
        assert desk.channel()["replies_posted"] == 1
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert {table for table, _thread in writes} == set(tables)
    assert all(thread.startswith("backend-writer") for _table, thread in writes), writes


def test_our_own_replies_and_private_notes_do_not_come_back_in(desk: Desk, world: ChatwootWorld) -> None:
    api = desk.start()
    world.customer_writes(13, "Hallo")
    world._add(13, {"content": "internal note", "message_type": 1, "private": True, "content_attributes": {}})
    world._add(13, {"content": "from the desk", "message_type": 1, "content_attributes": {"echo_id": "m-x"}})
    desk.sync()
    agent, conversation = _accept(api)
    assert _desk_messages(api, agent, conversation["id"]) == [("customer", "Hallo")]


# --- exactly once across restarts and overlaps -----------------------------------------------------


def test_a_restart_between_taking_and_replying_repeats_nothing(
    desk: Desk, world: ChatwootWorld, standin: SpecStandIn
) -> None:
    api = desk.start()
    world.customer_writes(20, "Meine Rechnung stimmt nicht")
    desk.sync()
    agent, conversation = _accept(api)
    desk.stop()

    api = desk.start()  # the same database: the message is not taken again
    desk.sync()
    agent = api.login("demo")
    assert _desk_messages(api, agent, conversation["id"]) == [("customer", "Meine Rechnung stimmt nicht")]
    api.http.post(
        f"/api/v1/conversations/{conversation['id']}/messages", json={"text": "Ich prüfe"}, headers=agent
    )
    api.wait_for(lambda: world.replies(20))
    desk.stop()
    desk.start()
    desk.sync()
    assert len(world.replies(20)) == 1 and len(_posts(standin)) == 1


def test_a_reply_posted_just_before_a_crash_is_found_not_posted_again(
    desk: Desk, world: ChatwootWorld, standin: SpecStandIn
) -> None:
    api = desk.start()
    world.customer_writes(21, "Paket beschädigt")
    desk.sync()
    agent, conversation = _accept(api)
    api.http.post(
        f"/api/v1/conversations/{conversation['id']}/messages", json={"text": "Oh nein"}, headers=agent
    )
    api.wait_for(lambda: world.replies(21))
    desk.sync()
    desk.stop()
    # The database as a crash after the POST and before its record leaves it: the reply `sending`.
    with sqlite3.connect(desk.data_dir / DB_FILE) as db:
        changed = db.execute("UPDATE channel_outbound SET state = 'sending', external = NULL").rowcount
    assert changed == 1

    desk.start()
    desk.sync()
    assert len(world.replies(21)) == 1 and len(_posts(standin)) == 1
    assert desk.channel()["replies_posted"] == 1
    assert any(call.query.get("after") for call in standin.calls("GET", MESSAGES))  # it looked first


def test_webhooks_and_polls_overlapping_take_each_message_once(desk: Desk, world: ChatwootWorld) -> None:
    api = desk.start()
    world.customer_writes(30, "eins")
    world.customer_writes(31, "zwei", contact=6)
    lead = api.login("lead")

    def push(i: int) -> int:
        if i % 3 == 0:
            return int(api.http.post("/api/v1/channels/cw/sync", headers=lead).status_code)
        return int(desk.hook(_event(30 + i % 2)).status_code)

    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(push, range(24))) == {202}
    world.customer_writes(30, "drei")
    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(push, range(12))) == {202}
    desk.sync()
    assert desk.channel()["messages_in"] == 3
    agent = api.login("demo")
    api.http.put("/api/v1/me/presence", json={"presence": "available"}, headers=agent)
    offers = api.wait_for(lambda: (o := api.offers(agent)) and len(o) == 2 and o)
    texts = []
    for offer in offers:
        conv = api.http.post(f"/api/v1/offers/{offer['id']}/accept", headers=agent).json()
        texts.append([m["text"] for m in conv["messages"]])
    assert sorted(texts) == [["eins", "drei"], ["zwei"]]


# --- the webhook's protection and bad input ---------------------------------------------------------


def test_the_webhook_wants_the_shared_secret(desk: Desk, world: ChatwootWorld, standin: SpecStandIn) -> None:
    desk.start()
    assert desk.hook(_event(12), token=None).status_code == 403
    assert desk.hook(_event(12), token="guess").status_code == 403
    assert desk.api is not None
    by_header = desk.api.http.post(HOOK, json=_event(12), headers={"X-Webhook-Token": HOOK_SECRET})
    assert by_header.status_code == 202
    assert desk.api.http.post("/api/v1/channels/nope/webhook", json={}).status_code == 404


@pytest.mark.parametrize(
    "body",
    [b"<html>not json</html>", b"[1, 2]", b'{"event": "message_created"}', b'{"event": 5}'],
    ids=["html", "list", "no-conversation", "event-not-text"],
)
def test_garbage_webhooks_get_a_clear_400(desk: Desk, world: ChatwootWorld, body: bytes) -> None:
    desk.start()
    assert desk.api is not None
    answer = desk.api.http.post(
        HOOK, content=body, params={"token": HOOK_SECRET}, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_request"


def test_events_of_another_account_are_ignored(
    desk: Desk, world: ChatwootWorld, standin: SpecStandIn
) -> None:
    desk.start()
    world.customer_writes(40, "fremd")
    standin.exchanges.clear()
    answer = desk.hook({**_event(40), "account": {"id": ACCOUNT + 1}})
    assert answer.status_code == 202 and answer.json() == {"queued": None}


# --- hostile answers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hostile",
    [
        Answer(status=200, raw="<html><body>Maintenance</body></html>", content_type="text/html"),
        Answer(patch=lambda b: {**b, "payload": "not a list"}, hostile=True),
        Answer(patch=lambda b: {**b, "payload": [{"id": "x", "message_type": 0}]}, hostile=True),
    ],
    ids=["html", "payload-not-a-list", "id-not-a-number"],
)
def test_a_hostile_answer_is_reported_and_the_message_taken_later_once(
    desk: Desk, world: ChatwootWorld, standin: SpecStandIn, hostile: Answer
) -> None:
    api = desk.start()
    world.customer_writes(50, "Kommt das an?")
    standin.script("GET", MESSAGES, hostile)
    desk.hook(_event(50))
    failure = api.wait_for(lambda: desk.channel()["last_failure"])
    assert failure.startswith("Chatwoot list messages")
    # The failed pass took nothing; the next one (backoff, or now) takes the message, once.
    desk.sync()
    api.wait_for(lambda: desk.channel()["messages_in"] == 1)
    agent, conversation = _accept(api)
    assert _desk_messages(api, agent, conversation["id"]) == [("customer", "Kommt das an?")]


def test_429_and_5xx_on_a_reply_back_off_and_post_it_once(
    desk: Desk, world: ChatwootWorld, standin: SpecStandIn
) -> None:
    api = desk.start()
    world.customer_writes(60, "Hallo?")
    desk.sync()
    agent, conversation = _accept(api)
    standin.script(
        "POST",
        MESSAGES,
        Answer(status=429, raw="", content_type="text/plain", headers={"Retry-After": "0"}),
        Answer(status=503, raw="<html>busy</html>", content_type="text/html"),
    )
    api.http.post(f"/api/v1/conversations/{conversation['id']}/messages", json={"text": "Ja?"}, headers=agent)
    api.wait_for(lambda: desk.channel()["replies_posted"] == 1, timeout=20)
    assert len(world.replies(60)) == 1
    assert len(_posts(standin)) == 3


def test_a_reply_chatwoot_refuses_for_good_is_marked_failed_not_lost(
    desk: Desk, world: ChatwootWorld, standin: SpecStandIn
) -> None:
    api = desk.start()
    world.customer_writes(61, "Hallo?")
    desk.sync()
    agent, conversation = _accept(api)
    refusal = Answer(status=404, raw='{"error": "not found"}')
    standin.script("POST", MESSAGES, refusal, copy.copy(refusal), copy.copy(refusal))
    api.http.post(f"/api/v1/conversations/{conversation['id']}/messages", json={"text": "Ja?"}, headers=agent)
    for _ in range(3):
        desk.sync()
    status = desk.channel()
    assert (status["replies_failed"], status["replies_posted"]) == (1, 0)
    assert world.replies(61) == []


def test_polling_catches_up_what_no_webhook_announced_and_skips_quiet_conversations(
    desk: Desk, world: ChatwootWorld, standin: SpecStandIn
) -> None:
    api = desk.start()
    world.customer_writes(70, "erste")
    desk.sync()
    agent, conversation = _accept(api)
    reads = len(standin.calls("GET", MESSAGES))
    desk.sync()
    assert len(standin.calls("GET", MESSAGES)) == reads  # no activity since: not read again
    world.customer_writes(70, "zweite")  # and no webhook for it
    desk.sync()
    assert _desk_messages(api, agent, conversation["id"]) == [("customer", "erste"), ("customer", "zweite")]


def test_a_conversation_resolved_in_chatwoot_is_no_longer_remembered_by_the_poll(
    desk: Desk, world: ChatwootWorld, standin: SpecStandIn
) -> None:
    # The poll remembers each open conversation's last activity to skip quiet ones; kept after the
    # conversation was resolved, that grew by one entry per Chatwoot conversation for good.
    api = desk.start()
    world.customer_writes(71, "eins")
    world.customer_writes(72, "zwei", contact=6)
    desk.sync()
    assert desk.server is not None and desk.server._server is not None
    channel = desk.server._server.config.app.state.channels.channels["cw"]  # type: ignore[attr-defined]
    assert set(channel._seen_activity) == {71, 72}

    del world.conversations[71]  # resolved: no longer in the open list
    desk.sync()
    assert set(channel._seen_activity) == {72}
    reads = len(standin.calls("GET", MESSAGES))
    desk.sync()
    assert len(standin.calls("GET", MESSAGES)) == reads  # 72 is still skipped while quiet
    assert api.http.get("/api/v1/channels", headers=api.login("lead")).json()[0]["last_error"] is None


def test_an_absurdly_long_or_empty_message_is_cut_or_marked_not_lost(
    desk: Desk, world: ChatwootWorld
) -> None:
    api = desk.start()
    world.customer_writes(80, "x" * (MAX_CUSTOMER_MESSAGE_CHARS + 5000))
    world.customer_writes(80, "   ")
    desk.sync()
    agent, conversation = _accept(api)
    (long, empty) = _desk_messages(api, agent, conversation["id"])
    assert len(long[1]) == MAX_CUSTOMER_MESSAGE_CHARS and long[1].endswith("…")
    assert empty[1] == NO_TEXT
    assert desk.channel()["messages_refused"] == 0
