"""Full-text search over the cached history (FTS5); indexes for keyset pages and a story in time order.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

`timeline_fts` indexes each cached event's summary and JSON (German and English alike: the unicode61
tokenizer folds case and diacritics, so 'verzogerung' finds 'Verzögerung'). It is an external-content
table over `timeline_events` keyed by its rowid, kept in step by triggers, so every write that stores
or evicts events (all on the cache's writer thread) maintains it in the same transaction. The
events a cache already holds are indexed here ('rebuild'), so an upgraded cache searches its whole
history. A later migration that rebuilds `timeline_events` (batch_alter_table copies rows and may
renumber rowids; so may VACUUM, which the cache does not run) must end with 'rebuild' too.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

FTS_TABLE = "timeline_fts"
TRIGGERS = {
    "timeline_fts_insert": (
        "AFTER INSERT ON timeline_events BEGIN "
        "INSERT INTO timeline_fts(rowid, summary, data) VALUES (new.rowid, new.summary, new.data); END"
    ),
    "timeline_fts_delete": (
        "AFTER DELETE ON timeline_events BEGIN "
        "INSERT INTO timeline_fts(timeline_fts, rowid, summary, data) "
        "VALUES ('delete', old.rowid, old.summary, old.data); END"
    ),
    "timeline_fts_update": (
        "AFTER UPDATE ON timeline_events BEGIN "
        "INSERT INTO timeline_fts(timeline_fts, rowid, summary, data) "
        "VALUES ('delete', old.rowid, old.summary, old.data); "
        "INSERT INTO timeline_fts(rowid, summary, data) VALUES (new.rowid, new.summary, new.data); END"
    ),
}


def upgrade() -> None:
    op.execute(
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(summary, data, content='timeline_events', "
        "content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')"
    )
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    # With (customer_id, story) alone SQLite read a story's events in time order by walking the
    # customer's whole timeline index.
    op.drop_index("ix_timeline_customer_story", table_name="timeline_events")
    op.create_index("ix_timeline_customer_story_at", "timeline_events", ["customer_id", "story", "at", "id"])
    # Pages are keyset by (at, id): with id in the index no page sorts its ties in a temporary tree.
    op.drop_index("ix_timeline_customer_at", table_name="timeline_events")
    op.create_index("ix_timeline_customer_at_id", "timeline_events", ["customer_id", "at", "id"])


def downgrade() -> None:
    op.drop_index("ix_timeline_customer_at_id", table_name="timeline_events")
    op.create_index("ix_timeline_customer_at", "timeline_events", ["customer_id", "at"])
    op.drop_index("ix_timeline_customer_story_at", table_name="timeline_events")
    op.create_index("ix_timeline_customer_story", "timeline_events", ["customer_id", "story"])
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
