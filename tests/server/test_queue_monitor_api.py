"""Queue statistics and team-lead actions in the real backend, over real HTTP and WebSocket."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect

from tests.helpers.backend import Backend, serving
from workstation.domain.queue_monitor import MonitorDelta, MonitorSnapshot, apply_delta
from workstation.server.backend import BackendConfig
from workstation.server.runner import ServerOptions, ServerThread

API = "/api/v1"


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Backend]:
    server = ServerThread(
        ServerOptions(
            data_dir=tmp_path / "backend",
            simulator=None,
            backend=BackendConfig(router_tick_s=0.05, stats_interval_s=0.2, stats_window_s=600),
        )
    )
    server.start()
    with serving(server) as helper:
        yield helper


def _snapshot(backend: Backend, lead: dict[str, str]) -> dict[str, Any]:
    response = backend.http.get(f"{API}/monitor/snapshot", headers=lead)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _queue(snapshot: dict[str, Any], queue_id: str) -> dict[str, Any]:
    (queue,) = [q for q in snapshot["queues"] if q["queue_id"] == queue_id]
    return dict(queue)


def _available(backend: Backend, username: str) -> dict[str, str]:
    headers = backend.login(username)
    response = backend.http.put(f"{API}/me/presence", json={"presence": "available"}, headers=headers)
    assert response.status_code == 200
    return headers


def test_statistics_follow_waiting_answered_and_abandoned_chats(backend: Backend) -> None:
    lead = backend.login("lead")
    first = _snapshot(backend, lead)
    assert [q["queue_id"] for q in first["queues"]] == ["senior", "german", "english", "everyone"]
    assert _queue(first, "german")["waiting"] == 0
    assert {a["username"] for a in first["agents"]} == {"demo", "anna", "ben"}
    assert all(a["state"] == "offline" for a in first["agents"])

    # Nobody is available: a German chat waits in the German queue.
    chat = backend.start_chat("c-3", "Hallo")
    waiting = backend.wait_for(lambda: _queue(_snapshot(backend, lead), "german")["waiting"] == 1)
    assert waiting
    snap = _snapshot(backend, lead)
    (task,) = snap["waiting"]
    assert task["conversation_id"] == chat["conversation"]["id"]
    assert task["queue_id"] == "german" and task["customer"] == "Lukas Schäfer"

    # The customer gives up before anyone answers: abandoned, and out of the waiting count.
    response = backend.http.post(
        f"{API}/customer/chats/{chat['conversation']['id']}/leave",
        headers={"Authorization": f"Bearer {chat['customer_token']}"},
    )
    assert response.status_code == 200 and response.json()["state"] == "closed"
    german = backend.wait_for(
        lambda: (q := _queue(_snapshot(backend, lead), "german"))["abandoned"] == 1 and q
    )
    assert german["waiting"] == 0 and german["answered"] == 0
    # Left within the 20 s threshold: it does not count against the service level.
    assert german["service_level"] is None

    # Anna is available and answers the next German chat at once: 100 % in threshold.
    anna = _available(backend, "anna")
    backend.start_chat("c-3", "Hallo, noch einmal")
    (offer,) = backend.wait_for(lambda: backend.offers(anna))
    assert backend.http.post(f"{API}/offers/{offer['id']}/accept", headers=anna).status_code == 200
    german = backend.wait_for(
        lambda: (q := _queue(_snapshot(backend, lead), "german"))["answered"] == 1 and q
    )
    assert german["service_level"] == 1.0 and german["answered_in_threshold"] == 1
    assert german["avg_wait_s"] is not None and german["avg_wait_s"] < 20
    assert german["agents_busy"] == 1 and german["agents_available"] == 0
    (row,) = [a for a in _snapshot(backend, lead)["agents"] if a["username"] == "anna"]
    assert row["state"] == "busy" and row["conversations"] == 1 and row["capacity"] == 3
    assert "german" in row["queues"] and "english" not in row["queues"]

    # The whole centre: one answered, one short abandon.
    total = _snapshot(backend, lead)["total"]
    assert (total["answered"], total["abandoned"], total["service_level"]) == (1, 1, 1.0)


def test_agents_cannot_see_the_monitor_or_use_team_lead_actions(backend: Backend) -> None:
    demo = _available(backend, "demo")
    lead = backend.login("lead")
    chat = backend.start_chat("c-1", "Hallo")
    conversation_id = chat["conversation"]["id"]
    calls = [
        ("GET", f"{API}/monitor/snapshot", None),
        ("GET", f"{API}/monitor/history", None),
        ("PUT", f"{API}/monitor/agents/a-anna/presence", {"presence": "away"}),
        ("POST", f"{API}/monitor/tasks/{conversation_id}/move", {"queue": "english"}),
    ]
    for method, url, body in calls:
        response = backend.http.request(method, url, json=body, headers=demo)
        assert response.status_code == 403, (url, response.text)
        assert response.json()["error"]["code"] == "forbidden"
    # Nothing happened: Anna is still offline, the task still in its workflow.
    (anna,) = [a for a in _snapshot(backend, lead)["agents"] if a["username"] == "anna"]
    assert anna["state"] == "offline"
    assert not any(t["moved"] for t in _snapshot(backend, lead)["waiting"])
    # No token at all: 401.
    assert backend.http.get(f"{API}/monitor/snapshot").status_code == 401
    # The push stream refuses agents with an application close code.
    token = demo["Authorization"].split()[1]
    ws_url = backend.url.replace("http", "ws") + f"{API}/monitor/stream"
    with connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        with pytest.raises(Exception) as closed:
            ws.recv(timeout=5)
        assert ws.close_code == 4403, closed.value


def test_a_team_lead_forces_an_agent_away_and_the_agent_is_told(backend: Backend) -> None:
    anna = _available(backend, "anna")
    lead = backend.login("lead")
    response = backend.http.put(
        f"{API}/monitor/agents/a-anna/presence", json={"presence": "away"}, headers=lead
    )
    assert response.status_code == 200, response.text
    assert response.json()["presence"] == "away"
    assert backend.http.get(f"{API}/me", headers=anna).json()["presence"] == "away"
    (row,) = [a for a in _snapshot(backend, lead)["agents"] if a["username"] == "anna"]
    assert row["state"] == "away" and row["reason"] == "team_lead:lead"
    # Only agents can be forced; unknown ones are 404; a malformed state is 400.
    assert (
        backend.http.put(f"{API}/monitor/agents/a-lead/presence", json={"presence": "away"}, headers=lead)
    ).status_code == 404
    bad = backend.http.put(f"{API}/monitor/agents/a-anna/presence", json={"presence": "lunch"}, headers=lead)
    assert bad.status_code == 400


def test_a_team_lead_moves_a_waiting_task_to_another_queue(backend: Backend) -> None:
    # A German chat; only Ben (English only) is available, so it waits in the German queue.
    ben = _available(backend, "ben")
    lead = backend.login("lead")
    chat = backend.start_chat("c-3", "Hallo")
    conversation_id = chat["conversation"]["id"]
    backend.wait_for(lambda: _queue(_snapshot(backend, lead), "german")["waiting"] == 1)
    assert backend.offers(ben) == []

    response = backend.http.post(
        f"{API}/monitor/tasks/{conversation_id}/move", json={"queue": "english"}, headers=lead
    )
    assert response.status_code == 200, response.text
    assert response.json()["queue"] == "English"
    assert response.json()["filter"] == "moved by a team lead"
    (offer,) = backend.wait_for(lambda: backend.offers(ben))
    assert offer["conversation_id"] == conversation_id
    assert offer["routing"]["summary"] == "moved by a team lead → English, step 1 of 1"
    assert backend.http.post(f"{API}/offers/{offer['id']}/accept", headers=ben).status_code == 200
    english = backend.wait_for(lambda: (q := _queue(_snapshot(backend, lead), "english"))["answered"] and q)
    assert english["answered"] == 1

    # Unknown queue: 422; a task no longer waiting: 409; nothing changes.
    unknown = backend.http.post(
        f"{API}/monitor/tasks/{conversation_id}/move", json={"queue": "x"}, headers=lead
    )
    assert unknown.status_code == 422
    done = backend.http.post(
        f"{API}/monitor/tasks/{conversation_id}/move", json={"queue": "german"}, headers=lead
    )
    assert done.status_code == 409


def test_the_stream_sends_a_snapshot_then_deltas_that_rebuild_it(backend: Backend) -> None:
    lead = backend.login("lead")
    token = lead["Authorization"].split()[1]
    ws_url = backend.url.replace("http", "ws") + f"{API}/monitor/stream"
    with connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        state = MonitorSnapshot.model_validate_json(ws.recv(timeout=5))
        backend.start_chat("c-2", "Hello, where is my parcel?")
        kinds = set()
        for _ in range(50):
            frame = json.loads(ws.recv(timeout=5))
            kinds.add(frame["kind"])
            if frame["kind"] == "delta":
                state = apply_delta(state, MonitorDelta.model_validate(frame))
            if state.total.waiting == 1:
                break
        assert state.total.waiting == 1
        assert "delta" in kinds
        # What the deltas rebuilt is what the REST snapshot says (the queue's wait has grown since).
        rest = MonitorSnapshot.model_validate(_snapshot(backend, lead))
        assert [t.conversation_id for t in state.waiting] == [t.conversation_id for t in rest.waiting]
        assert [(q.queue_id, q.waiting) for q in state.queues] == [
            (q.queue_id, q.waiting) for q in rest.queues
        ]
        assert state.agents == rest.agents
        # With nothing changing but the clock, ticks or deltas keep arriving at least once a second.
        frame = json.loads(ws.recv(timeout=3))
        assert frame["kind"] in ("tick", "delta")


def test_history_returns_samples_per_queue(backend: Backend) -> None:
    lead = backend.login("lead")
    monitor = backend.server.call(lambda: _app_monitor(backend))

    async def sample() -> None:
        await monitor._sample(await monitor.current())

    assert backend.server._loop is not None
    asyncio.run_coroutine_threadsafe(sample(), backend.server._loop).result(10)
    response = backend.http.get(f"{API}/monitor/history", params={"minutes": 5}, headers=lead)
    assert response.status_code == 200
    history = response.json()
    assert len(history["times"]) >= 1
    assert set(history["queues"]) == {"senior", "german", "english", "everyone", "*"}
    assert len(history["queues"]["german"]["waiting"]) == len(history["times"])
    assert set(history["states"]) == {"available", "busy", "away", "offline"}
    assert history["states"]["offline"][-1] == 3
    assert backend.http.get(f"{API}/monitor/history", params={"minutes": 0}, headers=lead).status_code == 400


def _app_monitor(backend: Backend) -> Any:
    # The ASGI app keeps its monitor in app.state; the server thread holds the app via uvicorn.
    server = backend.server._server
    assert server is not None
    return server.config.app.state.monitor


def test_requests_are_served_while_a_statistics_pass_reads(backend: Backend) -> None:
    # The pass's reads are held inside the database read until the end of the test: meanwhile
    # other requests of the process are answered (its reads run on a reader thread, not the loop).
    lead = backend.login("lead")
    monitor = backend.server.call(lambda: _app_monitor(backend))
    reading, release, done = threading.Event(), threading.Event(), threading.Event()
    compute = monitor.compute

    def held_compute(*args: Any, **kwargs: Any) -> Any:
        reading.set()
        release.wait(30)
        try:
            return compute(*args, **kwargs)
        finally:
            done.set()

    monitor.compute = held_compute
    answer: list[int] = []
    # A snapshot computed on demand (nobody watches: a stale one is recomputed, with the held read).
    waiter = threading.Thread(
        target=lambda: answer.append(backend.http.get(f"{API}/monitor/snapshot", headers=lead).status_code)
    )
    waiter.start()
    try:
        assert reading.wait(10), "no statistics pass started"
        health = backend.http.get(f"{API}/health", timeout=5)
        assert health.status_code == 200
        assert backend.http.get(f"{API}/offers", headers=backend.login("anna"), timeout=5).status_code == 200
        assert not done.is_set()  # the pass is still held
    finally:
        release.set()
        waiter.join(15)
        monitor.compute = compute
    assert answer == [200]


def test_statistics_pass_only_while_a_team_lead_watches(backend: Backend) -> None:
    lead = backend.login("lead")
    monitor = backend.server.call(lambda: _app_monitor(backend))
    _snapshot(backend, lead)
    passes: list[int] = []
    compute = monitor.compute

    def counted(*args: Any, **kwargs: Any) -> Any:
        passes.append(1)
        return compute(*args, **kwargs)

    monitor.compute = counted
    try:
        # Nobody watches (the test's fixture stores no sample for minutes: none is due): a pass
        # would be counted at the next interval. Two requests the loop answers after an interval's
        # sleep prove the loop went round without one.
        backend.server.call(lambda: setattr(monitor, "_last_sample", 1e18))
        ticks = backend.server.call(lambda: _ticks_after(monitor, 3))
        assert ticks.result(10) and passes == []
        # A team lead's stream: passes every interval again (ticks or deltas arrive).
        token = lead["Authorization"].split()[1]
        url = backend.url.replace("http", "ws", 1) + f"{API}/monitor/stream?token={token}"
        with connect(url) as ws:
            assert json.loads(ws.recv(timeout=5))["kind"] == "snapshot"
            frame = json.loads(ws.recv(timeout=5))
            assert frame["kind"] in ("tick", "delta")
        assert passes
    finally:
        monitor.compute = compute


def _ticks_after(monitor: Any, intervals: int) -> Any:
    """A future done once the loop slept `intervals` of the monitor's intervals (from the loop)."""

    async def wait() -> bool:
        await asyncio.sleep(monitor.config.interval_s * intervals)
        return True

    return asyncio.run_coroutine_threadsafe(wait(), asyncio.get_running_loop())
