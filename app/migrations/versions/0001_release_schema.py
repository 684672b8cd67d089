"""The schema of the release before migrations: ratings, Zalo token pair, failed sends.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sender", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("procedure", sa.String(100), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("human_help", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
    )
    op.create_index("ix_ratings_created_at", "ratings", ["created_at"])
    op.create_index("ix_ratings_sender", "ratings", ["sender"])
    op.create_index("ix_ratings_procedure", "ratings", ["procedure"])
    op.create_table(
        "zalo_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=True),
        sa.Column("seed", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "failed_sends",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
    )
    op.create_index("ix_failed_sends_created_at", "failed_sends", ["created_at"])
    op.create_index("ix_failed_sends_user_id", "failed_sends", ["user_id"])


def downgrade() -> None:
    op.drop_table("failed_sends")
    op.drop_table("zalo_tokens")
    op.drop_table("ratings")
