"""The cache's single writer thread: jobs run off the caller's thread, one at a time, in the order they
were submitted; closing runs what is queued; a migration at open runs there too and reports progress."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import event

from workstation.domain.models import Message, utcnow
from workstation.store import migrate
from workstation.store.cache import SCHEMA_VERSION, CacheStore, new_key, open_engine, open_store
from workstation.store.writer import CacheWriter, WriterClosed

DATA = Path(__file__).with_name("data")


def test_jobs_run_on_one_other_thread_in_submission_order() -> None:
    writer = CacheWriter()
    started = threading.Event()
    release = threading.Event()
    seen: list[tuple[int, int]] = []

    def first() -> None:
        started.set()
        release.wait(10)  # the others queue up behind it meanwhile
        seen.append((0, threading.get_ident()))

    writer.submit(first)
    started.wait(10)
    futures = [writer.submit(lambda i=i: seen.append((i, threading.get_ident()))) for i in range(1, 50)]
    assert seen == []  # nothing overtook the running job
    release.set()
    for future in futures:
        future.result(10)
    writer.close()
    assert [i for i, _ in seen] == list(range(50))
    assert {thread for _, thread in seen} == {writer.thread_id}
    assert writer.thread_id != threading.get_ident()


def test_a_failing_job_reports_its_error_and_the_writer_carries_on() -> None:
    writer = CacheWriter()

    def broken() -> None:
        raise sqlite3.OperationalError("disk I/O error")

    failed = writer.submit(broken)
    after = writer.submit(lambda: "still writing")
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        failed.result(10)
    assert after.result(10) == "still writing"
    writer.close()


def test_close_runs_every_queued_job_and_refuses_later_ones() -> None:
    writer = CacheWriter()
    gate = threading.Event()
    done: list[int] = []
    writer.submit(gate.wait, 10)
    futures = [writer.submit(done.append, i) for i in range(20)]
    gate.set()
    writer.close()  # returns only when the queue is empty
    assert done == list(range(20)) and all(f.done() for f in futures)
    with pytest.raises(WriterClosed):
        writer.submit(done.append, 99)
    writer.close()  # twice is fine


def test_a_job_submitting_another_runs_it_in_place_instead_of_waiting_for_itself() -> None:
    writer = CacheWriter()
    inner = writer.submit(lambda: writer.submit(lambda: threading.get_ident()).result(1))
    assert inner.result(10) == writer.thread_id
    writer.close()


def test_store_writes_commit_on_the_writer_thread_and_are_durable_when_the_future_is_done(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cache.sqlite3"
    store = CacheStore(open_engine(path))
    commits: list[int] = []
    event.listen(store.engine, "commit", lambda _conn: commits.append(threading.get_ident()))
    keys = []
    futures = []
    for i in range(30):
        key = new_key()
        local = Message(
            id=f"local:{key}",
            conversation_id="cv-1",
            sender="agent",
            text=f"m{i}",
            at=utcnow(),
            client_key=key,
        )
        keys.append(key)
        futures.append(
            store.writes.submit(
                store.enqueue, "message", {"text": f"m{i}"}, target="cv-1", local_message=local, key=key
            )
        )
    futures[-1].result(10)
    # Another connection (another process, after a crash) sees every write, in the order submitted.
    with sqlite3.connect(path) as raw:
        stored = [k for (k,) in raw.execute("SELECT key FROM outbox ORDER BY id")]
    assert stored == keys
    assert commits and set(commits) == {store.writes.thread_id} != {threading.get_ident()}
    store.close()


def test_closing_the_store_commits_what_is_queued_first(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    store = CacheStore(open_engine(path))
    for i in range(10):
        store.writes.submit(store.set_value, f"k{i}", i)
    store.close()
    again = CacheStore(open_engine(path))
    assert [again.get_value(f"k{i}") for i in range(10)] == list(range(10))
    again.close()


def test_an_old_cache_is_migrated_on_the_writer_thread_with_progress(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    shutil.copy(DATA / "cache-schema1.sqlite3", path)
    steps: list[tuple[str, int]] = []
    future = open_store(path, progress=lambda step: steps.append((step, threading.get_ident())))
    store = future.result(60)
    assert [s for s, _ in steps] == [migrate.BACKUP, migrate.MIGRATE, migrate.DONE]
    assert {t for _, t in steps} == {store.writes.thread_id} != {threading.get_ident()}
    assert store.get_value("schema_version") == SCHEMA_VERSION
    assert store.conversations()  # the data came along
    store.close()
    # At the head already: nothing to report the next time.
    steps.clear()
    open_store(path, progress=lambda step: steps.append((step, 0))).result(60).close()
    assert steps == []


def test_a_cache_that_cannot_be_opened_fails_the_future_and_stops_its_writer(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    path.write_bytes(b"<html>not a database</html>" * 100)
    threads = threading.active_count()
    with pytest.raises(Exception, match=r"not a database|file is not"):
        open_store(path).result(60)
    for _ in range(500):  # the writer thread ends right after the failed job
        if threading.active_count() <= threads:
            break
        threading.Event().wait(0.01)
    assert threading.active_count() <= threads
