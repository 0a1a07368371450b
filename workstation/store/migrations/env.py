"""Alembic environment of the desktop cache: runs on the connection the application hands over."""

from __future__ import annotations

from alembic import context

from workstation.store.cache import Base
from workstation.store.migrate import include_name

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the `alembic` command line, for writing revisions
    from sqlalchemy import create_engine

    url = context.config.get_main_option("sqlalchemy.url") or "sqlite:///dev-cache.sqlite3"
    connection = create_engine(url).connect()

# render_as_batch: SQLite cannot ALTER most things in place; batch mode copies the table instead.
context.configure(
    connection=connection, target_metadata=Base.metadata, render_as_batch=True, include_name=include_name
)
with context.begin_transaction():
    context.run_migrations()
