"""A stopped embedded backend closes every PostgreSQL connection, even one a worker thread still held
when it stopped (it used to be collected unclosed later: psycopg's __del__ warning in another test)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from workstation.server.db import make_engine
from workstation.server.runner import dispose_when_idle

pytestmark = pytest.mark.postgres


def hold_a_connection(engine: Any) -> tuple[threading.Thread, threading.Event, list[Any]]:
    held, release, box = threading.Event(), threading.Event(), []

    def worker() -> None:
        with engine.connect() as conn:
            box.append(conn.connection.driver_connection)
            held.set()
            release.wait(10)

    thread = threading.Thread(target=worker)
    thread.start()
    assert held.wait(10)
    return thread, release, box


def test_a_plain_dispose_leaves_a_connection_handed_back_later_open(pg_url: str) -> None:
    # The mechanism of the leak: what the fix below is for.
    engine = make_engine(pg_url)
    thread, release, box = hold_a_connection(engine)
    engine.dispose()
    release.set()
    thread.join(10)
    try:
        assert not box[0].closed
    finally:
        box[0].close()
        engine.dispose()


def test_dispose_when_idle_waits_for_the_worker_and_closes_its_connection(pg_url: str) -> None:
    engine = make_engine(pg_url)
    thread, release, box = hold_a_connection(engine)
    threading.Timer(0.2, release.set).start()
    dispose_when_idle(engine)
    thread.join(10)
    assert box[0].closed
