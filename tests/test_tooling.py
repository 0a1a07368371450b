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


def test_mypy_strict() -> None:
    result = _run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr


#: Run in a subprocess: a meta-path finder refuses Qt (and records every attempt), pytest-qt is switched
#: off, and the domain tests run; any import of Qt on the way fails them or shows in the record.
QT_FREE_DOMAIN_TESTS = """
import sys
BLOCKED = ("PySide6", "shiboken6", "qasync", "pyqtgraph", "pytestqt")
attempts = []

class NoQt:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            attempts.append(name)
            raise ImportError(f"{name} is blocked: the domain tests must run without Qt")
        return None

for name in list(sys.modules):
    if name.split(".")[0] in BLOCKED:
        del sys.modules[name]
sys.meta_path.insert(0, NoQt())
import pytest

code = pytest.main(["-p", "no:pytest-qt", "-p", "no:cacheprovider", "-q", "tests/unit/domain"])
print("QT IMPORTS:", sorted(set(attempts)))
sys.exit(code)
"""


def test_domain_tests_run_without_qt() -> None:
    result = _run(sys.executable, "-c", QT_FREE_DOMAIN_TESTS)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "QT IMPORTS: []" in result.stdout
    assert " passed" in result.stdout


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
