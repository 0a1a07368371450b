"""`main.py --self-test` as a user (and CI, and the frozen build) runs it: a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _self_test(env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--self-test", "--log-level", "warning"],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_self_test_passes_and_reports_timings(tmp_path: Path) -> None:
    result = _self_test({"TMPDIR": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    (line,) = [ln for ln in result.stdout.splitlines() if ln.startswith("{")]
    report = json.loads(line)
    assert report["self_test"] == "ok"
    for key in (
        "window_shown_ms",
        "backend_ready_ms",
        "offer_to_open_ms",
        "reply_delivered_ms",
        "wrap_up_ms",
        "cobrowse_live_ms",
        "ranking_process_ms",
    ):
        assert report[key] > 0
    assert report["cobrowse_live"] == "ok"  # QtWebEngine replays the rrweb page
    assert report["ranking_process"] == "ok"  # `main.py ranker` loaded and ranked the conversation
    if sys.platform.startswith("linux"):
        assert report["keychain_cipher"] == "ok"  # SecretStorage's AES (the bundle replaces cryptography)
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # its temporary directory is gone again


def test_team_lead_self_test_sees_live_statistics_for_every_queue_drawn(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "--role",
            "teamlead",
            "--self-test",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (line,) = [ln for ln in result.stdout.splitlines() if ln.startswith("{")]
    report = json.loads(line)
    assert report["self_test"] == "ok" and report["role"] == "teamlead"
    assert report["queues"] == 4  # the demo configuration's queues
    assert report["agents"] >= 4  # the simulated team is on the roster
    for key in ("backend_ready_ms", "live_stats_ms", "chart_drawn_ms"):
        assert report[key] > 0
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_team_lead_self_test_names_the_failed_step() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "--role",
            "teamlead",
            "--self-test",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "WORKSTATION_DEMO_PASSWORD": ""},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 1
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["self_test"] == "failed" and report["step"] == "sign in as the team lead"


def test_self_test_names_the_failed_step() -> None:
    # A misconfigured demo password (empty) makes the sign-in step fail.
    result = _self_test({"WORKSTATION_DEMO_PASSWORD": ""})
    assert result.returncode == 1
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["self_test"] == "failed"
    assert report["step"] == "sign in"
    assert "window_shown_ms" in report and "backend_ready_ms" in report
    assert "self-test failed at step 'sign in'" in result.stderr
