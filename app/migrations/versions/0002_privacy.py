"""Personal data out of storage: hashed senders, one outbox, contacts, web sessions, Zalo events.

- ``ratings.sender`` (the raw conversation id) becomes ``sender_key``, the keyed hash of it;
  stored comments are masked.
- ``failed_sends`` (Zalo only) becomes ``outbox``, every channel's replies that could not be
  sent, with masked text.
- ``contacts``: per person (keyed hash), when first and last seen and which notices were given.
- ``web_sessions``: the web conversation ids the server issued (keyed hash) and when last used.
- ``zalo_events``: ids of Zalo events already handled, so a retry after a restart is dropped.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from app.privacy import mask_text, sender_key

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    secret = context.config.attributes.get("secret", "")
    bind = op.get_bind()

    with op.batch_alter_table("ratings") as batch:
        batch.add_column(sa.Column("sender_key", sa.String(64), nullable=True))
    ratings = sa.table(
        "ratings",
        sa.column("id", sa.Integer),
        sa.column("sender", sa.String),
        sa.column("sender_key", sa.String),
        sa.column("comment", sa.Text),
    )
    for row in bind.execute(sa.select(ratings.c.id, ratings.c.sender, ratings.c.comment)).all():
        bind.execute(
            ratings.update()
            .where(ratings.c.id == row.id)
            .values(
                sender_key=sender_key(secret, row.sender) if row.sender else None,
                comment=mask_text(row.comment) if row.comment else row.comment,
            )
        )
    with op.batch_alter_table("ratings") as batch:
        batch.drop_index("ix_ratings_sender")
        batch.drop_column("sender")
        batch.create_index("ix_ratings_sender_key", ["sender_key"])

    outbox = op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("sender_key", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_outbox_created_at", "outbox", ["created_at"])
    op.create_index("ix_outbox_sender_key", "outbox", ["sender_key"])
    failed = sa.table(
        "failed_sends",
        sa.column("created_at", sa.DateTime),
        sa.column("channel", sa.String),
        sa.column("user_id", sa.String),
        sa.column("text", sa.Text),
        sa.column("reason", sa.String),
    )
    rows = bind.execute(sa.select(failed)).all()
    if rows:
        op.bulk_insert(
            outbox,
            [
                {
                    "created_at": row.created_at,
                    "channel": row.channel,
                    "recipient": row.user_id,
                    "sender_key": sender_key(secret, f"{row.channel}:{row.user_id}"),
                    "text": mask_text(row.text),
                    "reason": row.reason,
                    "attempts": 1,
                }
                for row in rows
            ],
        )
    op.drop_index("ix_failed_sends_user_id", table_name="failed_sends")
    op.drop_index("ix_failed_sends_created_at", table_name="failed_sends")
    op.drop_table("failed_sends")

    op.create_table(
        "contacts",
        sa.Column("sender_key", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notice_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("masked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("erase_asked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_contacts_last_seen", "contacts", ["last_seen"])
    op.create_table(
        "web_sessions",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kiosk", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_web_sessions_last_seen", "web_sessions", ["last_seen"])
    op.create_table(
        "zalo_events",
        sa.Column("key", sa.String(250), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_zalo_events_seen_at", "zalo_events", ["seen_at"])


def downgrade() -> None:
    op.drop_table("zalo_events")
    op.drop_table("web_sessions")
    op.drop_table("contacts")
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
    op.drop_table("outbox")
    with op.batch_alter_table("ratings") as batch:
        batch.drop_index("ix_ratings_sender_key")
        batch.add_column(sa.Column("sender", sa.String(200), nullable=False, server_default=""))
        batch.drop_column("sender_key")
        batch.create_index("ix_ratings_sender", ["sender"])
