"""The backend's engine on PostgreSQL: what the code assumes of SQLite holds there too."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from workstation.server.db import MonitorSampleRow, make_engine

pytestmark = pytest.mark.postgres


def test_naive_timestamps_mean_utc_whatever_the_servers_time_zone(pg_url: str) -> None:
    # The queue statistics and the history's paging cursor compare with naive UTC datetimes (as
    # SQLite stores them); the test cluster runs in Pacific/Auckland, so a session time zone other
    # than UTC would shift these comparisons by 13 hours.
    engine = make_engine(pg_url)
    try:
        at = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
        with Session(engine) as db, db.begin():
            db.add(MonitorSampleRow(at=at, data={}))
        with Session(engine) as db:
            naive = at.replace(tzinfo=None)
            assert db.scalar(select(MonitorSampleRow.at).where(MonitorSampleRow.at == naive)) == at
            assert db.scalar(select(MonitorSampleRow.at).where(MonitorSampleRow.at >= naive)) == at
    finally:
        engine.dispose()
