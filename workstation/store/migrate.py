"""Schema migrations of the desktop cache (Alembic), run whenever a cache file is opened.

An update of the application never requires deleting the agent's cache: a cache made before
migrations existed is recognised by its schema_version (1 or 2) and stamped with the matching
revision, then upgraded like any other. Before a migration the file is copied (SQLite's backup API);
a copy left behind by an interrupted migration is restored on the next start before trying again.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

from workstation.store.schema import FTS_TABLE

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
#: The revision a cache made before Alembic is at, by the schema_version in its kv table.
LEGACY_REVISIONS = {"1": "0001", "2": "0002"}


def include_name(name: str | None, type_: str, _parent: object) -> bool:
    """Alembic's filter for comparing the models with a cache file (env.py and the tests): the FTS5
    index of the history and its shadow tables are not in the models (autogenerate would drop them)."""
    return not (type_ == "table" and name is not None and name.startswith(FTS_TABLE))


class NewerCacheError(RuntimeError):
    """The cache was written by a newer version of the application; it is left untouched."""


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


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".pre-migration")


def restore_interrupted(path: Path) -> bool:
    """Put back the copy an interrupted migration left; True if there was one."""
    backup = backup_path(path)
    if not backup.exists():
        return False
    log.warning("a migration of %s was interrupted; restoring the copy taken before it", path)
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    backup.replace(path)
    return True


#: Steps a migration reports to `upgrade(progress=...)`, in this order (no backup for a new cache).
BACKUP, MIGRATE, DONE = "backup", "migrate", "done"


def upgrade(engine: Engine, path: Path | None, *, progress: Callable[[str], None] | None = None) -> str:
    """Bring the cache to the head revision; returns the revision it was at before ('' if new).

    `progress(step)` hears BACKUP, MIGRATE and DONE when there is something to migrate."""
    report = progress or (lambda _step: None)
    target = head()
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        before = current(connection)
    if before is None and tables - {"alembic_version"}:
        before = LEGACY_REVISIONS.get(_legacy_version(engine), "0001")
        with engine.begin() as connection:
            command.stamp(config(connection), before)
    if before is not None and before != target:
        known = {s.revision for s in ScriptDirectory.from_config(config()).walk_revisions()}
        if before not in known:
            raise NewerCacheError(
                f"The cache {path or ''} was written by a newer version of the application (schema "
                f"revision {before}); update the application or use another --basedir."
            )
    if before == target:
        return before
    if path is not None and before is not None:
        report(BACKUP)
        _copy(engine, path)
    report(MIGRATE)
    log.info("migrating the cache %s from %s to %s", path or "(memory)", before or "empty", target)
    with engine.begin() as connection:
        command.upgrade(config(connection), "head")
    if path is not None:
        backup_path(path).unlink(missing_ok=True)
    report(DONE)
    return before or ""


def _legacy_version(engine: Engine) -> str:
    with engine.connect() as connection:
        row = connection.exec_driver_sql("SELECT value FROM kv WHERE key = 'schema_version'").first()
    return str(row[0]) if row else "1"


def _copy(engine: Engine, path: Path) -> None:
    partial = path.with_name(path.name + ".pre-migration.part")
    partial.unlink(missing_ok=True)
    raw = engine.raw_connection()
    try:
        target = sqlite3.connect(partial)
        try:
            raw.driver_connection.backup(target)  # type: ignore[union-attr]
        finally:
            target.close()
    finally:
        raw.close()
    # Only a complete copy takes the name the restore looks for.
    partial.replace(backup_path(path))
