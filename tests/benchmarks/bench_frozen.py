"""Start-up of the frozen build vs. from source: process spawn → main window shown.

    python tests/benchmarks/bench_frozen.py --bundle dist/workstation [--runs 5]

Both start the normal desktop (embedded backend, simulator) in a fresh --basedir, offscreen; the
time runs from spawning the process to the app's "window shown" log line, so it includes the
interpreter (and for the frozen build the bootloader) starting. Runs alternate between the two so
that machine load hits both alike. `packaging/build.py` runs this for its report.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stats import row

ROOT = Path(__file__).resolve().parents[2]


def time_to_window(command: list[str]) -> float:
    base = Path(tempfile.mkdtemp(prefix="bench-frozen-"))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    spawned = time.perf_counter()
    proc = subprocess.Popen(
        [*command, "--basedir", str(base), "--log-level", "info"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    try:
        for line in proc.stderr:
            if re.search(r"window shown after \d+ ms", line):
                return (time.perf_counter() - spawned) * 1000
        raise RuntimeError(f"{command[0]} ended without showing its window (exit {proc.wait()})")
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        shutil.rmtree(base, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "workstation")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    exe = args.bundle / ("workstation-console.exe" if sys.platform == "win32" else "workstation")
    source = [sys.executable, str(ROOT / "main.py")]
    frozen = [str(exe)]
    time_to_window(source), time_to_window(frozen)  # warm the file cache for both, not counted
    from_source: list[float] = []
    from_bundle: list[float] = []
    for _ in range(args.runs):
        from_source.append(time_to_window(source))
        from_bundle.append(time_to_window(frozen))
    row("from source (python main.py)", from_source, "—")
    row("frozen (onedir executable)", from_bundle, "≤ 1.3 × source")
    ratio = statistics.median(from_bundle) / statistics.median(from_source)
    print(f"  frozen / source (medians): {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
