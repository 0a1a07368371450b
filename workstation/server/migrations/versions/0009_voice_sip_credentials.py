"""SIP digest credentials: the proxy challenges REGISTER (and INVITEs from agents) against these.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

One row per SIP user (an agent's username or a desk phone's SIP user): the realm and HA1 =
md5(user:realm:password), never the password (workstation/server/voice_credentials.py). As in
0003/0005: a database whose tables create_all made from the models already has the table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "voice_sip_credentials" in set(sa.inspect(op.get_bind()).get_table_names()):
        return
    op.create_table(
        "voice_sip_credentials",
        sa.Column("sip_user", sa.String(length=64), nullable=False),
        sa.Column("realm", sa.String(length=128), nullable=False),
        sa.Column("ha1", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sip_user"),
    )


def downgrade() -> None:
    op.drop_table("voice_sip_credentials")
