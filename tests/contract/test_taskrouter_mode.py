"""TaskRouter as the desk's external router, end to end: our running backend hands its waiting chats
to a stand-in built from TaskRouter's own OpenAPI document (every request and answer validated),
the stand-in's reservations become desk offers with the task attributes as the "why", and the
agents' answers and presence go back as reservation updates and worker activities."""

from __future__ import annotations

import copy
import json
import re
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from sqlalchemy import event

from tests.contract.spec_standin import Answer, Exchange, SpecStandIn
from tests.helpers.backend import CUSTOMERS, Backend
from workstation.server.backend import BackendConfig
from workstation.server.connectors.config import ConnectorConfig
from workstation.server.runner import DB_FILE, ServerOptions, ServerThread

pytestmark = pytest.mark.contract

WS = "WS" + "a" * 32
WK = "WK" + "b" * 32
WW = "WW" + "c" * 32
AC = "AC" + "f" * 32
TASKS = "/v1/Workspaces/{WorkspaceSid}/Tasks"
TASK = "/v1/Workspaces/{WorkspaceSid}/Tasks/{Sid}"
RESERVATIONS = "/v1/Workspaces/{WorkspaceSid}/Workers/{WorkerSid}/Reservations"
RESERVATION = "/v1/Workspaces/{WorkspaceSid}/Tasks/{TaskSid}/Reservations/{Sid}"
WORKER = "/v1/Workspaces/{WorkspaceSid}/Workers/{Sid}"
ACTIVITIES = "/v1/Workspaces/{WorkspaceSid}/Activities"
ACTIVITY_SIDS = {"Available": "WA" + "1" * 32, "Unavailable": "WA" + "2" * 32, "Offline": "WA" + "3" * 32}


def _form(exchange: Exchange) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(exchange.body if isinstance(exchange.body, str) else "").items()}


class Workspace:
    """A TaskRouter workspace served through the stand-in; the test plays its workflow (reserve)."""

    def __init__(self, standin: SpecStandIn) -> None:
        self.tasks: dict[str, dict[str, Any]] = {}
        self.reservations: dict[str, dict[str, Any]] = {}
        self.activity: dict[str, str] = {}
        self.examples = standin.examples
        standin.respond("POST", TASKS, self._create)
        standin.respond("GET", TASKS, self._list)
        standin.respond("GET", TASK, self._task)
        standin.respond("GET", RESERVATIONS, self._pending)
        standin.respond("POST", RESERVATION, self._update)
        standin.respond("GET", RESERVATION, self._reservation)
        standin.respond("GET", ACTIVITIES, self._activities)
        standin.respond("POST", WORKER, self._worker)

    def task_for(self, conversation_id: str) -> str | None:
        return next(
            (
                sid
                for sid, t in self.tasks.items()
                if json.loads(t["attributes"]).get("desk_conversation") == conversation_id
            ),
            None,
        )

    def reserve(self, task_sid: str, worker: str = WK) -> str:
        sid = f"WR{len(self.reservations) + 1:032x}"
        self.reservations[sid] = {"task_sid": task_sid, "worker_sid": worker, "reservation_status": "pending"}
        return sid

    def _create(self, body: Any, request: Exchange) -> Any:
        form = _form(request)
        sid = f"WT{len(self.tasks) + 1:032x}"
        self.tasks[sid] = {"sid": sid, "attributes": form["Attributes"], "task_queue_friendly_name": "Sales"}
        return {**body, **self.tasks[sid]}

    def _list(self, body: Any, request: Exchange) -> Any:
        wanted = re.fullmatch(
            r'desk_conversation == "([^"]+)"', request.query.get("EvaluateTaskAttributes", "")
        )
        template = self.examples.response("POST", TASKS)[1]
        sid = self.task_for(wanted.group(1)) if wanted else None
        body["tasks"] = [{**copy.deepcopy(template), **self.tasks[sid]}] if sid else []
        return body

    def _task(self, body: Any, request: Exchange) -> Any:
        return {**body, **self.tasks[request.path.rsplit("/", 1)[1]]}

    def _pending(self, body: Any, request: Exchange) -> Any:
        worker = request.path.split("/")[-2]
        template = body["reservations"][0]
        body["reservations"] = [
            {**copy.deepcopy(template), "sid": sid, **r}
            for sid, r in self.reservations.items()
            if r["worker_sid"] == worker and r["reservation_status"] == "pending"
        ]
        return body

    def _update(self, body: Any, request: Exchange) -> Any:
        sid = request.path.rsplit("/", 1)[1]
        self.reservations[sid]["reservation_status"] = _form(request)["ReservationStatus"]
        return {**body, "sid": sid, **self.reservations[sid]}

    def _reservation(self, body: Any, request: Exchange) -> Any:
        sid = request.path.rsplit("/", 1)[1]
        return {**body, "sid": sid, **self.reservations[sid]}

    def _activities(self, body: Any, request: Exchange) -> Any:
        template = body["activities"][0]
        body["activities"] = [
            {**copy.deepcopy(template), "sid": sid, "friendly_name": name, "available": name == "Available"}
            for name, sid in ACTIVITY_SIDS.items()
        ]
        return body

    def _worker(self, body: Any, request: Exchange) -> Any:
        sid = request.path.rsplit("/", 1)[1]
        self.activity[sid] = _form(request)["ActivitySid"]
        return {**body, "sid": sid, "activity_sid": self.activity[sid]}


