"""Schema migrations of the reference backend's database (Alembic, SQLite or PostgreSQL), run on start.

A database made before migrations existed (tables but no alembic_version) is brought to revision
0001 the way start-up always did it (create the missing tables, add and fill the timeline columns)
and stamped; then `upgrade head` runs as for any database. Nothing is ever dropped.

On PostgreSQL several backend processes may start at once: a session-level advisory lock lets one
of them migrate while the others wait, then find nothing left to do.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
#: The revision a database made before migrations is brought to (and stamped with).
LEGACY_REVISION = "0001"
#: pg_advisory_lock key held while migrating (any constant unique to this purpose; 'wsmg').
MIGRATION_LOCK = 0x77736D67


class NewerDatabaseError(RuntimeError):
    """The database was migrated by a newer version of the backend; it is left untouched."""


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    revision = ScriptDirectory.from_config(config()).get_current_head()
    assert revision is not None
    return revision


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> str:
    """Bring the database to the head revision; returns the revision it was at before ('' if new)."""
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as lock:
        if postgres:
            lock.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
            lock.commit()
        try:
            return _upgrade(engine)
        finally:
            if postgres:
                lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
                lock.commit()


def _upgrade(engine: Engine) -> str:
    from workstation.server import db

    target = head()
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        before = current(connection)
    if before is None and "agents" in tables:
        log.info("a database from before migrations: bringing it to %s and stamping it", LEGACY_REVISION)
        db.legacy_upgrade(engine)
        with engine.begin() as connection:
            command.stamp(config(connection), LEGACY_REVISION)
        before = LEGACY_REVISION
    if before is not None:
        known = {s.revision for s in ScriptDirectory.from_config(config()).walk_revisions()}
        if before not in known:
            raise NewerDatabaseError(
                f"The database is at schema revision {before}, which this version of the backend does "
                "not know: it was migrated by a newer version. Update the backend."
            )
    if before != target:
        log.info("migrating the backend database from %s to %s", before or "empty", target)
        with engine.begin() as connection:
            command.upgrade(config(connection), "head")
    # Tables added to db.py this session without a revision yet (audit log, connector checkpoints):
    # created from the models as before, until the revisions are written (tests/server/
    # test_migrations.py fails while the head and the models differ, so they cannot be forgotten).
    db.Base.metadata.create_all(engine)
    return before or ""
