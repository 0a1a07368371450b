"""SIGKILL drills, the way SQLite's own crash tests work: a child process writes in a loop and is
killed at many points; after every kill the cache passes PRAGMA integrity_check, and in the end
every write that was committed reached the real backend exactly once, and nothing twice."""

from __future__ import annotations

import collections
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.backend import Backend

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
API = "/api/v1"


def _conversation(backend: Backend) -> tuple[str, str]:
    response = backend.http.post(f"{API}/auth/login", json={"username": "demo", "password": "demo"})
    token = response.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    backend.http.put(f"{API}/me/presence", json={"presence": "available"}, headers=headers)
    chat = backend.start_chat("c-1", "Hallo")
    (offer,) = backend.wait_for(lambda: backend.offers(headers))
    assert backend.http.post(f"{API}/offers/{offer['id']}/accept", headers=headers).status_code == 200
    return token, chat["conversation"]["id"]


def _writer(cache: Path, backend: Backend, conv: str, token: str, first: int, count: int, kill_at: int = 0):  # type: ignore[no-untyped-def]
    command = [
        sys.executable,
        "-m",
        "tests.drills.writer",
        str(cache),
        backend.url,
        conv,
        str(first),
        str(count),
    ]
    if kill_at:
        command += ["--kill-at", str(kill_at)]
    env = {**os.environ, "DRILL_TOKEN": token}
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _integrity(cache: Path) -> str:
    with sqlite3.connect(cache) as raw:
        return str(raw.execute("PRAGMA integrity_check").fetchone()[0])


def test_sigkill_at_many_points_loses_nothing_committed_and_duplicates_nothing(
    backend: Backend, tmp_path: Path
) -> None:
    token, conv = _conversation(backend)
    cache = tmp_path / "cache.sqlite3"
    rng = random.Random(8)
    committed: set[int] = set()
    attempted: set[int] = set()
    kills = 0
    # A run without a kill counts the points (statements, commits, answers) 25 writes pass, so that
    # the kills below land all over the write path however many statements it takes.
    count = 25
    calibration = _writer(cache, backend, conv, token, 0, count)
    out, err = calibration.communicate(timeout=60)
    assert calibration.returncode == 0, err[-2000:]
    attempted.update(range(count))
    committed.update(int(line.split()[1]) for line in out.splitlines() if line.startswith("committed "))
    (total,) = [int(line.split()[1]) for line in out.splitlines() if line.startswith("points ")]
    first = count
    # Deterministic points spread over the whole write path, then kills at random moments in time.
    points = sorted(rng.sample(range(1, total), 12)) + [0] * 6
    for kill_at in points:
        child = _writer(cache, backend, conv, token, first, count, kill_at)
        if kill_at == 0:
            time.sleep(rng.uniform(0.4, 2.0))  # mostly while it imports, migrates or writes
            child.kill()
        out, err = child.communicate(timeout=60)
        attempted.update(range(first, first + count))
        committed.update(int(line.split()[1]) for line in out.splitlines() if line.startswith("committed "))
        if child.returncode == -9:
            kills += 1
        else:
            assert child.returncode == 0, err[-2000:]
        if cache.exists():
            assert _integrity(cache) == "ok"
        first += count
    # A last run delivers whatever is left in the outbox.
    final = _writer(cache, backend, conv, token, first, 0)
    out, err = final.communicate(timeout=60)
    assert final.returncode == 0 and "drained" in out, err[-2000:]
    assert _integrity(cache) == "ok"
    assert kills >= 12  # the drill really killed the writer most of the time

    messages = backend.http.get(
        f"{API}/conversations/{conv}", headers={"Authorization": f"Bearer {token}"}
    ).json()["messages"]
    texts = [m["text"] for m in messages if m["sender"] == "agent"]
    counts = collections.Counter(texts)
    assert [t for t, n in counts.items() if n > 1] == []  # nothing twice
    delivered = {int(t.removeprefix("drill-")) for t in texts}
    assert committed <= delivered  # everything reported committed arrived
    assert delivered <= attempted
    assert len(committed) > 50
    with sqlite3.connect(cache) as raw:
        states = dict(raw.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
    assert states == {"done": len(delivered)}  # a commit the child could not report is delivered too
