"""Starting another copy of this program as a helper process (the embedded backend, the ranking process).

From source, a helper is `python -m <module>`; frozen, the bundle has no other interpreter, so it is the
bundle itself with a first argument that main.py dispatches on (`server`, `ranker`). Both kinds of helper
get the same start: this checkout on their module path, unbuffered output, and their own process group
(Ctrl+C in a terminal goes to the desktop, which stops its helpers) or, on Windows, no console window.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

#: The checkout or installed tree this package runs from (`-m workstation.…` must find it, whatever the cwd).
_ROOT = Path(__file__).resolve().parents[1]


def own_command(module: str, frozen_command: str) -> list[str]:
    """How to run `python -m module` here: frozen, `<bundle> frozen_command`."""
    if getattr(sys, "frozen", False):
        exe = Path(sys.executable)
        # Windows: the windowed workstation.exe may have no usable stdio; its console twin (in the
        # same bundle) has, and CREATE_NO_WINDOW keeps its console from showing.
        console = exe.with_name("workstation-console.exe")
        if sys.platform == "win32" and console.is_file():
            exe = console
        return [str(exe), frozen_command]
    return [sys.executable, "-m", module]


def helper_environment(argv: list[str], extra: dict[str, str] | None = None) -> dict[str, str]:
    """The helper's environment: ours, plus `extra`, unbuffered output, and (for `-m` from source)
    this package's root on PYTHONPATH."""
    env = {**os.environ, **(extra or {})}
    if argv[:2] == [sys.executable, "-m"] and not getattr(sys, "frozen", False):
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def helper_popen_options(background: bool = False) -> dict[str, Any]:
    """`subprocess.Popen` options that keep a helper out of the terminal's Ctrl+C and off the screen;
    `background`: on Windows, below normal priority from the start (elsewhere the helper lowers
    itself: workstation/priority.py)."""
    if sys.platform == "win32":
        flags = subprocess.CREATE_NO_WINDOW  # no console next to a windowed desk
        if background:
            flags |= subprocess.BELOW_NORMAL_PRIORITY_CLASS
        return {"creationflags": flags}
    # Not in the terminal's process group: Ctrl+C goes to the desktop, which stops its helpers.
    return {"start_new_session": True}
