"""The project's own rules, checked like any other behaviour: lint, types, layers."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def test_import_linter_contracts_hold() -> None:
    result = _run(str(BIN / "lint-imports"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_is_clean() -> None:
    result = _run(str(BIN / "ruff"), "check", "workstation", "tests", "main.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_the_domain() -> None:
    result = _run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


SERVICES = sorted((ROOT / "workstation" / "services").glob("*.py"))


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_services_use_qtcore_only(path: Path) -> None:
    # import-linter cannot forbid submodules of an external package, so this rule is checked here.
    widgets = {name for name in _imports(path) if name.startswith(("PySide6.QtWidgets", "PySide6.QtGui"))}
    assert widgets == set()


def test_domain_imports_without_qt() -> None:
    # The domain must work where PySide6 is absent: import it with PySide6 blocked.
    code = (
        "import sys\n"
        "for blocked in ('PySide6', 'sqlalchemy', 'httpx', 'fastapi'): sys.modules[blocked] = None\n"
        "import pkgutil, importlib, workstation.domain as d\n"
        "for m in pkgutil.walk_packages(d.__path__, 'workstation.domain.'):\n"
        "    importlib.import_module(m.name)\n"
        "print('ok')"
    )
    result = _run(sys.executable, "-c", code)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
