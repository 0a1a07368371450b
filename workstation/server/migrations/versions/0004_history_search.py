"""The history at any depth: a story's events by time straight from an index, and full-text search.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

- ix_customer_events_story_at (customer, story, at, id) replaces ix_customer_events_story: with
  (customer, story) alone SQLite sorted a story by walking the customer's whole timeline index, so
  every ingest (which refreshes the stories it touched) grew with the customer's history.
- On SQLite, customer_events_fts: an FTS5 index over the events' summary and data (external content,
  kept in step by triggers; the events stored so far are indexed here). PostgreSQL searches with
  LIKE until its own full-text search is added.
"""

from __future__ import annotations

from alembic import op

from workstation.server.history_index import history_search

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_customer_events_story_at "
        "ON customer_events (customer_id, story, at, id)"
    )
    op.execute("DROP INDEX IF EXISTS ix_customer_events_story")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        history_search(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS customer_events_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS customer_events_fts")
    op.execute("CREATE INDEX IF NOT EXISTS ix_customer_events_story ON customer_events (customer_id, story)")
    op.execute("DROP INDEX IF EXISTS ix_customer_events_story_at")
