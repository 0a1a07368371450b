"""The queue monitor's history samples on PostgreSQL, where several processes share one table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workstation.server.backend import Backend, BackendConfig
from workstation.server.db import MonitorSampleRow, make_engine
from workstation.server.queue_stats import QueueMonitor

pytestmark = pytest.mark.postgres


def test_a_sample_a_period_after_the_newest_is_stored_and_one_too_soon_is_not(pg_url: str) -> None:
    # Found in the fault soak's backend logs: PostgreSQL returns the newest sample's time with its
    # zone, the new one was compared naive, and every sample after the first raised (TypeError):
    # no history after the first sample, and every process kept finding a sample due.
    engine = make_engine(pg_url)
    try:
        monitor = QueueMonitor(Backend(engine, BackendConfig()))
        assert monitor.shared
        period = timedelta(seconds=monitor.config.sample_s)
        first = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
        cutoff = (first - timedelta(days=1)).timestamp()
        monitor._store_sample(first, {"n": 1}, cutoff)
        monitor._store_sample(first + period, {"n": 2}, cutoff)
        # Another process that found the same sample due a moment later stores none.
        monitor._store_sample(first + period + timedelta(seconds=1), {"n": 3}, cutoff)
        with Session(engine) as db:
            stored = [
                row.data["n"] for row in db.scalars(select(MonitorSampleRow).order_by(MonitorSampleRow.at))
            ]
            assert db.scalar(select(func.count()).select_from(MonitorSampleRow)) == 2
        assert stored == [1, 2]
    finally:
        engine.dispose()
