"""Handoff to a person: requests and their messages, agent presence, canned replies and the web
updates the widget long-polls (``app/handoff/``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("sender_key", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        # The conversation id (web:<uuid>, tg:<chat id>, zalo:<user id>) needed to push and to
        # append to the tracker: kept only while the request is open, erased with the person.
        sa.Column("conversation", sa.String(200), nullable=True),
        sa.Column("kiosk", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(10), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kept_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("first_claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_agent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_citizen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(100), nullable=True),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("procedure", sa.String(100), nullable=True),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("zalo_window_closed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("note", sa.String(300), nullable=True),
    )
    op.create_index("ix_handoffs_sender_key", "handoffs", ["sender_key"])
    op.create_index("ix_handoffs_status", "handoffs", ["status"])
    op.create_index("ix_handoffs_requested_at", "handoffs", ["requested_at"])
    op.create_table(
        "handoff_messages",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "handoff_id", sa.Integer(), sa.ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("sender_key", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(10), nullable=False),
        sa.Column("agent", sa.String(100), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_index("ix_handoff_messages_handoff_id", "handoff_messages", ["handoff_id"])
    op.create_index("ix_handoff_messages_sender_key", "handoff_messages", ["sender_key"])
    op.create_index("ix_handoff_messages_at", "handoff_messages", ["at"])
    op.create_table(
        "agent_presence",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("staff_users.id"), primary_key=True),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=True),
    )
    op.create_table(
        "web_updates",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("sender_key", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("message", sa.JSON(), nullable=False),
    )
    op.create_index("ix_web_updates_sender_key", "web_updates", ["sender_key"])
    op.create_index("ix_web_updates_at", "web_updates", ["at"])


def downgrade() -> None:
    op.drop_table("web_updates")
    op.drop_table("canned_replies")
    op.drop_table("agent_presence")
    op.drop_table("handoff_messages")
    op.drop_table("handoffs")
