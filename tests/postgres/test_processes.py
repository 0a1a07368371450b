"""Three real backend processes on one PostgreSQL database: events reach streams on every process,
one router at a time, and when the router's process is killed another one routes within seconds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from workstation.domain.models import Customer
from workstation.server.backend import Backend, BackendConfig
from workstation.server.db import EventLogRow, OfferRow, make_engine

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
API = "/api/v1"
PASSWORD = "multi-process-test"
AGENTS = ("mp-ada", "mp-bob")
LOCK_LINE = "holds the router lock"


def create_users(db_url: str) -> str:
    """The agents and a customer in the shared database; returns a service token.

    The one place that makes users: made through the backend itself, so it does not depend on the
    standalone server's demo users (which a later change makes opt-in with --demo).
    """
    engine = make_engine(db_url)
    try:
        backend = Backend(engine, BackendConfig())
        for username in AGENTS:
            backend.ensure_agent(username=username, name=username, password=PASSWORD, languages=("en",))
        backend.upsert_customer(Customer(id="c-mp", name="Pat Doe", language="en"))
        return backend.issue_token(backend.service_principal())
    finally:
        engine.dispose()


@dataclass
class Process:
    proc: subprocess.Popen[str]
    url: str
    log: Path

    def holds_router_lock(self) -> bool:
        return LOCK_LINE in self.log.read_text(errors="replace")


def start_process(db_url: str, work: Path, name: str) -> Process:
    log = work / f"{name}.log"
    with log.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "workstation.server", "--port", "0", "--no-simulator", "--db-url", db_url,
             "--data-dir", str(work / name), "--log-level", "info"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
    assert proc.stdout is not None
    first = proc.stdout.readline()
    assert first.startswith("Workstation reference backend on http://127.0.0.1:"), first + log.read_text()
    return Process(proc, first.split()[4], log)


def wait_for(probe: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"condition not met within {timeout} s")


@pytest.fixture
def cluster(pg_url: str, tmp_path: Path) -> Iterator[tuple[list[Process], str]]:
    token = create_users(pg_url)
    processes: list[Process] = []
    try:
        for name in ("a", "b", "c"):
            processes.append(start_process(pg_url, tmp_path, name))
        for p in processes:
            wait_for(lambda p=p: _healthy(p.url))
        yield processes, token
    finally:
        for p in processes:
            if p.proc.poll() is None:
                p.proc.terminate()
        for p in processes:
            try:
                p.proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                p.proc.kill()
                p.proc.communicate()


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}{API}/health", trust_env=False, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _login(url: str, username: str) -> dict[str, str]:
    response = httpx.post(
        f"{url}{API}/auth/login", json={"username": username, "password": PASSWORD}, trust_env=False
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _available(url: str, headers: dict[str, str]) -> None:
    response = httpx.put(
        f"{url}{API}/me/presence", json={"presence": "available"}, headers=headers, trust_env=False
    )
    assert response.status_code == 200, response.text


def _start_chat(url: str, token: str, text: str) -> str:
    response = httpx.post(
        f"{url}{API}/customer/chats",
        json={"customer_id": "c-mp", "text": text, "language": "en"},
        headers={"Authorization": f"Bearer {token}"},
        trust_env=False,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["conversation"]["id"])


def _stream(url: str, headers: dict[str, str]) -> ClientConnection:
    return connect(
        url.replace("http://", "ws://") + f"{API}/stream?after=0", additional_headers=headers, proxy=None
    )


def _offers_by_conversation(db_url: str) -> dict[str, int]:
    engine = create_engine(db_url)
    try:
        with Session(engine) as db:
            rows = db.execute(
                select(OfferRow.conversation_id, func.count()).group_by(OfferRow.conversation_id)
            )
            return {conv: count for conv, count in rows}
    finally:
        engine.dispose()


def test_events_reach_every_process_and_a_killed_router_is_replaced(
    cluster: tuple[list[Process], str], pg_url: str
) -> None:
    processes, token = cluster
    a, b, c = processes
    ada = _login(c.url, "mp-ada")
    with _stream(b.url, ada) as ws:  # Ada listens on B ...
        _available(c.url, ada)  # ... goes Available through C ...
        conv = _start_chat(a.url, token, "Where is my parcel?")  # ... and a chat comes in through A.
        offer = None
        seqs: list[int] = []
        while offer is None:
            frame = json.loads(ws.recv(timeout=20))
            if "seq" in frame:
                seqs.append(frame["seq"])
            if frame.get("type") == "offer.created" and frame["data"]["conversation_id"] == conv:
                offer = frame
    # B's stream carried every entry of Ada's, in order, none skipped (seq from the database).
    engine = create_engine(pg_url)
    with Session(engine) as db:
        expected = list(
            db.scalars(
                select(EventLogRow.seq)
                .where(EventLogRow.audience.in_(["*", "a-mp-ada"]), EventLogRow.seq <= seqs[-1])
                .order_by(EventLogRow.seq)
            )
        )
    engine.dispose()
    assert seqs == expected
    # Accepted through A: the chat is Ada's, and no offer of it can time out and go out again.
    accepted = httpx.post(f"{a.url}{API}/offers/{offer['data']['id']}/accept", headers=ada, trust_env=False)
    assert accepted.status_code == 200, accepted.text

    # Exactly one process routes.
    (router,) = wait_for(lambda: [p for p in processes if p.holds_router_lock()] or None)
    router.proc.send_signal(signal.SIGKILL)
    router.proc.wait(10)
    survivors = [p for p in processes if p is not router]

    # Another process takes over and routes new chats; Bob is Available through a survivor.
    bob = _login(survivors[0].url, "mp-bob")
    _available(survivors[1].url, bob)
    later = [_start_chat(survivors[i % 2].url, token, f"Question {i}") for i in range(4)]
    wait_for(lambda: all(conv in _offers_by_conversation(pg_url) for conv in later))
    assert sum(p.holds_router_lock() for p in survivors) == 1
    # No chat was ever offered twice (every agent had room; nobody declined).
    offers = _offers_by_conversation(pg_url)
    assert set(offers) >= {conv, *later}
    assert all(count == 1 for count in offers.values()), offers

    # Signing out through one process closes the token's streams on the others (4401).
    with _stream(survivors[1].url, bob) as ws:
        ws.recv(timeout=10)  # hello: the stream is registered
        out = httpx.post(f"{survivors[0].url}{API}/auth/logout", headers=bob, trust_env=False)
        assert out.status_code == 200, out.text
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=20)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
