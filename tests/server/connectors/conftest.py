"""Fixtures: one real `trytond` per test session, serving fresh copies of one initialised database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.connectors.tryton_server import TrytonServer, initialise

#: Databases served by the session's trytond; each test that needs a clean one takes one.
DATABASES = 11


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
