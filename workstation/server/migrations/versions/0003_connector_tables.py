"""The connectors' tables: checkpoints and counters, links to upstream records, dead letters,
write-back conflicts and the write-backs done (workstation/server/connectors/).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

A database made by a build that had the connectors before this revision (start-up created their
tables from the models) already has some of them: each table is skipped when it is there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql.schema import SchemaItem

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())

    def create_table(name: str, *columns: SchemaItem) -> bool:
        if name in existing:
            return False
        op.create_table(name, *columns)
        return True

    if create_table(
        "connector_conflicts",
        sa.Column("connector", sa.String(length=64), nullable=False),
        sa.Column("record", sa.String(length=128), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("theirs", sa.Text(), nullable=True),
        sa.Column("yours", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("connector", "record", "field"),
    ):
        op.create_index("ix_connector_conflicts_customer_id", "connector_conflicts", ["customer_id"])

    create_table(
        "connector_dead_letters",
        sa.Column("connector", sa.String(length=64), nullable=False),
        sa.Column("record", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("connector", "record"),
    )
    create_table(
        "connector_state",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("checkpoint", sa.JSON(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("upstream_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    create_table(
        "connector_writes",
        sa.Column("connector", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("upstream", sa.String(length=128), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("connector", "key"),
    )
    if create_table(
        "connector_links",
        sa.Column("connector", sa.String(length=64), nullable=False),
        sa.Column("record", sa.String(length=128), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("seen_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
        ),
        sa.PrimaryKeyConstraint("connector", "record"),
    ):
        op.create_index("ix_connector_links_customer_id", "connector_links", ["customer_id"])


def downgrade() -> None:
    for name in (
        "connector_links",
        "connector_writes",
        "connector_state",
        "connector_dead_letters",
        "connector_conflicts",
    ):
        op.drop_table(name)
