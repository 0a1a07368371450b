"""The timeline's columns copied out of each event's JSON (paging and filters in SQL), and open stories.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

This was schema_version 2 before the cache used Alembic: such caches (no alembic_version, kv
schema_version 2) are stamped with this revision when first opened.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from workstation.domain import timeline
from workstation.domain.models import TimelineEvent

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("timeline_events") as batch:
        batch.add_column(sa.Column("channel", sa.String(32), nullable=False, server_default=""))
        batch.add_column(sa.Column("kind", sa.String(48), nullable=False, server_default=""))
        batch.add_column(sa.Column("summary", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("phase", sa.String(16), nullable=False, server_default="interest"))
        batch.add_column(sa.Column("story", sa.String(80), nullable=True))
    events = sa.table(
        "timeline_events",
        sa.column("id", sa.String),
        sa.column("data", sa.JSON),
        sa.column("channel", sa.String),
        sa.column("kind", sa.String),
        sa.column("summary", sa.Text),
        sa.column("phase", sa.String),
        sa.column("story", sa.String),
    )
    connection = op.get_bind()
    # Filled from each cached event's JSON, as the application fills them for new events.
    for event_id, data in connection.execute(sa.select(events.c.id, events.c.data)).all():
        ev = TimelineEvent.model_validate(data)
        connection.execute(
            events.update()
            .where(events.c.id == event_id)
            .values(
                channel=ev.channel,
                kind=ev.kind,
                summary=ev.summary,
                phase=timeline.journey_phase(ev.kind, ev.data),
                story=timeline.story_key(ev.kind, ev.data),
            )
        )
    op.create_index("ix_timeline_customer_story", "timeline_events", ["customer_id", "story"])
    op.create_table(
        "timeline_stories",
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("open", sa.Boolean(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("timeline_stories")
    op.drop_index("ix_timeline_customer_story", "timeline_events")
    with op.batch_alter_table("timeline_events") as batch:
        for column in ("story", "phase", "summary", "kind", "channel"):
            batch.drop_column(column)
