"""Fixtures every test may use: a real reference backend on a loopback port (tests/helpers/backend.py).

Nothing here imports Qt: `pytest -p no:pytestqt tests/unit/domain` runs where PySide6 is absent
(tests/test_tooling.py proves it). The GUI fixtures live in tests/helpers/desk.py, used by the
conftest.py of the GUI test directories.
"""

from __future__ import annotations

import os

# Before anything imports Qt: headless, and the binding pinned (qasync would prefer PyQt).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
# Tests never touch the real keychain: keyring gets its null backend, the app a MemorySecretStore.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from workstation.boot.qt import prepare_webengine_environment

if TYPE_CHECKING:
    from tests.helpers.backend import Backend

prepare_webengine_environment()  # environment variables only; QtWebEngine itself loads lazily


#: pytest-qt's settings in pyproject.toml, declared here when it is switched off (`-p no:pytest-qt`, the
#: Qt-free run), so that --strict-config still accepts them.
QT_PLUGIN_SETTINGS = ("qt_api", "qt_log_level_fail", "qt_log_ignore")


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    if not pluginmanager.has_plugin("pytest-qt"):
        for name in QT_PLUGIN_SETTINGS:
            parser.addini(name, "pytest-qt's (switched off in this run)", type="linelist")


@pytest.fixture(autouse=True)
def _garbage_collected_on_the_main_thread() -> Iterator[None]:
    """Once the GUI tests started a GuiThreadCollector, Python collects nothing by itself; garbage is
    collected when Qt's loop runs, and here between tests (on the main thread, as it must be)."""
    yield
    if not gc.isenabled():  # only after a GUI test disabled it: Qt is loaded then
        from workstation.ui.collector import collect_due

        collect_due()


@pytest.fixture
def offer_timeout() -> float:
    """Override in a test module (or with parametrize) for timeout tests."""
    return 30.0


@pytest.fixture
def backend(tmp_path: Path, offer_timeout: float) -> Iterator[Backend]:
    # Imported here: the server (FastAPI, SQLAlchemy) loads only for the tests that run one.
    from tests.helpers.backend import serving, start_server

    with serving(start_server(tmp_path / "backend", offer_timeout=offer_timeout)) as helper:
        yield helper
