"""Backends for the load driver: real `python -m workstation.server` processes on one database.

`prepare_database` makes the agents, customers and a service token in a database (PostgreSQL or a
SQLite file); `BackendProcess.start` runs one backend process on it, on a free loopback port;
`usage` reads a process's CPU time and resident memory (psutil when installed, else /proc);
`expected_seqs` is what the database's event log holds for each agent, to check desktops against.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from workstation.domain.models import Customer, Presence, utcnow
from workstation.server.backend import AUDIENCE_ALL, Backend, BackendConfig
from workstation.server.db import AgentRow, CustomerRow, EventLogRow, make_engine
from workstation.server.passwords import hash_password

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "load-test-password"
#: The backend's line when its process takes the router lock (router_lease.py).
ROUTER_LINE = "holds the router lock"
STARTED = "Workstation reference backend on http://127.0.0.1:"


@dataclass(frozen=True, slots=True)
class Population:
    usernames: list[str]
    agent_ids: list[str]
    customer_ids: list[str]
    service_token: str


def prepare_database(db_url: str, agents: int, customers: int, *, max_chats: int = 3) -> Population:
    """`agents` agents (password PASSWORD) and `customers` customers in the database at `db_url`,
    and a service token for the customer chat API. One password hash serves every agent: hashing
    500 passwords (scrypt, ~50 ms each) would be most of a short run's setup."""
    engine = make_engine(db_url)
    try:
        backend = Backend(engine, BackendConfig())
        digest = hash_password(PASSWORD)
        now = utcnow()
        usernames = [f"load-{i:04d}" for i in range(agents)]
        customer_ids = [f"c-load-{i:04d}" for i in range(customers)]
        with Session(engine) as db, db.begin():
            db.add_all(
                AgentRow(
                    id=f"a-{name}",
                    username=name,
                    name=f"Agent {name}",
                    role="agent",
                    password_hash=digest,
                    skills=[],
                    languages=["en"],
                    max_chats=max_chats,
                    presence=Presence.OFFLINE.value,
                    presence_since=now,
                )
                for name in usernames
            )
            db.add_all(
                CustomerRow(
                    id=cid,
                    name=f"Customer {cid}",
                    language="en",
                    data=Customer(id=cid, name=f"Customer {cid}", language="en").model_dump(mode="json"),
                )
                for cid in customer_ids
            )
        token = backend.issue_token(backend.service_principal())
        return Population(usernames, [f"a-{n}" for n in usernames], customer_ids, token)
    finally:
        engine.dispose()


def expected_seqs(db_url: str) -> Callable[[str], list[int]]:
    """agent id -> every seq the event log holds for that agent's stream ("*" and its own), in order."""
    engine = make_engine(db_url)
    try:
        with Session(engine) as db:
            rows = list(db.execute(select(EventLogRow.seq, EventLogRow.audience).order_by(EventLogRow.seq)))
    finally:
        engine.dispose()
    broadcast = [seq for seq, audience in rows if audience == AUDIENCE_ALL]
    own: dict[str, list[int]] = defaultdict(list)
    for seq, audience in rows:
        own[audience].append(seq)
    return lambda agent_id: sorted(broadcast + own.get(agent_id, []))


@dataclass
class BackendProcess:
    proc: subprocess.Popen[str]
    url: str
    log: Path
    name: str = ""

    @classmethod
    def start(
        cls, db_url: str, work: Path, name: str, *, offer_timeout_s: float = 30.0, port: int = 0
    ) -> BackendProcess:
        """`port` 0: any free one; a killed process's port: its replacement, as systemd restarts a
        unit on its configured port (the listening socket reuses the address: runner.bind_socket)."""
        work.mkdir(parents=True, exist_ok=True)
        log = work / f"{name}.log"
        with log.open("w") as stderr:
            proc = subprocess.Popen(
                [sys.executable, "-m", "workstation.server", "--port", str(port), "--db-url", db_url,
                 "--data-dir", str(work / name), "--log-level", "info",
                 "--offer-timeout", str(offer_timeout_s)],
                cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, text=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)},
            )  # fmt: skip
        assert proc.stdout is not None
        first = proc.stdout.readline()
        if not first.startswith(STARTED):
            proc.kill()
            proc.communicate()
            raise RuntimeError(f"backend {name} did not start: {first!r}\n{log.read_text()[-3000:]}")
        backend = cls(proc, first.split()[4], log, name)
        backend.wait_healthy()
        return backend

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def wait_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/health", trust_env=False, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"backend at {self.url} not healthy within {timeout} s")

    def holds_router_lock(self) -> bool:
        return ROUTER_LINE in self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no goodbye to its clients or its database connections."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()


def start_backends(db_url: str, work: Path, count: int, **kwargs: float) -> list[BackendProcess]:
    started: list[BackendProcess] = []
    try:
        for i in range(count):
            started.append(BackendProcess.start(db_url, work, f"p{i}", **kwargs))
    except BaseException:
        for p in started:
            p.stop()
        raise
    return started


def router_of(processes: list[BackendProcess], timeout: float = 20.0) -> BackendProcess:
    """The one live process that holds the router lock (waits until one does)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        holders = [p for p in processes if p.alive() and p.holds_router_lock()]
        if holders:
            assert len(holders) == 1, "two live processes say they hold the router lock"
            return holders[0]
        time.sleep(0.05)
    raise AssertionError(f"no process took the router lock within {timeout} s")


@dataclass(frozen=True, slots=True)
class Usage:
    cpu_s: float
    rss_bytes: int


def usage(pid: int) -> Usage:
    """CPU seconds (user + system) and resident memory of a process."""
    try:
        import psutil  # optional: not a dependency of the project
    except ImportError:
        psutil = None
    if psutil is not None:
        p = psutil.Process(pid)
        times = p.cpu_times()
        return Usage(times.user + times.system, p.memory_info().rss)
    with open(f"/proc/{pid}/stat") as f:
        # The command name (field 2) may hold spaces; the fields after its closing bracket do not.
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
    return Usage(cpu, rss)