@pytest.fixture(scope="module")
def standin() -> Iterator[SpecStandIn]:
    server = SpecStandIn("twilio_taskrouter_v1.json").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def workspace(standin: SpecStandIn) -> Iterator[Workspace]:
    standin.exchanges.clear()
    standin.violations.clear()
    yield Workspace(standin)
    assert standin.violations == [], "requests or answers broke TaskRouter's spec"


class Desk:
    """Our backend in external-router mode, restartable on the same data directory."""

    def __init__(self, data_dir: Path, url: str) -> None:
        self.data_dir, self.url = data_dir, url
        self.server: ServerThread | None = None
        self.api: Backend | None = None

    def start(self) -> Backend:
        config = ConnectorConfig(
            name="tr",
            type="taskrouter",
            url=self.url,
            poll_interval_s=0.1,
            password_env="TR_TEST_TOKEN",
            options={"workspace_sid": WS, "account_sid": AC, "workflow_sid": WW, "workers": {"demo": WK}},
        )
        self.server = ServerThread(
            ServerOptions(
                data_dir=self.data_dir,
                backend=BackendConfig(router_tick_s=0.05, offer_timeout_s=2.0, away_after_missed_offer=False),
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

    def status(self) -> dict[str, Any]:
        assert self.api is not None
        (row,) = self.api.http.get("/api/v1/channels", headers=self.api.login("lead")).json()
        return dict(row)


@pytest.fixture
def desks(
    tmp_path: Path, standin: SpecStandIn, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Desk]:
    # After `workspace`: the desk must never see the workspace of an earlier test.
    monkeypatch.setenv("TR_TEST_TOKEN", "tr-token-under-test")
    desk = Desk(tmp_path, standin.url)
    try:
        yield desk
    finally:
        desk.stop()


@pytest.fixture
def desk(desks: Desk) -> Backend:
    return desks.start()


def _chat(api: Backend, customer: str, text: str) -> str:
    assert api.server.backend is not None
    backend = api.server.backend
    api.server.call(lambda: [backend.upsert_customer(c) for c in CUSTOMERS if c.id == customer])
    return str(api.start_chat(customer_id=customer, text=text)["conversation"]["id"])


def test_taskrouter_decides_and_hears_every_answer_once(
    desk: Backend, workspace: Workspace, standin: SpecStandIn
) -> None:
    api = desk
    agent = api.login("demo")
    api.http.put("/api/v1/me/presence", json={"presence": "available"}, headers=agent)
    api.wait_for(lambda: workspace.activity.get(WK) == ACTIVITY_SIDS["Available"])

    first = _chat(api, "c-1", "Wo ist mein Paket?")
    task = api.wait_for(lambda: workspace.task_for(first))
    attributes = json.loads(workspace.tasks[task]["attributes"])
    assert attributes["desk_conversation"] == first and attributes["channel"] == "chat"
    assert api.offers(agent) == []  # our own router stays out of it: TaskRouter decides

    reservation = workspace.reserve(task)
    (offer,) = api.wait_for(lambda: api.offers(agent))
    assert offer["conversation_id"] == first
    assert offer["routing"]["queue"] == "Sales"
    assert "channel = chat" in offer["routing"]["facts"]
    assert api.http.post(f"/api/v1/offers/{offer['id']}/accept", headers=agent).status_code == 200
    api.wait_for(lambda: workspace.reservations[reservation]["reservation_status"] == "accepted")

    second = _chat(api, "c-2", "Rechnung falsch")
    declined = workspace.reserve(api.wait_for(lambda: workspace.task_for(second)))
    (offer,) = api.wait_for(lambda: api.offers(agent))
    api.http.post(f"/api/v1/offers/{offer['id']}/reject", headers=agent)
    api.wait_for(lambda: workspace.reservations[declined]["reservation_status"] == "rejected")

    missed = workspace.reserve(str(workspace.task_for(second)))
    api.wait_for(lambda: api.offers(agent))
    api.wait_for(lambda: workspace.reservations[missed]["reservation_status"] == "timeout", timeout=15)

    updates = [_form(c)["ReservationStatus"] for c in standin.calls("POST", RESERVATION)]
    assert sorted(updates) == ["accepted", "rejected", "timeout"]
    assert len(standin.calls("POST", TASKS)) == 2  # one task per chat, however many passes ran

    api.http.put("/api/v1/me/presence", json={"presence": "away"}, headers=agent)
    api.wait_for(lambda: workspace.activity.get(WK) == ACTIVITY_SIDS["Unavailable"])


def test_the_modes_writes_run_on_the_writer_thread(desk: Backend, workspace: Workspace) -> None:
    """A task's record, the offer a reservation becomes and the answer's record: written on the
    backend's writer thread (writer_thread.py), in order with the agent's accept, not on the loop."""
    api = desk
    assert api.server.backend is not None
    engine = api.server.backend.engine
    agent = api.login("demo")
    tables = ("taskrouter_tasks", "taskrouter_reservations", "offers", "offer_reasons")
    writes: list[tuple[str, str]] = []

    def spy(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        written = re.match(r"\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+(\w+)", statement, re.IGNORECASE)
        if written and written[1] in tables:
            writes.append((written[1], threading.current_thread().name))
            if statement.lstrip().upper().startswith("UPDATE TASKROUTER_RESERVATIONS"):
                answered.append(statement)

    answered: list[str] = []
    event.listen(engine, "before_cursor_execute", spy)
    try:
        api.http.put("/api/v1/me/presence", json={"presence": "available"}, headers=agent)
        conversation = _chat(api, "c-1", "Wo ist mein Paket?")
        reservation = workspace.reserve(api.wait_for(lambda: workspace.task_for(conversation)))
        (offer,) = api.wait_for(lambda: api.offers(agent))
        assert api.http.post(f"/api/v1/offers/{offer['id']}/accept", headers=agent).status_code == 200
        api.wait_for(lambda: workspace.reservations[reservation]["reservation_status"] == "accepted")
        # The answer's record (UPDATE taskrouter_reservations) follows the POST that answered.
        api.wait_for(lambda: answered)
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert {table for table, _thread in writes} == set(tables)
    assert all(thread.startswith("backend-writer") for _table, thread in writes), writes


def test_a_task_created_just_before_a_crash_is_found_not_created_again(
    desks: Desk, workspace: Workspace, standin: SpecStandIn
) -> None:
    api = desks.start()
    conversation = _chat(api, "c-1", "Hallo")
    task = api.wait_for(lambda: workspace.task_for(conversation))
    desks.stop()
    # The database as a crash after the POST and before its record leaves it: the task `creating`.
    with sqlite3.connect(desks.data_dir / DB_FILE) as db:
        assert db.execute("UPDATE taskrouter_tasks SET state = 'creating', task_sid = NULL").rowcount == 1

    api = desks.start()
    api.wait_for(lambda: desks.status()["passes"] >= 2)
    assert len(standin.calls("POST", TASKS)) == 1
    assert standin.calls("GET", TASKS)[0].query == {
        "EvaluateTaskAttributes": f'desk_conversation == "{conversation}"'
    }
    # And the task found is the one its reservation names: the offer still comes.
    workspace.reserve(task)
    agent = api.login("demo")
    (offer,) = api.wait_for(lambda: api.offers(agent))
    assert offer["conversation_id"] == conversation


def test_hostile_answers_are_reported_and_the_reservation_offered_once_they_pass(
    desk: Backend, workspace: Workspace, standin: SpecStandIn, desks: Desk
) -> None:
    api = desk
    conversation = _chat(api, "c-2", "Hallo?")
    task = api.wait_for(lambda: workspace.task_for(conversation))
    standin.script(
        "GET",
        RESERVATIONS,
        Answer(status=200, raw="<html>Twilio maintenance</html>", content_type="text/html"),
        Answer(patch=lambda b: {**b, "reservations": {"not": "a list"}}, hostile=True),
    )
    workspace.reserve(task)
    problem = api.wait_for(lambda: desks.status()["last_failure"])
    assert problem.startswith("TaskRouter list reservations")
    agent = api.login("demo")
    (offer,) = api.wait_for(lambda: api.offers(agent), timeout=20)
    assert offer["conversation_id"] == conversation
    api.wait_for(lambda: desks.status()["last_error"] is None)


def test_a_reservation_for_no_chat_of_this_desk_is_left_to_time_out(
    desk: Backend, workspace: Workspace, standin: SpecStandIn, desks: Desk
) -> None:
    api = desk
    foreign = f"WT{999:032x}"
    workspace.tasks[foreign] = {"sid": foreign, "attributes": '{"desk_conversation": "cv-elsewhere"}'}
    reservation = workspace.reserve(foreign)
    passes = desks.status()["passes"]
    api.wait_for(lambda: desks.status()["passes"] >= passes + 3)
    assert api.offers(api.login("demo")) == []
    assert len(standin.calls("GET", TASK)) == 1  # looked at once, not on every pass
    assert standin.calls("POST", RESERVATION) == []
    # Once TaskRouter timed it out, the desk forgets it (kept for good, these piled up).
    assert desks.server is not None and desks.server._server is not None
    router = desks.server._server.config.app.state.channels.routers["tr"]  # type: ignore[attr-defined]
    assert api.server.call(lambda: set(router._ignored)) == {reservation}
    workspace.reservations[reservation]["reservation_status"] = "timeout"
    api.wait_for(lambda: not api.server.call(lambda: set(router._ignored)))


def test_a_reservation_taskrouter_withdraws_is_withdrawn_from_the_desk(
    desk: Backend, workspace: Workspace, standin: SpecStandIn
) -> None:
    api = desk
    agent = api.login("demo")
    conversation = _chat(api, "c-3", "Hallo")
    reservation = workspace.reserve(api.wait_for(lambda: workspace.task_for(conversation)))
    (offer,) = api.wait_for(lambda: api.offers(agent))
    workspace.reservations[reservation]["reservation_status"] = "canceled"  # TaskRouter's own timeout
    api.wait_for(lambda: api.offers(agent) == [])
    answer = api.http.post(f"/api/v1/offers/{offer['id']}/accept", headers=agent)
    assert answer.status_code == 409
    assert standin.calls("POST", RESERVATION) == []  # nothing to answer for a reservation gone
