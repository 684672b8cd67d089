"""Versions and review: every write of an entry or topic becomes a version row; entries get
their review date and reviewer, topics their reviewer (their date is in their data).

Each existing entry and topic gets one version row holding what it is now, at its current
version number (action ``seed`` for seed content, ``updated`` for a person's edit,
``deleted`` for a tombstone), so its history starts where the previous release left it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _version_table(name: str, key: str, length: int) -> sa.Table:
    return op.create_table(
        name,
        sa.Column(key, sa.String(length), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(100), nullable=True),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )


def _day(value: object) -> str | None:
    return value.isoformat() if value is not None else None  # type: ignore[attr-defined]


def upgrade() -> None:
    with op.batch_alter_table("entries") as batch:
        batch.add_column(sa.Column("reviewed", sa.Date(), nullable=True))
        batch.add_column(sa.Column("reviewed_by", sa.String(100), nullable=True))
    with op.batch_alter_table("topics") as batch:
        batch.add_column(sa.Column("reviewed_by", sa.String(100), nullable=True))
    entry_versions = _version_table("entry_versions", "entry_id", 200)
    topic_versions = _version_table("topic_versions", "slug", 100)

    bind = op.get_bind()
    entries = sa.table(
        "entries",
        *(sa.column(name) for name in ("id", "slug", "kind", "question", "answer", "source", "origin")),
        sa.column("phrasings", sa.JSON),
        sa.column("valid_from", sa.Date),
        sa.column("valid_until", sa.Date),
        sa.column("version", sa.Integer),
        sa.column("deleted", sa.Boolean),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    rows = []
    for row in bind.execute(sa.select(entries)).mappings():
        data = {
            "id": row["id"], "slug": row["slug"], "kind": row["kind"], "question": row["question"],
            "phrasings": list(row["phrasings"]), "answer": row["answer"], "source": row["source"],
            "valid_from": _day(row["valid_from"]), "valid_until": _day(row["valid_until"]),
            "origin": row["origin"], "reviewed": None, "reviewed_by": None, "deleted": bool(row["deleted"]),
        }  # fmt: skip
        action = "deleted" if row["deleted"] else ("seed" if row["origin"] == "seed" else "updated")
        rows.append({"entry_id": row["id"], "version": row["version"], "at": row["updated_at"],
                     "author": None, "action": action, "data": data})  # fmt: skip
    if rows:
        op.bulk_insert(entry_versions, rows)

    topics = sa.table(
        "topics",
        sa.column("slug"),
        sa.column("origin"),
        sa.column("data", sa.JSON),
        sa.column("version", sa.Integer),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    rows = [
        {
            "slug": row["slug"],
            "version": row["version"],
            "at": row["updated_at"],
            "author": None,
            "action": "seed" if row["origin"] == "seed" else "updated",
            "data": row["data"],
        }
        for row in bind.execute(sa.select(topics)).mappings()
    ]
    if rows:
        op.bulk_insert(topic_versions, rows)


def downgrade() -> None:
    op.drop_table("topic_versions")
    op.drop_table("entry_versions")
    with op.batch_alter_table("topics") as batch:
        batch.drop_column("reviewed_by")
    with op.batch_alter_table("entries") as batch:
        batch.drop_column("reviewed_by")
        batch.drop_column("reviewed")
