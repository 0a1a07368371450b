"""Full-text search over the history on PostgreSQL, as revision 0004 made it on SQLite (FTS5).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

- history_words(summary, data): the event's words (PostgreSQL's 'simple' configuration: no stemming,
  as FTS5's unicode61), lower case, diacritics removed with the `unaccent` extension where the
  database lets us create it; history_query(text) folds what the agent typed the same way.
- ix_customer_events_words: a GIN index on history_words(summary, data::text), which the timeline's
  text filter uses with prefix queries ('lieferverz:*'), instead of a LIKE scan of every event.
SQLite: nothing (its FTS5 index is revision 0004's).
"""

from __future__ import annotations

from alembic import op

from workstation.server.history_index import (
    EVENTS_WORDS_INDEX,
    HISTORY_QUERY,
    HISTORY_WORDS,
    postgres_history_search,
)

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        postgres_history_search(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {EVENTS_WORDS_INDEX}")
        op.execute(f"DROP FUNCTION IF EXISTS {HISTORY_WORDS}(text, text)")
        op.execute(f"DROP FUNCTION IF EXISTS {HISTORY_QUERY}(text)")
