"""The heap start-up freed goes back to the system once the desk is signed in (settle_memory)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

#: In a fresh interpreter: 100 MB in 4 KB blocks (C malloc, not Python's small-object arenas), a
#: block allocated after them so the heap cannot simply shrink from its top, then all but that one
#: freed. Resident memory before and after release_free_heap(), in MB.
PROBE = """
from workstation.boot.wiring import release_free_heap

def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20

blocks = [bytes(4096) for _ in range(25_600)]
pinned = bytes(4096)
del blocks
before = rss()
released = release_free_heap()
print(released, before, rss())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim: Linux only")
def test_freed_heap_is_handed_back_to_the_system() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    released, before, after = out[0] == "True", float(out[1]), float(out[2])
    assert released
    assert before - after > 50, (before, after)
