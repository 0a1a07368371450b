"""The cache's schema migrations: head equals the models, and old caches are upgraded, not dropped."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from workstation.domain.models import TimelineEvent, utcnow
from workstation.domain.timeline import TimelineFilter
from workstation.store import migrate
from workstation.store.cache import SCHEMA_VERSION, Base, CacheStore, open_engine

DATA = Path(__file__).with_name("data")
LEGACY = DATA / "cache-schema1.sqlite3"
#: Caches written by earlier releases, each with the schema_version it had (before Alembic).
RELEASES = [(DATA / "cache-schema1.sqlite3", "1"), (DATA / "cache-schema2.sqlite3", "2")]


def _context(connection: Connection) -> MigrationContext:
    return MigrationContext.configure(connection, opts={"include_name": migrate.include_name})


def test_migrating_an_empty_file_gives_exactly_the_models_schema(tmp_path: Path) -> None:
    # A schema change in cache.py without a revision (or a revision that differs from the models)
    # fails here: write a revision with the command in workstation/store/migrations/alembic.ini.
    engine = open_engine(tmp_path / "cache.sqlite3")
    with engine.connect() as connection:
        assert migrate.current(connection) == migrate.head()
        diff = compare_metadata(_context(connection), Base.metadata)
    assert diff == []


def test_head_number_is_the_schema_version_old_builds_compare_with() -> None:
    assert int(migrate.head()) == SCHEMA_VERSION


@pytest.mark.parametrize(("made", "version"), RELEASES, ids=["schema1", "schema2"])
def test_cache_made_before_migrations_is_upgraded_with_all_its_data(
    tmp_path: Path, made: Path, version: str
) -> None:
    path = tmp_path / "cache.sqlite3"
    shutil.copy(made, path)
    store = CacheStore(open_engine(path))
    # what the agent saw and did before the update is all still there
    assert store.stream_position() == ("log-legacy", 42)
    customer = store.customer("c-1")
    assert customer is not None and customer.email == "jana@example.org"
    assert [e.id for e in store.timeline("c-1")] == ["e0", "e1", "e2", "e3", "e4"]
    # the history's columns are filled from each event (in SQL paging), whichever release made it
    assert [(e.id, e.kind, e.summary) for e in store.timeline_page("c-1", limit=2)] == [
        ("e0", "page_view", "Seite 0"),
        ("e1", "page_view", "Seite 1"),
    ]
    entries = store.transcript("cv-1")
    assert [(e.message.text, e.delivery) for e in entries] == [
        ("Wo ist mein Paket?", "sent"),
        ("Ich schaue nach", "pending"),
    ]
    pending = store.pending()
    assert [(i.kind, i.payload) for i in pending] == [
        ("message", {"text": "Ich schaue nach"}),
        ("presence", {"presence": "away"}),
    ]
    assert pending[0].key == "k-pending"
    ((failed, reason),) = store.failed()
    assert failed.payload == {"wrapup_code": "nope"} and "nope" in reason
    assert store.get_value("wrapup_codes") == [{"code": "resolved", "label": "Resolved"}]
    # and the new parts of the schema work on it
    store.enqueue("note_create", {"text": "Ruft abends an"}, target="c-1")
    assert [i.kind for i in store.pending()][-1] == "note_create"
    with store.engine.connect() as connection:
        assert migrate.current(connection) == migrate.head()
        assert (
            compare_metadata(
                _context(connection),
                Base.metadata,
            )
            == []
        )
    store.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not migrate.backup_path(path).exists()


def test_an_interrupted_migration_is_restored_from_its_copy_and_retried(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    shutil.copy(LEGACY, path)
    # A migration that died half way: the copy taken before it is still beside a damaged file.
    shutil.copy(LEGACY, migrate.backup_path(path))
    with sqlite3.connect(path) as raw:
        raw.execute("DROP TABLE outbox")
    store = CacheStore(open_engine(path))
    assert [i.kind for i in store.pending()] == ["message", "presence"]
    assert not migrate.backup_path(path).exists()
    store.close()


def test_a_cache_from_a_newer_build_is_refused_and_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    CacheStore(open_engine(path)).close()
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = '9999'")
    before = path.read_bytes()
    with pytest.raises(migrate.NewerCacheError, match="newer version"):
        open_engine(path)
    assert path.read_bytes() == before


@pytest.mark.parametrize(("made", "version"), RELEASES, ids=["schema1", "schema2"])
def test_legacy_files_are_really_what_those_releases_wrote(made: Path, version: str) -> None:
    # The fixtures must stay what earlier releases wrote: no alembic_version, their schema_version.
    engine = create_engine(f"sqlite:///{made}")
    with engine.connect() as connection:
        assert migrate.current(connection) is None
        assert (
            connection.exec_driver_sql("SELECT value FROM kv WHERE key='schema_version'").scalar() == version
        )
    engine.dispose()


SCHEMA3 = DATA / "cache-schema3.sqlite3"


def test_a_cache_from_before_the_search_index_keeps_its_history_and_searches_all_of_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cache.sqlite3"
    shutil.copy(SCHEMA3, path)
    store = CacheStore(open_engine(path))
    # every event is still there, in order, with its open story and the stream position
    assert store.timeline_count("c-1") == 300
    pages, before = [], None
    while page := store.timeline_page("c-1", before=before, limit=64):
        pages += page
        before = page[-1]
    assert [e.id for e in pages] == [f"h{i:03d}" for i in range(300)]
    assert store.open_stories("c-1") == {"order:5120"}
    assert store.stream_position() == ("log-3", 7)
    # the events cached before the upgrade are in the new full-text index (umlauts folded, prefixes)
    found = store.timeline_page("c-1", where=TimelineFilter(text="lieferverzog"), limit=500)
    assert [e.id for e in found] == [f"h{i:03d}" for i in range(0, 300, 4)]
    assert {e.id for e in store.timeline_page("c-1", where=TimelineFilter(text="Streik"), limit=500)} == {
        f"h{i:03d}" for i in range(1, 300, 4)
    }
    # and events written after it are indexed by the triggers
    new = TimelineEvent(
        id="new",
        customer_id="c-1",
        at=utcnow(),
        channel="phone",
        kind="contact",
        summary="Rückruf Öffnungszeit",
    )
    store.writes.submit(store.apply, events=[new]).result()
    assert [e.id for e in store.timeline_page("c-1", where=TimelineFilter(text="ruckruf offnung"))] == ["new"]
    with store.engine.connect() as connection:
        assert migrate.current(connection) == migrate.head()
        assert compare_metadata(_context(connection), Base.metadata) == []
    store.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # FTS5's own check: raises (SQLITE_CORRUPT_VTAB) when the index and the events disagree
        raw.execute("INSERT INTO timeline_fts(timeline_fts, rank) VALUES ('integrity-check', 1)")


def test_the_schema3_file_is_really_what_revision_0003_wrote() -> None:
    engine = create_engine(f"sqlite:///{SCHEMA3}")
    with engine.connect() as connection:
        assert migrate.current(connection) == "0003"
        assert connection.exec_driver_sql("SELECT count(*) FROM timeline_events").scalar() == 300
    engine.dispose()
