"""Errors nobody catches reach the log file: Qt slots, threads, and hard crashes (crash.log).

Each case runs in its own interpreter: the hooks are process-wide (and pytest-qt installs its own
while a test runs), and a hard crash ends the process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

PRELUDE = """
import sys, threading
from pathlib import Path
from workstation.domain.redaction import Redactor
from workstation.logs import close_logging, configure_logging, install_crash_handlers

log_dir = Path(sys.argv[1])
configure_logging("info", log_dir, Redactor())
crash_file = install_crash_handlers(log_dir)
"""


def _run(body: str, log_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(body), str(log_dir)],
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.gui
def test_an_exception_raised_in_a_qt_slot_is_logged_with_its_traceback(tmp_path: Path) -> None:
    result = _run(
        """
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        app = QApplication([])

        def on_timer_timeout():
            raise RuntimeError("boom in a slot")

        QTimer.singleShot(0, on_timer_timeout)
        QTimer.singleShot(200, app.quit)
        app.exec()
        print("still running after the slot failed")
        close_logging()
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "still running after the slot failed" in result.stdout
    text = (tmp_path / "workstation.log").read_text(encoding="utf-8")
    assert "CRITICAL workstation.crash: uncaught exception" in text
    assert "in on_timer_timeout" in text  # the traceback, down to the slot
    assert "RuntimeError: boom in a slot" in text


def test_an_exception_in_a_worker_thread_is_logged(tmp_path: Path) -> None:
    result = _run(
        """
        def work():
            raise ValueError("boom in a thread")

        worker = threading.Thread(target=work, name="cache-writer")
        worker.start()
        worker.join()
        close_logging()
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "workstation.log").read_text(encoding="utf-8")
    assert "uncaught exception in thread cache-writer" in text
    assert "ValueError: boom in a thread" in text


def test_a_hard_crash_leaves_every_threads_stack_in_crash_log(tmp_path: Path) -> None:
    result = _run(
        """
        import faulthandler

        def crash_here():
            faulthandler._sigsegv()

        crash_here()
        """,
        tmp_path,
    )
    assert result.returncode != 0
    text = (tmp_path / "crash.log").read_text(encoding="utf-8")
    assert "Fatal Python error: Segmentation fault" in text
    assert "in crash_here" in text
