"""The desktop's embedded backend as a child process (server/process.py): the real server, no mocks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from workstation.server.process import (
    SERVER_COMMAND,
    BackendStartError,
    ServerProcess,
    embedded_arguments,
    server_command,
)

ROOT = Path(__file__).resolve().parents[2]


def _arguments(data_dir: Path) -> list[str]:
    return embedded_arguments(data_dir, offer_timeout=30, chat_interval=0, seed=3)


def _gone(pid: int, within_s: float) -> bool:
    """Whether process `pid` has exited (a zombie nobody reaped yet counts as exited)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_the_child_serves_on_its_url_with_the_password_from_the_environment_and_stops(tmp_path: Path) -> None:
    server = ServerProcess(_arguments(tmp_path / "backend"), demo_password="not-on-argv-7")
    url = server.start()
    try:
        assert url.startswith("http://127.0.0.1:") and server.url == url
        assert server.pid is not None and server.pid != os.getpid()
        if sys.platform.startswith("linux"):
            argv = Path(f"/proc/{server.pid}/cmdline").read_bytes()
            assert b"not-on-argv-7" not in argv and b"--embedded" in argv
        with httpx.Client(base_url=url, trust_env=False, timeout=10) as http:
            ok = http.post("/api/v1/auth/login", json={"username": "demo", "password": "not-on-argv-7"})
            assert ok.status_code == 200, ok.text
            wrong = http.post("/api/v1/auth/login", json={"username": "demo", "password": "demo"})
            assert wrong.status_code == 401
        assert (tmp_path / "backend" / "backend.sqlite3").is_file()  # its database in the data dir
    finally:
        server.stop()
    assert server._proc is not None and server._proc.returncode == 0  # closed stdin: a clean exit
    assert server._proc.stdout is not None and server._proc.stdout.closed
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/api/v1/health", timeout=2)
    server.stop()  # twice is harmless


PARENT = """
import sys, time
from pathlib import Path
from workstation.server.process import ServerProcess, embedded_arguments
server = ServerProcess(embedded_arguments(Path(sys.argv[1]), offer_timeout=30, chat_interval=0))
print(server.start(), server.pid, flush=True)
time.sleep(600)
"""


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_child_exits_when_its_parent_is_killed(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path / "backend")],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    url, pid = parent.stdout.readline().split()
    child = int(pid)
    try:
        assert httpx.get(f"{url}/api/v1/health", trust_env=False, timeout=10).status_code == 200
        parent.send_signal(signal.SIGKILL)  # no clean-up in the parent at all: only the pipe tells
        parent.wait(10)
        assert _gone(child, within_s=20), "the backend outlived the desktop that started it"
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
        if not _gone(child, within_s=0.1):
            os.kill(child, signal.SIGKILL)


@pytest.mark.slow
def test_a_child_that_cannot_start_is_reported_with_its_stderr(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "backend"
    not_a_dir.write_text("a file where the data directory should be")
    server = ServerProcess(_arguments(not_a_dir))
    with pytest.raises(BackendStartError) as failed:
        server.start(timeout=60)
    message = str(failed.value)
    assert "exited with status 1" in message
    assert "FileExistsError" in message or "NotADirectoryError" in message  # the child's traceback
    assert server._proc is not None and server._proc.returncode is not None
    with pytest.raises(RuntimeError):
        _ = server.url


@pytest.mark.slow
def test_a_child_that_never_gets_ready_is_stopped_and_reported(tmp_path: Path) -> None:
    # A program that reads stdin but never says READY: the parent gives up, and stops it.
    hang = ["-c", "import sys; print('starting', flush=True); sys.stdin.read()"]
    server = ServerProcess(hang, command=[sys.executable])
    with pytest.raises(BackendStartError, match="not ready within 1 s"):
        server.start(timeout=1)
    assert server._proc is not None and server._proc.returncode == 0  # stdin closed: it ended


def test_a_backend_program_that_cannot_be_run_is_reported(tmp_path: Path) -> None:
    server = ServerProcess([], command=[str(tmp_path / "no-such-bundle")])
    with pytest.raises(BackendStartError, match="could not be started"):
        server.start(timeout=5)
    server.stop()  # nothing to stop: harmless


@pytest.mark.slow
def test_main_py_runs_the_server_as_the_frozen_bundle_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert server_command() == [sys.executable, SERVER_COMMAND]
    monkeypatch.delattr(sys, "frozen")
    assert server_command() == [sys.executable, "-m", "workstation.server"]
    # The bundle is main.py frozen: `main.py server ...` must start the backend, not the desktop.
    server = ServerProcess(
        _arguments(tmp_path / "backend"), command=[sys.executable, str(ROOT / "main.py"), "server"]
    )
    url = server.start()
    try:
        with httpx.Client(base_url=url, trust_env=False, timeout=10) as http:
            assert (
                http.post("/api/v1/auth/login", json={"username": "demo", "password": "demo"}).status_code
                == 200
            )
    finally:
        server.stop()
