"""Notes on customers, conflict details on outbox items, and when a customer was last used.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notes",
        sa.Column("id", sa.String(160), primary_key=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("client_key", sa.String(128), nullable=True),
        sa.Column("delivery", sa.String(16), nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_notes_customer", "notes", ["customer_id"])
    op.create_index("ix_notes_client_key", "notes", ["client_key"])
    with op.batch_alter_table("outbox") as batch:
        # A refused or conflicting write keeps what the backend answered (e.g. the current record).
        batch.add_column(sa.Column("detail", sa.JSON(), nullable=True))
    with op.batch_alter_table("customers") as batch:
        # Eviction drops the histories of the customers the agent has not opened for longest.
        batch.add_column(sa.Column("used_at", UTC_TIME, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("used_at")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("detail")
    op.drop_table("notes")
