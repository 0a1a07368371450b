"""Write packaging/constraints.txt: the exact versions of the runtime and build dependencies (and
theirs) installed in this environment, so that the frozen build is reproducible.

    .venv/bin/pip install -e '.[build]'          # the versions you want, tested
    .venv/bin/python packaging/freeze_constraints.py
    git diff packaging/constraints.txt           # review, run the tests, commit

`.ci/run` installs with `-c packaging/constraints.txt` before it builds the bundle. Only what the app
and PyInstaller need is listed (not pytest, ruff, …): a test tool's upgrade does not change the bundle.
"""

from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

HERE = Path(__file__).resolve().parent
TARGET = HERE / "constraints.txt"
#: The app's own requirements are read from pyproject.toml (the installed metadata may be older).
PYPROJECT = HERE.parent / "pyproject.toml"
EXTRAS = ("build",)


def own_requirements() -> list[str]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    return [*project["dependencies"], *(r for e in EXTRAS for r in project["optional-dependencies"][e])]


def closure(requirements: list[str]) -> dict[str, str]:
    """Canonical name -> installed version for `requirements`, transitively."""
    pinned: dict[str, str] = {}
    todo: list[tuple[str, list[str], tuple[str, ...]]] = [("pyproject.toml", requirements, ())]
    while todo:
        name, lines, wanted = todo.pop()
        for line in lines:
            req = Requirement(line)
            envs = [{"extra": e} for e in wanted] or [{"extra": ""}]
            if req.marker is not None and not any(req.marker.evaluate(env) for env in envs):
                continue
            key = canonicalize_name(req.name)
            if key in pinned:
                continue
            try:
                pinned[key] = metadata.version(req.name)
            except metadata.PackageNotFoundError:
                sys.exit(f"{req.name} (needed by {name}) is not installed: pip install -e '.[build]' first")
            todo.append((req.name, metadata.distribution(req.name).requires or [], tuple(req.extras)))
    return pinned


def main() -> int:
    pinned = closure(own_requirements())
    lines = [
        "# The frozen build's exact dependency versions. Refresh: see packaging/freeze_constraints.py.",
        f"# Python {sys.version_info.major}.{sys.version_info.minor}, {sys.platform}",
        *(f"{name}=={version}" for name, version in sorted(pinned.items())),
    ]
    TARGET.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{TARGET}: {len(pinned)} packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
