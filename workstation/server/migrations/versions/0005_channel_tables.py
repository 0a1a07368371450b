"""The chat channels' tables (workstation/server/channels/): which desk conversation answers which
platform conversation, the platform messages seen (inbound exactly once) and the replies on their
way out (outbound exactly once); the tasks and reservations of an external router (TaskRouter).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # As in 0003: a database whose tables were made by create_all from the models (the legacy
    # upgrade path, and databases made before these tables had a revision) already has them.
    existing = set(sa.inspect(op.get_bind()).get_table_names())

    def create_table(name: str, *columns: SchemaItem) -> bool:
        if name in existing:
            return False
        op.create_table(name, *columns)
        return True

    if create_table(
        "channel_threads",
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("external", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"]),
        sa.PrimaryKeyConstraint("conversation_id"),
    ):
        op.create_index("ix_channel_threads_external", "channel_threads", ["channel", "external"])
    if create_table(
        "channel_inbound",
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("external", sa.BigInteger(), nullable=False),
        sa.Column("thread", sa.String(length=128), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "external"),
    ):
        op.create_index("ix_channel_inbound_thread", "channel_inbound", ["channel", "thread", "external"])
    if create_table(
        "channel_outbound",
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("external", sa.BigInteger(), nullable=True),
        sa.Column("after", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.PrimaryKeyConstraint("message_id"),
    ):
        op.create_index("ix_channel_outbound_channel", "channel_outbound", ["channel"])
    if create_table(
        "taskrouter_tasks",
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("router", sa.String(length=64), nullable=False),
        sa.Column("task_sid", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"]),
        sa.PrimaryKeyConstraint("conversation_id"),
    ):
        op.create_index("ix_taskrouter_tasks_task_sid", "taskrouter_tasks", ["task_sid"])
    if create_table(
        "taskrouter_reservations",
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("router", sa.String(length=64), nullable=False),
        sa.Column("task_sid", sa.String(length=64), nullable=False),
        sa.Column("offer_id", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["offer_id"], ["offers.id"]),
        sa.PrimaryKeyConstraint("sid"),
    ):
        op.create_index("ix_taskrouter_reservations_offer_id", "taskrouter_reservations", ["offer_id"])


def downgrade() -> None:
    op.drop_table("taskrouter_reservations")
    op.drop_table("taskrouter_tasks")
    op.drop_table("channel_outbound")
    op.drop_table("channel_inbound")
    op.drop_table("channel_threads")
