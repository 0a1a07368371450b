"""The cache as it was before migrations existed (schema_version 1).

Revision ID: 0001
Revises:
Create Date: 2026-11-26

Caches made before this revision have these tables but no alembic_version: they are stamped with
this revision when first opened (see workstation/store/migrate.py) and upgraded from here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "kv",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("fetched_at", UTC_TIME, nullable=False),
    )
    op.create_table(
        "timeline_events",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_timeline_customer_at", "timeline_events", ["customer_id", "at"])
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("started_at", UTC_TIME, nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_conversations_state", "conversations", ["state"])
    op.create_table(
        "messages",
        sa.Column("id", sa.String(160), primary_key=True),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("client_key", sa.String(128), nullable=True),
        sa.Column("delivery", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_messages_conversation_at", "messages", ["conversation_id", "at"])
    op.create_index("ix_messages_client_key", "messages", ["client_key"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(128), nullable=False, unique=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("target", sa.String(128), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
    )
    op.create_index("ix_outbox_state", "outbox", ["state"])


def downgrade() -> None:
    for table in ("outbox", "messages", "conversations", "timeline_events", "customers", "kv"):
        op.drop_table(table)
