"""The event log on PostgreSQL: seq in commit order, so a reader resuming by seq never skips one."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from workstation.domain.models import EventFrame, utcnow
from workstation.server.db import EventLogRow, Meta, make_engine
from workstation.server.fanout import EventFanout

WRITERS = 4
TRANSACTIONS = 40


class RecordingHub:
    def __init__(self) -> None:
        self.seqs: list[int] = []
        self.threads: set[int] = set()

    def publish(self, frames: list[tuple[str, EventFrame]]) -> None:
        self.seqs += [frame.seq for _audience, frame in frames]
        self.threads.add(threading.get_ident())


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
                    # A transaction whose other work takes a while, or fails: the log's seq must
                    # still become visible in order (without the ordering lock a later transaction
                    # would take a higher seq and commit first, and the reader would pass it by).
                    db.add(Meta(key=f"probe-{seed}-{i}", value="other work"))
                    db.flush()
                    time.sleep(rng.uniform(0, 0.01))
                    if rng.random() < 0.1:
                        db.rollback()
                    else:
                        fanout.commit(db, rows)
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
            rows = [EventLogRow(at=utcnow(), audience="*", type="probe", data={}) for _ in range(2)]
            fanout.commit(db, rows)
        with Session(engine) as db:
            committed = list(db.scalars(select(EventLogRow.seq).order_by(EventLogRow.seq)))
        assert hub.seqs == committed and len(committed) == 2
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_the_log_lock_is_taken_and_released_in_one_round_trip(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Log-writing commits of all processes pass the lock one at a time: any round trip its holder
    # made between taking it and committing was waited for by every other writer. Now the lock,
    # the NOTIFY, the insert and the commit go to the server as one batch.
    import psycopg

    engine = make_engine(pg_url)
    statements: list[str] = []
    batches: list[str] = []
    real_execute = psycopg.ClientCursor.execute

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    def batch(cursor: Any, query: Any, params: Any = None, **kwargs: Any) -> Any:
        batches.append(str(query))
        return real_execute(cursor, query, params, **kwargs)

    monkeypatch.setattr(psycopg.ClientCursor, "execute", batch)
    event.listen(engine, "before_cursor_execute", seen)
    hub = RecordingHub()
    try:
        with Session(engine) as db:
            db.add(Meta(key="probe", value="other work"))
            db.flush()
            data = {"text": 'it\'s "quoted"; DROP TABLE event_log; --', "n": [1, None]}
            rows = [EventLogRow(at=utcnow(), audience="a-1", type="probe", data=data) for _ in range(3)]
            EventFanout(engine, hub).commit(db, rows)  # type: ignore[arg-type]
        reader = EventFanout(engine, hub)  # type: ignore[arg-type]
        assert reader.deliver() == 3
        with Session(engine) as db:
            assert db.get(Meta, "probe") is not None  # the transaction's other work committed with it
            assert list(db.scalars(select(EventLogRow.data))) == [data] * 3
    finally:
        event.remove(engine, "before_cursor_execute", seen)
        engine.dispose()  # an open pooled connection left to the garbage collector is a ResourceWarning
    assert not any("pg_advisory_xact_lock" in s for s in statements)
    (one,) = batches
    assert one.startswith("SELECT pg_advisory_xact_lock") and "pg_notify" in one
    assert one.rstrip().endswith("COMMIT")
    assert hub.seqs == sorted(hub.seqs) and len(hub.seqs) == 3


@pytest.mark.postgres
def test_a_failed_log_batch_commits_nothing_and_reads_as_a_database_error(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        with Session(engine) as db:
            db.add(Meta(key="probe", value="other work"))
            db.flush()
            too_long = EventLogRow(at=utcnow(), audience="x" * 65, type="probe", data={})  # String(64)
            with pytest.raises(DBAPIError):
                EventFanout(engine, RecordingHub()).commit(db, [too_long])  # type: ignore[arg-type]
            db.rollback()
            # The session and its connection are usable again, and nothing of the transaction committed.
            assert db.scalar(select(func.count()).select_from(EventLogRow)) == 0
            assert db.get(Meta, "probe") is None
            EventFanout(engine, RecordingHub()).commit(  # type: ignore[arg-type]
                db, [EventLogRow(at=utcnow(), audience="*", type="probe", data={})]
            )
        with Session(engine) as db:
            assert list(db.scalars(select(EventLogRow.type))) == ["probe"]
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_the_tailer_reads_the_log_off_the_event_loop_and_hands_it_to_the_loop(pg_url: str) -> None:
    # On the loop, each read blocked every stream and request of the process for its round trips.
    engine = make_engine(pg_url)
    hub = RecordingHub()
    tailer = EventFanout(engine, hub)  # type: ignore[arg-type]
    readers: list[int] = []
    real_read = tailer._read_after

    def read(seq: int) -> list[tuple[str, EventFrame]]:
        readers.append(threading.get_ident())
        return real_read(seq)

    tailer._read_after = read  # type: ignore[method-assign]

    def write() -> None:
        with Session(engine) as db:
            rows = [EventLogRow(at=utcnow(), audience="*", type="probe", data={}) for _ in range(2)]
            EventFanout(engine, RecordingHub()).commit(db, rows)  # type: ignore[arg-type]

    async def scenario() -> int:
        task = asyncio.create_task(tailer.run())
        try:
            async with asyncio.timeout(15):
                while not readers:  # started: it delivers what commits from now on
                    await asyncio.sleep(0.05)
                await asyncio.to_thread(write)
                while len(hub.seqs) < 2:
                    await asyncio.sleep(0.05)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        return threading.get_ident()

    try:
        loop_thread = asyncio.run(scenario())
        with Session(engine) as db:
            assert hub.seqs == list(db.scalars(select(EventLogRow.seq).order_by(EventLogRow.seq)))
    finally:
        engine.dispose()
    assert readers and loop_thread not in readers
    assert hub.threads == {loop_thread}  # the hub and its streams are the loop's
