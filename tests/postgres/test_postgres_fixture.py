"""The PostgreSQL fixture itself: a real server, a fresh database per test."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.postgres


def test_each_test_gets_its_own_empty_database(pg_url: str) -> None:
    engine = create_engine(pg_url)
    try:
        with engine.begin() as conn:
            assert conn.scalar(text("SELECT current_database()")) == pg_url.rsplit("/", 1)[1]
            assert conn.scalar(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")) == 0
            conn.execute(text("CREATE TABLE probe (x int)"))
            assert conn.scalar(text("SHOW server_version_num")) >= "150000"
    finally:
        engine.dispose()
