"""Start-up order: the window is shown and painted first; the backend, database and services load after."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

#: Modules the first paint must not wait for (each costs tens to hundreds of ms to import).
HEAVY = (
    "sqlalchemy",
    "alembic",
    "fastapi",
    "uvicorn",
    "pydantic",
    "httpx",
    "websockets",
    "qasync",
    "asyncio",  # qasync's loop starts after the paint
    "ssl",  # the first connection's, after the paint
    "hashlib",  # OpenSSL's libcrypto, for the cache's file name after sign-in
    "tomllib",  # no configuration file in a fresh base directory: nothing to parse
    "pyqtgraph",
    "PySide6.QtWebEngineCore",
    "workstation.services.sync",
    "workstation.server",
    "workstation.ui.conversation_view",
)


@pytest.mark.gui
def test_the_main_window_is_painted_before_anything_heavy_is_imported(tmp_path: Path) -> None:
    probe = f"""
import sys, time
started = time.perf_counter()
from workstation.app import load_configuration, parse_args, _paths
from PySide6.QtWidgets import QApplication
from workstation.boot.window import show_main_window

args = parse_args(["--basedir", {str(tmp_path)!r}])
app = QApplication([])
window, first_paint = show_main_window(load_configuration(args, _paths(args)), started)
assert first_paint.shown_ms is not None, "not painted"
print(window.connection_label.text())
print(" ".join(m for m in {HEAVY!r} if m in sys.modules))
"""
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    state, loaded = result.stdout.splitlines()
    assert state == "Connecting…"
    assert loaded == ""


@pytest.mark.slow
def test_main_py_shows_its_window_before_it_starts_the_embedded_backend(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--temp-basedir", "--log-level", "info"],
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "TMPDIR": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 90
        for line in proc.stderr:
            if "window shown after" in line:
                seen.append("window")
            elif "embedded backend on" in line:
                seen.append("backend")
            elif "push stream connected" in line:
                seen.append("connected")
                break
            if time.monotonic() > deadline:
                break
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    assert seen == ["window", "backend", "connected"]


@pytest.mark.slow
def test_an_embedded_backend_that_cannot_start_is_reported_and_the_window_stays(tmp_path: Path) -> None:
    from workstation.paths import Paths

    paths = Paths.under(tmp_path).create()
    paths.embedded_backend.parent.mkdir(parents=True, exist_ok=True)
    paths.embedded_backend.write_text("a file where the backend's data directory should be")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--basedir", str(tmp_path), "--log-level", "info"],
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    logged: list[str] = []
    try:
        deadline = time.monotonic() + 90
        for line in proc.stderr:
            logged.append(line)
            if "FileExistsError" in line or time.monotonic() > deadline:
                break
        time.sleep(1.0)
        alive = proc.poll() is None  # the window stays, saying what happened, until it is closed
    finally:
        proc.terminate()
        rest = proc.communicate(timeout=30)[1]
    text = "".join(logged) + rest
    assert "the embedded backend did not start (exited with status 1)" in text
    assert "FileExistsError" in text  # the child's stderr tail is in the log
    assert "Traceback" not in text.split("FileExistsError")[-1]  # and the desktop did not crash
    assert alive
