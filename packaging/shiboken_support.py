"""Shiboken's signature support package, compiled at build time for the frozen bundle.

PySide6 keeps `shibokensupport` (13 modules, about 130 KB of Python) inside libshiboken as an
embedded zip of *source*, and on every start, when PySide6.QtCore is first imported, compiles each
module with `compile()`: 15-20 ms on this project's machine, before the window can show. Shiboken
looks for the package first as files in `shiboken6/files.dir` (what it calls "incarnated" files,
normally made by `SBK_EMBED=0` writing into the installed package); if that directory exists it
imports them as ordinary modules, which read cached bytecode. The bundle ships that directory with
the bytecode compiled here (unchecked-hash .pyc: the bundle's files never change, so Python need
not compare them with the sources). The sources go along for tracebacks.
"""

from __future__ import annotations

import importlib.util
import py_compile
import shutil
import sys
from pathlib import Path

#: Where shiboken looks, relative to the bundle's `_internal` (shiboken6/__init__'s directory).
BUNDLE_DIR = "shiboken6/files.dir"


def incarnate(out: Path) -> list[tuple[str, str]]:
    """Write the support package (sources and bytecode for this interpreter) below `out`; returns the
    spec's datas entries (file, destination directory) that put it at BUNDLE_DIR."""
    import PySide6.QtCore  # noqa: F401 - its first import loads the package (shiboken's bootstrap)

    loader = sys.modules["shibokensupport.signature.loader"]
    if out.exists():
        shutil.rmtree(out)
    zfile = getattr(loader.__loader__, "zfile", None)
    if zfile is not None:  # the usual case: loaded from the embedded zip
        for name in zfile.namelist():
            if name.startswith("shibokensupport/") and name.endswith(".py"):
                target = out / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zfile.read(name))
    else:  # this environment already has incarnated files (SBK_EMBED=0): take those
        installed = Path(loader.__file__).resolve().parents[2]
        shutil.copytree(
            installed / "shibokensupport",
            out / "shibokensupport",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    entries: list[tuple[str, str]] = []
    for source in sorted(out.rglob("*.py")):
        cached = Path(importlib.util.cache_from_source(str(source)))
        py_compile.compile(
            str(source),
            cfile=str(cached),
            dfile=f"{BUNDLE_DIR}/{source.relative_to(out).as_posix()}",
            doraise=True,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
        for path in (source, cached):
            entries.append((str(path), f"{BUNDLE_DIR}/{path.parent.relative_to(out).as_posix()}"))
    if not entries:
        raise RuntimeError("shiboken's support package was not found")
    return entries
