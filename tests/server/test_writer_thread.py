"""State-changing requests do their database work on the writer thread, off the event loop, and what
they push still reaches the streams on the loop, in seq order (workstation/server/writer_thread.py)."""

from __future__ import annotations

import asyncio
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tests.helpers.backend import Backend
from workstation.domain.models import EventFrame, Message
from workstation.server.db import EventLogRow
from workstation.server.writer_thread import LoopHandoff, WriterThread

API = "/api/v1"
#: Only a guard against a hang if the behaviour under test is broken; nothing is timed.
WAIT_S = 30.0
#: The table an INSERT, UPDATE or DELETE writes.
_WRITE = re.compile(r"\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+(\w+)", re.IGNORECASE)


def test_a_write_runs_on_the_writer_thread_while_the_loop_keeps_answering(backend: Backend) -> None:
    server = backend.server.backend
    assert server is not None
    agent = backend.login("demo")
    entered, release = threading.Event(), threading.Event()
    threads: list[str] = []

    def hold_presence_update(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE AGENTS"):
            threads.append(threading.current_thread().name)
            entered.set()
            release.wait(WAIT_S)

    event.listen(server.engine, "before_cursor_execute", hold_presence_update)
    try:
        with ThreadPoolExecutor(1) as pool:
            put = pool.submit(
                backend.http.put, f"{API}/me/presence", json={"presence": "available"}, headers=agent
            )
            assert entered.wait(WAIT_S), "the presence change never reached the database"
            # The write is stopped inside its transaction; the loop still serves requests.
            health = backend.http.get(f"{API}/health")
            assert health.status_code == 200
            assert backend.http.get(f"{API}/wrapup-codes", headers=agent).status_code == 200
            assert not put.done()
            release.set()
            response = put.result(WAIT_S)
    finally:
        release.set()
        event.remove(server.engine, "before_cursor_execute", hold_presence_update)
    assert response.status_code == 200, response.text
    assert response.json()["presence"] == "available"
    assert threads and all(name.startswith("backend-writer") for name in threads), threads


def test_a_customers_message_waits_its_turn_on_the_writer_thread_while_the_loop_keeps_answering(
    backend: Backend,
) -> None:
    server = backend.server.backend
    assert server is not None
    agent, chat, conv = backend.accepted_chat()
    entered, release = threading.Event(), threading.Event()
    message_threads: list[str] = []

    def hold_agent_update(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        head = statement.lstrip().upper()
        if head.startswith("UPDATE AGENTS"):
            entered.set()
            release.wait(WAIT_S)
        elif head.startswith("INSERT INTO MESSAGES"):
            message_threads.append(threading.current_thread().name)

    event.listen(server.engine, "before_cursor_execute", hold_agent_update)
    try:
        with ThreadPoolExecutor(2) as pool:
            put = pool.submit(
                backend.http.put, f"{API}/me/presence", json={"presence": "away"}, headers=agent
            )
            assert entered.wait(WAIT_S), "the presence change never reached the database"
            said = pool.submit(backend.customer_says, chat, "Hallo?")
            # The loop still answers, reads included, while a write holds the writer thread...
            assert backend.http.get(f"{API}/health").status_code == 200
            transcript = backend.http.get(
                f"{API}/customer/chats/{conv}/messages",
                headers={"Authorization": f"Bearer {chat['customer_token']}"},
            )
            assert transcript.status_code == 200, transcript.text
            assert backend.http.get(f"{API}/conversations/{conv}", headers=agent).status_code == 200
            # ...and the customer's message waits behind that write: nothing stored yet.
            assert not said.done()
            assert message_threads == []
            release.set()
            assert put.result(WAIT_S).status_code == 200
            said.result(WAIT_S)
    finally:
        release.set()
        event.remove(server.engine, "before_cursor_execute", hold_agent_update)
    assert message_threads and all(name.startswith("backend-writer") for name in message_threads)
    texts = [
        m["text"] for m in backend.http.get(f"{API}/conversations/{conv}", headers=agent).json()["messages"]
    ]
    assert texts[-1] == "Hallo?"


def test_the_customer_side_and_the_team_leads_write_on_the_writer_thread(backend: Backend) -> None:
    server = backend.server.backend
    assert server is not None
    lead = backend.login("lead")
    tables = ("messages", "conversations", "routing_tasks", "agent_routing")
    writes: list[tuple[str, str]] = []

    def spy(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        written = _WRITE.match(statement)
        if written and written[1] in tables:
            writes.append((written[1], threading.current_thread().name))

    event.listen(server.engine, "before_cursor_execute", spy)
    try:
        routing = backend.http.put(
            f"{API}/routing/agents/a-demo",
            json={"attributes": {"level": 2}, "capacity": {"chat": 2}},
            headers=lead,
        )
        assert routing.status_code == 200, routing.text
        assert routing.json()["capacity"] == {"chat": 2}  # the answer reads what the write stored
        chat = backend.start_chat("c-1", "Guten Tag")
        backend.customer_says(chat, "Ist jemand da?")
        left = backend.http.post(
            f"{API}/customer/chats/{chat['conversation']['id']}/leave",
            headers={"Authorization": f"Bearer {chat['customer_token']}"},
        )
        assert left.status_code == 200, left.text
        assert left.json()["state"] == "closed"
    finally:
        event.remove(server.engine, "before_cursor_execute", spy)
    assert {table for table, _thread in writes} >= set(tables)
    assert all(thread.startswith("backend-writer") for _table, thread in writes), writes


def test_an_agents_reads_run_off_the_loop(backend: Backend) -> None:
    server = backend.server.backend
    assert server is not None
    agent, _chat, _conv = backend.accepted_chat()
    entered, release = threading.Event(), threading.Event()

    def hold_offer_list(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # The query of GET /offers alone (the router's passes order offers otherwise).
        if "FROM offers" in statement and "ORDER BY offers.offered_at" in statement:
            entered.set()
            release.wait(WAIT_S)

    event.listen(server.engine, "before_cursor_execute", hold_offer_list)
    try:
        with ThreadPoolExecutor(1) as pool:
            offers = pool.submit(backend.http.get, f"{API}/offers", headers=agent)
            assert entered.wait(WAIT_S), "GET /offers never reached the database"
            # Held inside its query; other reads and the loop go on.
            assert backend.http.get(f"{API}/health").status_code == 200
            assert backend.http.get(f"{API}/wrapup-codes", headers=agent).status_code == 200
            assert not offers.done()
            release.set()
            response = offers.result(WAIT_S)
    finally:
        release.set()
        event.remove(server.engine, "before_cursor_execute", hold_offer_list)
    assert response.status_code == 200, response.text
    assert response.json() == []  # the one offer was accepted


def test_frames_of_writes_on_the_writer_thread_and_on_the_loop_arrive_in_seq_order(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = backend.server.backend
    assert server is not None
    with Session(server.engine) as db:
        start = db.scalar(select(EventLogRow.seq).order_by(EventLogRow.seq.desc()).limit(1)) or 0
    pushed: list[int] = []
    publish = server.hub.publish

    def spy(batch: list[tuple[str, EventFrame]]) -> None:
        pushed.extend(frame.seq for _audience, frame in batch)
        publish(batch)

    monkeypatch.setattr(server.hub, "publish", spy)
    agent, chat, conv = backend.accepted_chat()

    def agent_writes(n: int) -> None:  # on the writer thread
        for i in range(n):
            presence = "away" if i % 2 else "available"
            r = backend.http.put(f"{API}/me/presence", json={"presence": presence}, headers=agent)
            assert r.status_code == 200, r.text
            r = backend.http.post(
                f"{API}/conversations/{conv}/messages", json={"text": f"a{i}"}, headers=agent
            )
            assert r.status_code == 200, r.text

    def customer_writes(n: int) -> None:  # customer chat: on the writer thread as well
        for i in range(n):
            backend.customer_says(chat, f"c{i}")

    with ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(agent_writes, 15), pool.submit(customer_writes, 15)]:
            done.result(WAIT_S)
    with Session(server.engine) as db:
        logged = list(
            db.scalars(select(EventLogRow.seq).where(EventLogRow.seq > start).order_by(EventLogRow.seq))
        )
    backend.wait_for(lambda: pushed and pushed[-1] >= logged[-1])
    # Every logged event was pushed once, and never a higher seq before a lower one.
    assert [seq for seq in pushed if seq > start] == logged


def test_listeners_of_a_write_run_on_the_event_loop(backend: Backend) -> None:
    server = backend.server.backend
    assert server is not None
    agent, _chat, conv = backend.accepted_chat()
    heard: list[tuple[str, bool]] = []

    def listener(conversation_id: str, message: Message) -> None:
        try:
            asyncio.get_running_loop()
            on_loop = True
        except RuntimeError:
            on_loop = False
        heard.append((message.text, on_loop))

    server.agent_message_listeners.append(listener)
    response = backend.http.post(
        f"{API}/conversations/{conv}/messages", json={"text": "Moment"}, headers=agent
    )
    assert response.status_code == 200, response.text
    # Handed to the loop before the answer was sent: a listener may start tasks there.
    assert heard == [("Moment", True)]


def test_a_cancelled_caller_waits_for_its_started_write_and_a_queued_one_never_runs() -> None:
    handoff = LoopHandoff()
    writer = WriterThread(threading.RLock(), handoff)
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def first() -> None:
        started.set()
        release.wait(WAIT_S)
        ran.append("first")

    async def scenario() -> None:
        one = asyncio.create_task(writer.run(first))
        two = asyncio.create_task(writer.run(lambda: ran.append("second")))
        await asyncio.to_thread(started.wait, WAIT_S)
        one.cancel()
        two.cancel()  # still queued behind the first: it is dropped
        for _ in range(5):  # the cancellations are delivered
            await asyncio.sleep(0)
        assert two.done()
        assert not one.done()  # the cancelled caller waits for the write under way
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await one
        assert ran == ["first"]  # over when its caller ended
        with pytest.raises(asyncio.CancelledError):
            await two
        await writer.run(lambda: ran.append("third"))
        assert ran == ["first", "third"]  # the second never ran

    try:
        asyncio.run(scenario())
    finally:
        release.set()
        writer.close()


def _spy_writes(server: Any, tables: tuple[str, ...]) -> tuple[list[tuple[str, str]], Any]:
    """Records (table, thread name) of each INSERT, UPDATE or DELETE of `tables`; returns the list
    and the listener (to remove)."""
    writes: list[tuple[str, str]] = []

    def spy(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        written = _WRITE.match(statement)
        if written and written[1] in tables:
            writes.append((written[1], threading.current_thread().name))

    event.listen(server.engine, "before_cursor_execute", spy)
    return writes, spy


def test_logout_writes_on_the_writer_thread_and_still_closes_the_stream(backend: Backend) -> None:
    from websockets.exceptions import ConnectionClosed

    from tests.server.test_stream import _stream

    server = backend.server.backend
    assert server is not None
    headers = backend.login("demo")
    token = headers["Authorization"].removeprefix("Bearer ")
    writes, spy = _spy_writes(server, ("tokens",))
    try:
        with _stream(backend, headers) as ws:
            backend.wait_for(lambda: server.streams.count(token) == 1)
            assert backend.http.post(f"{API}/auth/logout", headers=headers).status_code == 200
            with pytest.raises(ConnectionClosed) as closed:
                while True:  # frames pushed before the revocation, then the close
                    ws.recv(timeout=WAIT_S)
    finally:
        event.remove(server.engine, "before_cursor_execute", spy)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    assert backend.http.get(f"{API}/me", headers=headers).status_code == 401
    assert writes == [("tokens", writes[0][1])] and writes[0][1].startswith("backend-writer"), writes


def test_the_routing_reads_run_off_the_loop(backend: Backend) -> None:
    server = backend.server.backend
    assert server is not None
    lead = backend.login("lead")
    entered, release = threading.Event(), threading.Event()
    threads: list[str] = []

    def hold_agent_routing(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # GET /routing/agents's query on a reader thread (anyio's), the first time: the router's
        # passes read agent_routing on the writer thread, the queue monitor on the loop, and
        # GET /routing/waiting on the other reader thread.
        name = threading.current_thread().name
        if "FROM agent_routing" in statement and name.startswith("AnyIO worker") and not threads:
            threads.append(name)
            entered.set()
            release.wait(WAIT_S)

    event.listen(server.engine, "before_cursor_execute", hold_agent_routing)
    try:
        with ThreadPoolExecutor(1) as pool:
            agents = pool.submit(backend.http.get, f"{API}/routing/agents", headers=lead)
            assert entered.wait(WAIT_S), "GET /routing/agents never read on a reader thread"
            # Held inside its query; the loop and the other routing reads go on.
            assert backend.http.get(f"{API}/health").status_code == 200
            for path in ("/routing/config", "/routing/waiting"):
                assert backend.http.get(API + path, headers=lead).status_code == 200, path
            assert not agents.done()
            release.set()
            response = agents.result(WAIT_S)
    finally:
        release.set()
        event.remove(server.engine, "before_cursor_execute", hold_agent_routing)
    assert response.status_code == 200, response.text
    assert "demo" in [a["username"] for a in response.json()]
    missing = backend.http.get(f"{API}/routing/tasks/nope", headers=lead)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_cobrowse_transitions_write_on_the_writer_thread(backend: Backend) -> None:
    from tests.server.test_cobrowse import _accepted_chat, _customer, _recv, _status, customer_page

    server = backend.server.backend
    assert server is not None
    agent = backend.login("demo")
    chat, conv_id = _accepted_chat(backend, agent)
    writes, spy = _spy_writes(server, ("cobrowse_sessions", "messages"))
    try:
        with customer_page(backend, chat) as page:
            _recv(page, "hello")
            backend.wait_for(lambda: _status(backend, agent, conv_id)["available"])
            invited = backend.http.post(f"{API}/conversations/{conv_id}/cobrowse", headers=agent)
            assert invited.status_code == 201, invited.text
            session_id = invited.json()["id"]
            assert _customer(backend, chat, session_id, "accept").status_code == 200
            ended = backend.http.post(
                f"{API}/conversations/{conv_id}/cobrowse/{session_id}/end", headers=agent
            )
            assert ended.status_code == 200, ended.text
    finally:
        event.remove(server.engine, "before_cursor_execute", spy)
    assert {table for table, _thread in writes} == {"cobrowse_sessions", "messages"}
    assert all(thread.startswith("backend-writer") for _table, thread in writes), writes


def test_a_calls_writes_run_on_the_writer_thread(tmp_path: Any) -> None:
    from tests.helpers.backend import seed, start_server
    from workstation.server.voice_config import VoiceConfig

    server = start_server(tmp_path / "backend", voice=VoiceConfig(key="k"))
    seed(server)
    helper = Backend(server)
    inner = server.backend
    assert inner is not None
    proxy = {"X-Voice-Key": "k"}
    writes, spy = _spy_writes(inner, ("conversations", "routing_tasks", "offers", "task_outcomes"))
    try:
        demo = helper.login("demo")
        assert helper.http.post(f"{API}/voice/registered", params={"user": "demo"}, headers=proxy).is_success
        assert helper.http.put(f"{API}/me/presence", json={"presence": "available"}, headers=demo).is_success
        params = {"call_id": "call-1@test", "ani": "+4917099999", "dnis": "1000"}
        routed = helper.http.post(f"{API}/voice/route", params=params, headers=proxy)
        assert (routed.status_code, routed.text) == (200, "demo")
        hung_up = helper.http.post(
            f"{API}/voice/event", params={"call_id": "call-1@test", "event": "cancel"}, headers=proxy
        )
        assert hung_up.text == "abandoned"
    finally:
        event.remove(inner.engine, "before_cursor_execute", spy)
        helper.http.close()
        server.stop()
    assert {table for table, _thread in writes} == {
        "conversations",
        "routing_tasks",
        "offers",
        "task_outcomes",
    }
    assert all(thread.startswith("backend-writer") for _table, thread in writes), writes


def test_the_demo_customers_chats_and_answers_are_written_on_the_writer_thread(tmp_path: Any) -> None:
    from workstation.demo.simulator import SimulatorConfig
    from workstation.server.backend import BackendConfig
    from workstation.server.runner import ServerOptions, ServerThread

    server = ServerThread(
        ServerOptions(
            data_dir=tmp_path,
            backend=BackendConfig(router_tick_s=0.05),
            simulator=SimulatorConfig(
                customers=4, chat_interval_s=0.05, max_open_chats=1, reply_delay_s=(0.05, 0.1), seed=3
            ),
        )
    )
    server.start()
    helper = Backend(server)
    inner = server.backend
    assert inner is not None
    writes, spy = _spy_writes(inner, ("conversations", "messages"))
    try:
        demo = helper.login("demo")
        helper.http.put(f"{API}/me/presence", json={"presence": "available"}, headers=demo)
        offer = helper.wait_for(lambda: helper.offers(demo))[0]
        conv = helper.http.post(f"{API}/offers/{offer['id']}/accept", headers=demo).json()
        helper.http.post(f"{API}/conversations/{conv['id']}/messages", json={"text": "Gerne!"}, headers=demo)

        def customer_answered() -> bool:
            messages = helper.http.get(f"{API}/conversations/{conv['id']}", headers=demo).json()["messages"]
            return [m["sender"] for m in messages][-1] == "customer" and len(messages) >= 3

        helper.wait_for(customer_answered)
        # A chat opened from the demo shop's page (the shop's own route, not the backend's API).
        assert helper.http.post("/shop/api/signin", json={"customer_id": "c-1001"}).status_code == 200
        opened = helper.http.post("/shop/api/chat", json={"text": "Hallo aus dem Shop"})
        assert opened.status_code == 201, opened.text
    finally:
        event.remove(inner.engine, "before_cursor_execute", spy)
        helper.http.close()
        server.stop()
    assert {table for table, _thread in writes} == {"conversations", "messages"}
    assert all(thread.startswith("backend-writer") for _table, thread in writes), writes


def test_a_simulated_days_writes_run_on_the_writer_thread(tmp_path: Any) -> None:
    from workstation.demo.day_simulator import DayConfig
    from workstation.demo.simulator import SimulatorConfig
    from workstation.server.backend import BackendConfig
    from workstation.server.runner import ServerOptions, ServerThread

    day = DayConfig(
        agents=3,
        day_length_s=60,
        peak_chats_per_min=600,
        customers=20,
        seed=3,
        tick_s=0.05,
        handle_median_s=2,
    )
    server = ServerThread(
        ServerOptions(
            data_dir=tmp_path,
            backend=BackendConfig(router_tick_s=0.05),
            simulator=SimulatorConfig(customers=20, chat_interval_s=0, seed=3),
            day=day,
        )
    )
    server.start()
    inner = server.backend
    assert inner is not None
    tables = ("conversations", "messages", "agents")
    writes, spy = _spy_writes(inner, tables)
    try:
        # Chats arriving, agents' presence set by their shifts, offers accepted and answered.
        helper = Backend(server)
        try:
            helper.wait_for(lambda: {t for t, _thread in writes} == set(tables), timeout=WAIT_S)
        finally:
            helper.http.close()
    finally:
        event.remove(inner.engine, "before_cursor_execute", spy)
        server.stop()
    assert all(thread.startswith("backend-writer") for _table, thread in writes), writes
