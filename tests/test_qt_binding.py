"""The Qt binding itself: defects of a PySide6 release that would take the desktop down."""

from __future__ import annotations

import subprocess
import sys

EMITS = """
import sys
from PySide6.QtCore import QCoreApplication, QObject, Signal

app = QCoreApplication([])

class Source(QObject):
    changed = Signal(str, int)

source = Source()
source.changed.connect(lambda text, number: None)
before = sys.getrefcount(True)
for _ in range(20_000):
    source.changed.emit("x", 1)
print(sys.getrefcount(True) - before)
"""


def test_emitting_signals_keeps_pythons_reference_counts() -> None:
    # PySide6 6.12.0 drops a reference to True on every emit(): after a few thousand signals the
    # interpreter aborts ("bool_dealloc: deallocating True or False"). Run apart, so that a broken
    # binding fails this test instead of the whole session.
    result = subprocess.run(
        [sys.executable, "-c", EMITS], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-500:]
    assert result.stdout.strip() == "0"
