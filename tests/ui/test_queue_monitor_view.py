"""The team lead's queue monitor against the real backend: live tiles, roster, actions, stale, CSV."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester

from tests.helpers.backend import Backend
from tests.helpers.desk import close_desk, open_desk
from workstation.domain.models import Presence, utcnow
from workstation.domain.queue_monitor import AgentStatus, WaitingTask
from workstation.ui.agent_roster_model import AgentRosterModel, RosterFilterProxy
from workstation.ui.queue_monitor import QueueMonitorView
from workstation.ui.waiting_model import WaitingTasksModel

pytestmark = pytest.mark.gui

API = "/api/v1"


def _agent(agent_id: str, name: str, state: str, **extra: object) -> AgentStatus:
    return AgentStatus.model_validate(
        {
            "agent_id": agent_id,
            "username": agent_id,
            "name": name,
            "state": state,
            "state_since": utcnow() - timedelta(minutes=3),
            "capacity": 3,
            **extra,
        }
    )


def _roster_updates(model: AgentRosterModel) -> None:
    model.set_agents([_agent("a1", "Anna", "available"), _agent("a2", "Ben", "busy", conversations=2)])
    model.set_agents(
        [_agent("a1", "Anna", "away", reason="break"), _agent("a2", "Ben", "busy", conversations=1)]
    )
    model.set_agents([_agent("a3", "Cleo", "offline")])  # agents come and go: a reset
    model.tick()


def test_roster_model_passes_qt_model_tester_through_updates(qtmodeltester: ModelTester) -> None:
    model = AgentRosterModel()
    qtmodeltester.check(model, force_py=True)
    _roster_updates(model)
    assert model.rowCount() == 1
    assert model.data(model.index(0, AgentRosterModel.STATE)) == "Offline"


def test_roster_proxy_passes_qt_model_tester_through_updates(qtmodeltester: ModelTester) -> None:
    model = AgentRosterModel()
    proxy = RosterFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy, force_py=True)
    _roster_updates(model)
    proxy.set_state("offline")
    assert proxy.rowCount() == 1


def test_waiting_model_passes_qt_model_tester(qtmodeltester: ModelTester) -> None:
    waiting = WaitingTasksModel()
    qtmodeltester.check(waiting, force_py=True)
    waiting.set_tasks([WaitingTask(conversation_id="cv-1", customer="Jana", waiting_since=utcnow())])
    waiting.set_tasks(
        [WaitingTask(conversation_id="cv-1", customer="Jana", waiting_since=utcnow(), offered_to="Ben")]
    )
    waiting.tick()
    assert waiting.rowCount() == 1
    assert waiting.data(waiting.index(0, WaitingTasksModel.OFFERED)) == "Ben"


def test_roster_sorts_by_raw_values_and_filters_by_text_state_and_queue() -> None:
    model = AgentRosterModel()
    proxy = RosterFilterProxy()
    proxy.setSourceModel(model)
    model.set_agents(
        [
            _agent("a1", "Anna", "away", reason="team_lead:lead", skills=("delivery",), queues=("german",)),
            _agent(
                "a2",
                "Ben",
                "busy",
                conversations=2,
                skills=("payment",),
                queues=("english",),
                handled_today=9,
            ),
            _agent(
                "a3",
                "Cleo",
                "available",
                skills=("delivery", "payment"),
                queues=("german",),
                handled_today=10,
            ),
        ]
    )
    assert model.data(model.index(0, AgentRosterModel.STATE)) == "Away (set by lead)"
    assert model.data(model.index(1, AgentRosterModel.CHATS)) == "2 / 3"
    proxy.sort(AgentRosterModel.HANDLED, Qt.SortOrder.DescendingOrder)
    # 10 before 9 before 0: numbers, not text.
    assert [proxy.index(r, 0).data() for r in range(3)] == ["Cleo", "Ben", "Anna"]
    proxy.sort(AgentRosterModel.STATE, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, 0).data() for r in range(3)] == ["Cleo", "Ben", "Anna"]
    proxy.set_text("delivery")
    assert proxy.rowCount() == 2
    proxy.set_state("available")
    assert [proxy.index(r, 0).data() for r in range(proxy.rowCount())] == ["Cleo"]
    proxy.set_state(None)
    proxy.set_text("")
    proxy.set_queue("english")
    assert [proxy.index(r, 0).data() for r in range(proxy.rowCount())] == ["Ben"]


def _lead_desk(aloop: asyncio.AbstractEventLoop, backend: Backend, tmp_path: Path):  # type: ignore[no-untyped-def]
    desk = open_desk(aloop, tmp_path / "lead", backend.url, username="lead")
    view = desk.window.monitor_view
    assert isinstance(view, QueueMonitorView)
    monitor = desk.ws.monitor
    assert monitor is not None
    desk.wait_until(lambda: monitor.snapshot is not None and not monitor.stale)
    return desk, view, monitor


def test_the_monitor_shows_live_queues_and_a_team_leads_actions_reach_the_backend(
    aloop: asyncio.AbstractEventLoop, backend: Backend, tmp_path: Path
) -> None:
    desk, view, monitor = _lead_desk(aloop, backend, tmp_path)
    try:
        assert list(view.tiles) == ["senior", "german", "english", "everyone", "*"]
        assert desk.window.stack.currentWidget() is view
        assert view.status_label.text().startswith("● Live")

        # A German chat with nobody available: its tile, the waiting list, and why it waits.
        chat = backend.start_chat("c-3", "Hallo")
        conversation_id = chat["conversation"]["id"]
        desk.wait_until(
            lambda: view.tiles["german"].stats is not None and view.tiles["german"].stats.waiting == 1
        )
        assert view.tiles["german"].waiting_label.text() == "1"
        desk.wait_until(lambda: view.select_waiting(conversation_id))
        desk.wait_until(lambda: "step" in view.why.toPlainText() and "agents match" in view.why.toPlainText())
        assert "German" in view.why.toPlainText()

        # Move it to the English queue: the backend says so, and Ben (English) gets the offer.
        ben = backend.login("ben")
        backend.http.put(f"{API}/me/presence", json={"presence": "available"}, headers=ben)
        view.move_combo.setCurrentIndex(view.move_combo.findData("english"))
        view.move_button.click()
        desk.wait_until(lambda: "moved by a team lead" in view.why.toPlainText())
        backend.wait_for(lambda: backend.offers(ben))

        # Force Anna Away from the roster.
        anna_row = next(
            r
            for r in range(view.roster_proxy.rowCount())
            if view.roster_proxy.index(r, 0).data() == "Anna Schmidt"
        )
        backend.http.put(f"{API}/me/presence", json={"presence": "available"}, headers=backend.login("anna"))
        view.roster.selectRow(anna_row)
        assert view.force_away.isEnabled()
        view.force_away.click()
        server = backend.server
        assert server.backend is not None
        desk.wait_until(
            lambda: server.call(lambda: server.backend.get_agent("a-anna")).presence == Presence.AWAY
        )
        desk.wait_until(
            lambda: any(
                a.username == "anna" and a.reason == "team_lead:lead" for a in monitor.snapshot.agents
            )
        )

        # The charts got the numbers, and hovering shows them.
        view.charts.show_queues([("german", "German"), ("english", "English")])
        desk.wait_until(lambda: view.charts.drawn_points() > 2)
        view.charts.hover_at(time.time())
        assert set(view.charts.hover_values) == {"german", "english", "agents"}
        assert "waiting" in view.charts.hover_values["german"]
        view.grab().save(str(tmp_path / "monitor.png"))
    finally:
        close_desk(desk)


def test_export_writes_the_snapshot_and_a_bad_path_says_so(
    aloop: asyncio.AbstractEventLoop, backend: Backend, tmp_path: Path
) -> None:
    desk, view, _monitor = _lead_desk(aloop, backend, tmp_path)
    try:
        target = tmp_path / "snapshot.csv"
        assert view.export_to(target)
        lines = target.read_text(encoding="utf-8").splitlines()
        assert lines[1].startswith("queue_id,name,waiting,longest_wait_s")
        assert [line.split(",")[0] for line in lines[2:7]] == ["senior", "german", "english", "everyone", "*"]
        assert any(line.startswith("a-anna,anna,Anna Schmidt,offline") for line in lines)
        missing = tmp_path / "no-such-dir" / "x.csv"
        assert not view.export_to(missing)
        assert "Could not export" in view.message_label.text()
        assert not missing.exists()
    finally:
        close_desk(desk)


def test_a_lost_backend_shows_stale_since_instead_of_live_numbers(
    aloop: asyncio.AbstractEventLoop, backend: Backend, tmp_path: Path
) -> None:
    desk, view, monitor = _lead_desk(aloop, backend, tmp_path)
    try:
        desk.wait_until(lambda: monitor.frames >= 2)
        backend.server.stop()
        desk.wait_until(lambda: monitor.stale, timeout=15)
        assert monitor.stale_since is not None and monitor.snapshot is not None
        expected = monitor.snapshot.at.astimezone().strftime("%H:%M:%S")
        assert view.status_label.text() == f"Stale since {expected} — reconnecting…"
        assert all(tile.status == "stale" for tile in view.tiles.values())
        # Nothing pretends to be live: the clock stops updating the roster's times.
        assert not view.status_label.text().startswith("● Live")
    finally:
        close_desk(desk)


def test_pyqtgraph_uses_pyside6_and_agents_never_load_it() -> None:
    import subprocess
    import sys

    import pyqtgraph as pg

    assert pg.Qt.QT_LIB == "PySide6"
    probe = (
        "import sys, workstation.app, workstation.boot.wiring, workstation.ui.main_window,"
        " workstation.services.queue_monitor;"
        "print('pyqtgraph' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"
