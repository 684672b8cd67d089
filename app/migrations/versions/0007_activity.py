"""Stored events and their anonymous daily aggregates, for the dashboard (``app/activity.py``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("sender_key", sa.String(64), nullable=False),
        sa.Column("procedure", sa.String(100), nullable=True),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
    )
    op.create_index("ix_activity_at", "activity", ["at"])
    op.create_index("ix_activity_sender_key", "activity", ["sender_key"])
    op.create_index("ix_activity_day_kind", "activity", ["day", "kind"])
    op.create_table(
        "activity_daily",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("procedure", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("value_key", sa.Integer(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("value_sum", sa.Float(), nullable=False),
        sa.Column("senders", sa.Integer(), nullable=False),
    )
    op.create_index("ix_activity_daily_day_kind", "activity_daily", ["day", "kind"])
    op.create_table(
        "activity_days",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("rolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("activity_days")
    op.drop_table("activity_daily")
    op.drop_table("activity")
