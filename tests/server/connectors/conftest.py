"""Fixtures: one real `trytond` per test session, serving fresh copies of one initialised database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.connectors.rt_server import RTServer
from tests.server.connectors.tryton_server import TrytonServer, initialise

#: Databases served by the session's trytond; each test that needs a clean one takes one.
DATABASES = 24


@pytest.fixture(scope="session")
def tryton_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return initialise(tmp_path_factory.mktemp("tryton-template"))


@pytest.fixture(scope="session")
def tryton(tryton_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrytonServer]:
    server = TrytonServer(
        tmp_path_factory.mktemp("tryton"), tryton_template, [f"t{i}" for i in range(DATABASES)]
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def rt_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Request Tracker's database, initialised once per session: (file, the integration token)."""
    import os

    from tests.server.connectors import rt_server

    if not rt_server.available():
        message = "Request Tracker 5 is not installed (request-tracker5, rt5-standalone, rt5-db-sqlite)"
        if os.environ.get("CI"):
            pytest.fail(message)  # a server test is never skipped in CI
        pytest.skip(message)
    return rt_server.initialise(tmp_path_factory.mktemp("rt-template"))


@pytest.fixture
def rt(rt_template: tuple[Path, str], tmp_path: Path) -> Iterator[RTServer]:
    """A real `rt-server` of its own per test (starts in ~2 s) on a copy of the template."""
    server = RTServer(tmp_path / "rt", *rt_template)
    server.start()
    yield server
    server.stop()
