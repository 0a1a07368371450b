"""Process spawn → main window shown, for the app and for a bare Qt window in the same interpreter.

Both print the same signal, a "window shown after N ms" line on stderr at the main window's first
paint, and the time runs from spawning the process to reading that line: interpreter (or bootloader)
start, imports, the window and its first paint. `bench_skeleton.py` and `bench_frozen.py` use it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

#: The floor: import PySide6, create the QApplication, show an empty QMainWindow, report its first paint
#: exactly as the app does (workstation.boot.window.FirstPaint), then quit.
BARE_QT_SCRIPT = """\
import time
started = time.perf_counter()
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and not self.property("seen"):
            self.setProperty("seen", True)
            ms = (time.perf_counter() - started) * 1000
            print(f"window shown after {ms:.0f} ms", file=sys.stderr, flush=True)
            QTimer.singleShot(0, app.quit)
        return False


app = QApplication(sys.argv[:1])
window = QMainWindow()
first_paint = FirstPaint()
window.installEventFilter(first_paint)
window.show()
app.exec()
"""

SHOWN = re.compile(r"window shown after (\d+) ms")
#: The app's log line once signed in: the GUI thread's longest stall since the first paint.
STALLED = re.compile(r"stalled at most (\d+) ms between the first paint")


def bare_qt_command(python: str) -> list[str]:
    return [python, "-c", BARE_QT_SCRIPT]


def time_to_window(
    command: list[str],
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = 60.0,
    *,
    until_signed_in: bool = False,
) -> tuple[float, float, float | None]:
    """(spawn → "window shown" line, the process's own figure, and with `until_signed_in` the longest
    GUI stall from the first paint to sign-in) in ms; offscreen, fresh TMPDIR.

    The app runs with --temp-basedir: its temporary directory goes below a TMPDIR of our own, removed
    afterwards, because the process is terminated (not closed) once its window is shown.
    """
    tmp = Path(tempfile.mkdtemp(prefix="bench-start-"))
    env = {**(os.environ if env is None else env), "QT_QPA_PLATFORM": "offscreen", "TMPDIR": str(tmp)}
    spawned = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    try:
        deadline = time.monotonic() + timeout
        shown: tuple[float, float] | None = None
        for line in proc.stderr:
            match = SHOWN.search(line)
            if match and shown is None:
                shown = (time.perf_counter() - spawned) * 1000, float(match.group(1))
                if not until_signed_in:
                    return (*shown, None)
            stalled = STALLED.search(line)
            if stalled and shown is not None:
                return (*shown, float(stalled.group(1)))
            if time.monotonic() > deadline:
                break
        raise RuntimeError(f"{command[:3]} ended without showing its window (exit {proc.poll()})")
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def bytecode_env() -> Iterator[dict[str, str]]:
    """The environment to time start-up in: bytecode cached (in a directory of our own, not the tree).

    With PYTHONDONTWRITEBYTECODE set (as in this project's shells), every start would compile our
    modules from source, which an installed app never does; run once to warm this cache first.
    """
    cache = Path(tempfile.mkdtemp(prefix="bench-pycache-"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    try:
        yield env
    finally:
        shutil.rmtree(cache, ignore_errors=True)
