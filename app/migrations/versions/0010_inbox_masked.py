"""The durable inbox keeps updates masked, with the kinds masked (``app/inbox.py``).

- ``inbox.masked_kinds``: which kinds of personal data were masked in a pending update, so that
  its replay gives the same one-time notice as a live message.
- Updates still pending from the release before (kept unmasked) are masked in place.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from app.privacy import mask_payload, mask_text

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.add_column(sa.Column("masked_kinds", sa.String(40), nullable=True))
    inbox = sa.table(
        "inbox",
        sa.column("id", sa.Integer),
        sa.column("payload", sa.Text),
        sa.column("masked_kinds", sa.String),
    )
    bind = op.get_bind()
    for row in bind.execute(sa.select(inbox.c.id, inbox.c.payload).where(inbox.c.payload.is_not(None))).all():
        try:
            masked, kinds = mask_payload(json.loads(row.payload))
            payload = json.dumps(masked)
        except (ValueError, RecursionError):  # not JSON: no channel replays it, but nothing stays unmasked
            payload, kinds = mask_text(row.payload), frozenset()
        bind.execute(
            inbox.update()
            .where(inbox.c.id == row.id)
            .values(payload=payload, masked_kinds=",".join(sorted(kinds)) or None)
        )


def downgrade() -> None:
    # The payloads stay masked: the release before replays them without the notice.
    with op.batch_alter_table("inbox") as batch:
        batch.drop_column("masked_kinds")
