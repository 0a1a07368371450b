"""Alembic environment of the reference backend's database (SQLite or PostgreSQL).

Runs on the connection workstation/server/migrate.py hands over; the `alembic` command line
(for writing revisions) gets a connection from `sqlalchemy.url`.
"""

from __future__ import annotations

from alembic import context

from workstation.server.db import Base
from workstation.server.history_index import not_in_models

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the `alembic` command line, for writing revisions
    from sqlalchemy import create_engine

    url = context.config.get_main_option("sqlalchemy.url") or "sqlite:///dev-backend.sqlite3"
    connection = create_engine(url).connect()

# render_as_batch: SQLite cannot ALTER most things in place; batch mode copies the table instead
# (on PostgreSQL batch operations are plain ALTERs).
context.configure(
    connection=connection, target_metadata=Base.metadata, render_as_batch=True, include_name=not_in_models
)
with context.begin_transaction():
    context.run_migrations()
