"""The audit log (append-only) and agents.disabled_at (users disable, service-accounts revoke).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

Databases made between the audit log's release and migrations already have some of this (start-up
created the table and added the column): each step is skipped when it is there already.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

AUDIT = "audit_log"


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    if "disabled_at" not in {c["name"] for c in inspector.get_columns("agents")}:
        op.add_column("agents", sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    if AUDIT not in inspector.get_table_names():
        op.create_table(
            AUDIT,
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("actor", sa.String(length=80), nullable=False),
            sa.Column("action", sa.String(length=48), nullable=False),
            sa.Column("target", sa.String(length=120), nullable=False),
            sa.Column("address", sa.String(length=64), nullable=False),
            sa.Column("detail", sa.JSON(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_audit_log_action"), AUDIT, ["action"], unique=False)
    if bind.dialect.name == "sqlite":
        # A second guard beside the code, which has no update or delete path.
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS {AUDIT}_no_{verb.lower()} BEFORE {verb} ON {AUDIT} "
                f"BEGIN SELECT RAISE(ABORT, '{AUDIT} is append-only'); END"
            )


def downgrade() -> None:
    op.drop_table(AUDIT)
    op.drop_column("agents", "disabled_at")
