"""A real PostgreSQL for the `postgres` tests: one cluster per session, a database per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.postgres.pg_server import PostgresServer, find_bindir


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql)")
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
