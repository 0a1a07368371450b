"""The backend's schema migrations on SQLite and PostgreSQL: a new database, one from before
migrations (its data kept), and the head revision matching the models."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from workstation.domain import timeline
from workstation.server import migrate
from workstation.server.db import (
    LEGACY_TABLES,
    Base,
    CustomerEventRow,
    CustomerStoryRow,
    make_engine,
)
from workstation.server.history_index import not_in_models

#: The history's FTS5 tables have no model (revision 0004 makes them): left out of the comparison.
COMPARE = {"include_name": not_in_models}

ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'backend.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


def _revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return migrate.current(conn)


def test_a_new_database_is_created_at_the_head_revision_and_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert _revision(engine) == migrate.head()
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts=COMPARE), Base.metadata)
        # A table or column in db.py that no revision creates shows up here: write its revision
        # (alembic -c workstation/server/migrations/alembic.ini revision --autogenerate).
        assert diff == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("audit", [False, True], ids=["before-audit-log", "with-audit-log"])
def test_a_database_from_before_migrations_is_upgraded_and_stamped_keeping_its_data(
    db_url: str, audit: bool
) -> None:
    # Before the audit log, or after it (start-up had created audit_log and agents.disabled_at).
    old = create_engine(db_url)
    _old_schema(old, audit=audit)
    old.dispose()

    engine = make_engine(db_url)
    try:
        assert _revision(engine) == migrate.head()
        with Session(engine) as db:
            (event,) = db.scalars(select(CustomerEventRow))
            assert (event.id, event.summary) == ("e-1", "Order 77 placed")
            # The timeline columns the old start-up ALTER added, filled from the event as it did.
            assert event.story == "order:77"
            assert event.phase != "" and event.fingerprint != ""
            story = db.get(CustomerStoryRow, ("c-1", "order:77"))
            assert story is not None
            assert story.open == timeline.story_open([("order_placed", {"order_id": "77"})])
            assert db.execute(text("SELECT username FROM agents")).scalar_one() == "old"
        indexes = {i["name"] for i in inspect(engine).get_indexes("offers")}
        assert "uq_offers_one_open_per_conversation" in indexes
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn, opts=COMPARE), Base.metadata) == []
    finally:
        engine.dispose()
    # Started again: already at the head, nothing to do, nothing lost.
    again = make_engine(db_url)
    try:
        with again.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM customer_events")).scalar_one() == 1
    finally:
        again.dispose()


def test_a_database_migrated_by_a_newer_backend_is_refused_untouched(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(migrate.NewerDatabaseError, match="9999"):
        make_engine(db_url)


def _old_schema(engine: Engine, *, audit: bool) -> None:
    """The schema before migrations and before the timeline columns, with a little data in it."""
    tables = [Base.metadata.tables[name] for name in (*LEGACY_TABLES, *(("audit_log",) if audit else ()))]
    Base.metadata.create_all(engine, tables=tables)
    with engine.begin() as conn:
        if not audit:
            conn.execute(text("ALTER TABLE agents DROP COLUMN disabled_at"))
        conn.execute(text("DROP INDEX uq_offers_one_open_per_conversation"))
        for index in ("ix_customer_events_story_at", "ix_customer_events_fingerprint"):
            conn.execute(text(f"DROP INDEX {index}"))
        for column in ("phase", "story", "fingerprint"):
            conn.execute(text(f"ALTER TABLE customer_events DROP COLUMN {column}"))
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO agents (id, username, name, role, password_hash, skills, languages, max_chats,"
                " presence, presence_since) VALUES ('a-old', 'old', 'Old', 'agent', 'x', '[]', '[]', 3,"
                " 'offline', :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO customers (id, name, language, data, version) VALUES ('c-1', 'C', 'en', '{}', 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO customer_events (id, customer_id, at, channel, kind, summary, data) VALUES"
                " ('e-1', 'c-1', :now, 'shop', 'order_placed', 'Order 77 placed', :data)"
            ),
            {"now": now, "data": '{"order_id": "77"}'},
        )
