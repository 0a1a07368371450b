"""The event log on PostgreSQL: seq in commit order, so a reader resuming by seq never skips one."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from workstation.domain.models import EventFrame, utcnow
from workstation.server.db import EventLogRow, make_engine
from workstation.server.fanout import EventFanout

WRITERS = 4
TRANSACTIONS = 40


class RecordingHub:
    def __init__(self) -> None:
        self.seqs: list[int] = []

    def publish(self, frames: list[tuple[str, EventFrame]]) -> None:
        self.seqs += [frame.seq for _audience, frame in frames]


@pytest.mark.postgres
def test_a_tailing_reader_sees_every_committed_seq_once_in_order_while_writers_overlap(pg_url: str) -> None:
    engine = make_engine(pg_url)
    hub = RecordingHub()
    reader = EventFanout(engine, hub)  # type: ignore[arg-type]
    done = threading.Event()
    errors: list[BaseException] = []

    def write(seed: int) -> None:
        rng = random.Random(seed)
        fanout = EventFanout(engine, RecordingHub())  # type: ignore[arg-type]
        try:
            for i in range(TRANSACTIONS):
                with Session(engine) as db:
                    rows = [
                        EventLogRow(at=utcnow(), audience="*", type="probe", data={"w": seed, "i": i})
                        for _ in range(rng.randint(1, 3))
                    ]
                    fanout.write(db, rows)
                    # Committing late, or not at all: without the ordering lock a later transaction
                    # would take a higher seq and commit first, and the reader would pass this one by.
                    time.sleep(rng.uniform(0, 0.01))
                    if rng.random() < 0.1:
                        db.rollback()
                    else:
                        db.commit()
        except BaseException as exc:
            errors.append(exc)

    def read() -> None:
        try:
            while not done.is_set():
                reader.deliver()
        except BaseException as exc:
            errors.append(exc)

    writers = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    tail = threading.Thread(target=read)
    tail.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(120)
    done.set()
    tail.join(30)
    reader.deliver()
    try:
        assert errors == []
        with Session(engine) as db:
            committed = list(db.scalars(select(EventLogRow.seq).order_by(EventLogRow.seq)))
        assert len(committed) > WRITERS * TRANSACTIONS // 2
        assert hub.seqs == committed
    finally:
        engine.dispose()


def test_on_sqlite_the_hub_gets_the_frames_at_the_commit(tmp_path: Any) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    hub = RecordingHub()
    fanout = EventFanout(engine, hub)  # type: ignore[arg-type]
    try:
        assert not fanout.shared
        with Session(engine) as db:
            rows = [EventLogRow(at=utcnow(), audience="*", type="probe", data={})]
            fanout.write(db, rows)
            db.commit()
            frame = EventFrame(seq=rows[0].seq, type="probe", at=rows[0].at, data={})
        fanout.committed([("*", frame)])
        assert hub.seqs == [rows[0].seq]
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_the_log_lock_is_held_for_the_insert_and_the_commit_only(pg_url: str) -> None:
    # Log-writing commits of all processes pass the lock one at a time: each round trip its holder
    # makes is waited for by every other writer. The lock and the NOTIFY go in one statement.
    engine = make_engine(pg_url)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with Session(engine) as db:
            EventFanout(engine, RecordingHub()).write(  # type: ignore[arg-type]
                db, [EventLogRow(at=utcnow(), audience="*", type="probe", data={}) for _ in range(3)]
            )
            db.commit()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
        engine.dispose()  # an open pooled connection left to the garbage collector is a ResourceWarning
    locked = [i for i, s in enumerate(statements) if "pg_advisory_xact_lock" in s]
    assert len(locked) == 1
    after = statements[locked[0] :]
    assert "pg_notify" in after[0]
    assert [s.split()[0].upper() for s in after[1:]] == ["INSERT"]
