"""Twins: the records two systems logged of one event are both stored, the later linked to the first.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05

Before, ingest dropped the second system's record of an event (the CRM's wrap-up of a call the
telephony system had logged), and with it whatever it said that the first did not (its outcome).
`customer_events.twin_of` names the first record; the history lists and counts the event once.
As in 0003/0005: a database whose tables create_all made from the models already has the column.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    columns = {c["name"] for c in inspector.get_columns("customer_events")}
    if "twin_of" not in columns:
        # A plain ADD COLUMN (SQLite too): a rebuilt table would lose the history search's triggers.
        op.add_column("customer_events", sa.Column("twin_of", sa.String(length=64), nullable=True))
    indexes = {i["name"] for i in inspector.get_indexes("customer_events")}
    if "ix_customer_events_twin_of" not in indexes:
        op.create_index("ix_customer_events_twin_of", "customer_events", ["customer_id", "twin_of"])


def downgrade() -> None:
    op.drop_index("ix_customer_events_twin_of", "customer_events")
    with op.batch_alter_table("customer_events") as batch:
        batch.drop_column("twin_of")
