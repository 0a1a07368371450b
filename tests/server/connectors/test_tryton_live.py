"""The connector inside a running backend: killed mid-sync and restarted, an upstream that goes
down and comes back, the status endpoint and command, and a new complaint reaching the agent."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.backend import Backend as BackendHelper
from tests.server.connectors.helpers import backend_on, events_of, run, seed, sync_for
from tests.server.connectors.tryton_server import ADMIN_PASSWORD, TrytonSeed, TrytonServer
from workstation.server import __main__ as server_main
from workstation.server.backend import BackendConfig
from workstation.server.connectors.config import parse
from workstation.server.connectors.sync import connector_status
from workstation.server.runner import ServerOptions, ServerThread

pytestmark = pytest.mark.connectors
ROOT = Path(__file__).resolve().parents[3]
WAIT_S = 120.0


def _config(server: TrytonServer, db: str, **extra: Any) -> str:
    lines = [
        'type = "tryton"',
        f'url = "{server.url}"',
        f'database = "{db}"',
        'login = "admin"',
        'password_env = "ERP_TEST_PASSWORD"',
    ] + [f"{k} = {v!r}" for k, v in extra.items()]
    return "[connectors.erp]\n" + "\n".join(lines).replace("'", '"') + "\n"


def _wait(probe: Any, what: str, timeout: float = WAIT_S) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError(f"{what}: not within {timeout} s")


def _count(db_file: Path, sql: str) -> int:
    if not db_file.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=5) as conn:
            row = conn.execute(sql).fetchone()
            return int(row[0]) if row else 0
    except sqlite3.OperationalError:
        return 0  # not created yet


def test_backend_killed_mid_sync_resumes_without_duplicates_or_gaps(
    tryton: TrytonServer, tmp_path: Path
) -> None:
    db = tryton.take()
    parties, sales_each = 20, 2

    async def volume(s: TrytonSeed) -> list[int]:
        return await s.parties_with_sales(parties, sales_each)

    seed(tryton, db, volume, setup=True)
    expected = parties * sales_each
    config = tmp_path / "server.toml"
    config.write_text(_config(tryton, db, page_size=1, poll_interval_s=0.2))
    data = tmp_path / "backend"
    db_file = data / "backend.sqlite3"
    env = {**os.environ, "ERP_TEST_PASSWORD": ADMIN_PASSWORD, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-m",
        "workstation.server",
        "--no-simulator",
        "--port",
        "0",
        "--data-dir",
        str(data),
        "--config",
        str(config),
        "--log-level",
        "warning",
    ]
    events_sql = "SELECT count(*) FROM customer_events"

    first = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(lambda: _count(db_file, events_sql) > 0, "first events imported")
        first.send_signal(signal.SIGKILL)  # no shutdown, no flush: as a crash or a power cut
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    at_kill = _count(db_file, events_sql)
    assert 0 < at_kill < expected, "killed in the middle of the import"

    second = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait(lambda: _count(db_file, events_sql) >= expected, "the rest imported after the restart")
        # One more polling pass finds nothing new.
        synced = "SELECT count(*) FROM connector_state WHERE last_sync_at IS NOT NULL"
        _wait(lambda: _count(db_file, synced) == 1, "a complete pass")
    finally:
        second.terminate()
        second.wait(20)
    backend = backend_on(db_file)
    sources = Counter(e.data["source_id"] for e in events_of(backend))
    assert len(sources) == expected and set(sources.values()) == {1}  # no gap, no duplicate
    assert backend.customer_count() == parties
    assert connector_status(backend.engine, "erp")["records_imported"] == expected


def test_upstream_down_then_back_catches_up_in_order(tryton_template: Path, tmp_path: Path) -> None:
    own = TrytonServer(tmp_path / "tryton", tryton_template, ["down"])
    own.start()
    try:

        async def shop(s: TrytonSeed) -> int:
            return await s.party("Jana Kowalski", email="jana@example.org")

        jana = seed(own, "down", shop, setup=True)
        backend = backend_on(tmp_path / "b.sqlite")
        sync = sync_for(backend, own, "down", page_size=4, timeout_s=2.0)
        run(sync.sync_once())

        async def backlog(s: TrytonSeed) -> list[int]:
            return [await s.complaint(jana, None, "Billing", f"Complaint number {i}") for i in range(12)]

        complaints = seed(own, "down", backlog, setup=False)
        own.stop()

        async def outage() -> dict[str, Any]:
            task = asyncio.create_task(sync.run())
            try:
                while sync.failures < 3:
                    await asyncio.sleep(0.02)
                down = connector_status(backend.engine, "erp")
                await asyncio.to_thread(own.start)
                while len(events_of(backend)) < len(complaints) or sync.failures:
                    await asyncio.sleep(0.05)
                return down
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

        down = run(asyncio.wait_for(outage(), WAIT_S))
        assert down["state"] == "down" and down["last_error"]
        assert connector_status(backend.engine, "erp")["state"] == "up"
        with sqlite3.connect(tmp_path / "b.sqlite") as conn:
            stored = [r[0] for r in conn.execute("SELECT data FROM customer_events ORDER BY rowid")]
        order = [int(__import__("json").loads(d)["source_id"].split(",")[1]) for d in stored]
        assert order == complaints  # the backlog arrived whole and in upstream order
    finally:
        own.stop()


def test_status_endpoint_command_and_a_new_complaint_reaching_the_agent(
    tryton: TrytonServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tryton.take()

    async def shop(s: TrytonSeed) -> tuple[int, int]:
        jana = await s.party("Jana Kowalski", email="jana@example.org")
        return jana, await s.sale(jana, 99.0)

    jana, sale = seed(tryton, db, shop, setup=True)
    monkeypatch.setenv("ERP_TEST_PASSWORD", ADMIN_PASSWORD)
    import tomllib

    erp = parse("erp", tomllib.loads(_config(tryton, db, poll_interval_s=30.0))["connectors"]["erp"])
    broken = parse(
        "crm", {"type": "tryton", "url": tryton.url, "database": db, "password_env": "UNSET_FOR_TEST"}
    )
    monkeypatch.delenv("UNSET_FOR_TEST", raising=False)
    server = ServerThread(
        ServerOptions(
            data_dir=tmp_path / "backend",
            simulator=None,
            connectors=[erp, broken],
            backend=BackendConfig(router_tick_s=0.05),
        )
    )
    server.start()
    helper = BackendHelper(server)
    try:
        lead = helper.login("lead")
        status = helper.wait_for(
            lambda: [
                s for s in helper.http.get("/api/v1/connectors", headers=lead).json() if s["state"] == "up"
            ]
        )
        assert status[0]["name"] == "erp" and status[0]["capabilities"]["reads_customers"]
        all_status = {s["name"]: s for s in helper.http.get("/api/v1/connectors", headers=lead).json()}
        assert all_status["crm"]["state"] == "down" and "UNSET_FOR_TEST" in all_status["crm"]["last_error"]
        assert helper.http.get("/api/v1/connectors", headers=helper.login("anna")).status_code == 403

        customer_id = f"erp-party-{jana}"
        agent, _chat, _conv = helper.accepted_chat("demo", customer_id)
        (source,) = helper.http.get(f"/api/v1/customers/{customer_id}/sources", headers=agent).json()
        assert (source["system"], source["record"]) == ("tryton", f"party.party,{jana}")
        assert {"name", "email", "phone", "language"} <= set(source["fields"])
        other = helper.http.get(f"/api/v1/customers/{customer_id}/sources", headers=helper.login("anna"))
        assert other.status_code == 403  # an agent without a chat of this customer
        new = seed(
            tryton, db, lambda s: s.complaint(jana, sale, "Damaged goods", "The box was crushed"), setup=False
        )
        assert helper.http.post("/api/v1/connectors/erp/sync", headers=lead).status_code == 202

        def complaint_seen() -> bool:
            events = helper.http.get(f"/api/v1/customers/{customer_id}/events", headers=agent).json()[
                "events"
            ]
            return any(e["data"].get("source_id") == f"sale.complaint,{new}" for e in events)

        helper.wait_for(complaint_seen, timeout=30)
    finally:
        helper.http.close()
        server.stop()
    assert (
        server_main.main(["connectors", "status", "--data-dir", str(tmp_path / "backend")]) == 1
    )  # crm is down
    out = capsys.readouterr().out
    assert "erp" in out and "up" in out and "crm" in out and "down" in out


def test_wrap_up_is_added_to_the_party_once(
    tryton: TrytonServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tryton.take()
    jana = seed(tryton, db, lambda s: s.party("Jana Kowalski", email="jana@example.org"), setup=True)
    monkeypatch.setenv("ERP_TEST_PASSWORD", ADMIN_PASSWORD)
    import tomllib

    erp = parse("erp", tomllib.loads(_config(tryton, db, poll_interval_s=30.0))["connectors"]["erp"])
    server = ServerThread(
        ServerOptions(
            data_dir=tmp_path / "backend",
            simulator=None,
            connectors=[erp],
            backend=BackendConfig(router_tick_s=0.05),
        )
    )
    server.start()
    helper = BackendHelper(server)

    def notes() -> list[dict[str, Any]]:
        return seed(
            tryton,
            db,
            lambda s: s.rpc.search_read("ir.note", [["resource", "=", f"party.party,{jana}"]], ["message"]),
            setup=False,
        )

    try:
        lead = helper.login("lead")
        customer_id = f"erp-party-{jana}"
        helper.wait_for(
            lambda: helper.http.get(f"/api/v1/customers/{customer_id}", headers=lead).status_code == 200, 60
        )
        agent, _chat, conv = helper.accepted_chat("demo", customer_id)
        closed = helper.http.post(
            f"/api/v1/conversations/{conv}/close", json={"wrapup_code": "follow_up"}, headers=agent
        )
        assert closed.status_code == 200, closed.text
        helper.http.post("/api/v1/connectors/erp/sync", headers=lead)
        (note,) = helper.wait_for(notes, timeout=30)
        assert (
            "callback promised" in note["message"] and conv in note["message"] and "demo" in note["message"]
        )
        # Polling again (and again) adds nothing.
        for _ in range(2):
            (before,) = helper.http.get("/api/v1/connectors", headers=lead).json()
            helper.http.post("/api/v1/connectors/erp/sync", headers=lead)
            helper.wait_for(
                lambda before=before: (
                    helper.http.get("/api/v1/connectors", headers=lead).json()[0]["last_sync_at"]
                    != before["last_sync_at"]
                )
            )
        assert len(notes()) == 1
    finally:
        helper.http.close()
        server.stop()
