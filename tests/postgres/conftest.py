"""A real PostgreSQL for the `postgres` tests: one cluster per session, a database per test."""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.helpers.backend import Backend, serving, start_server
from tests.postgres.pg_server import PostgresServer, find_bindir


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bindir = find_bindir()
    if bindir is None:
        message = "PostgreSQL is not installed (Debian: apt-get install postgresql; .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)  # a server test is never skipped in CI
        pytest.skip(message)
    server = PostgresServer(bindir)
    try:
        server.start()
    except Exception as exc:
        server.stop()
        raise RuntimeError(f"PostgreSQL did not start: {exc}\n{server.log_tail()}") from exc
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh empty database on the session's PostgreSQL (its SQLAlchemy URL)."""
    url = postgres_server.create_database()
    try:
        yield url
    finally:
        postgres_server.drop_database(url)


@pytest.fixture
def backend(tmp_path: Path, offer_timeout: float, pg_url: str) -> Iterator[Backend]:
    """The `backend` of tests/conftest.py on PostgreSQL: the scenario modules re-exported here run on it."""
    server = start_server(tmp_path / "backend", offer_timeout=offer_timeout, db_url=pg_url)
    assert server.backend is not None and server.backend.engine.dialect.name == "postgresql"
    with serving(server) as helper:
        yield helper


def scenarios_of(module: ModuleType) -> dict[str, Any]:
    """A test module's names for a module here to re-export: its fixtures and helpers, and those of its
    tests that run on the `backend` fixture (the ones that start their own SQLite server are left out)."""
    names: dict[str, Any] = {}
    for name, value in vars(module).items():
        if name.startswith("__") or name == "pytestmark":
            continue
        if (
            name.startswith("test_")
            and callable(value)
            and "backend" not in inspect.signature(value).parameters
        ):
            continue
        names[name] = value
    return names
