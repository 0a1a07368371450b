"""Start-up of the frozen build vs. from source vs. a bare Qt window: process spawn → window painted.

    python tests/benchmarks/bench_frozen.py --bundle dist/workstation [--runs 5]

The app starts the normal desktop (embedded backend, simulator) with --temp-basedir, offscreen; the
time runs from spawning the process to its "window shown" log line (the first paint), so it
includes the interpreter (and for the frozen build the bootloader) starting. The floor is a bare
script in the same Python: import PySide6, create the QApplication, show an empty QMainWindow (the
same signal, see startup_timing.py). Runs alternate between the three so that machine load hits
all alike. `packaging/build.py` runs this for its report.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup_timing import bare_qt_command, bytecode_env, time_to_window
from stats import pct, row

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "workstation")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    exe = args.bundle / ("workstation-console.exe" if sys.platform == "win32" else "workstation")
    app_args = ["--temp-basedir", "--log-level", "info"]
    commands = {
        "bare Qt (same python, empty QMainWindow)": bare_qt_command(sys.executable),
        "from source (python main.py)": [sys.executable, str(ROOT / "main.py"), *app_args],
        "frozen (onedir executable)": [str(exe), *app_args],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    with bytecode_env() as env:
        for command in commands.values():  # warm the file and bytecode caches, not counted
            time_to_window(command, ROOT, env)
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(time_to_window(command, ROOT, env)[0])
    bare, source, frozen = times.values()
    targets = ("—", "≤ 2.0 × bare (median)", "≤ 2.0 × bare (median)")
    for (name, values), target in zip(times.items(), targets, strict=True):
        row(name, values, target)
    for name, values in (("source", source), ("frozen", frozen)):
        print(
            f"  {name} / bare Qt: median {statistics.median(values) / statistics.median(bare):.2f}, "
            f"p95 {pct(values, 95) / pct(bare, 95):.2f}"
        )
    print(f"  frozen / source (medians): {statistics.median(frozen) / statistics.median(source):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
