"""The knowledge database's tables (SQLAlchemy); the schema itself belongs to the Alembic
migrations in ``knowledge/migrations`` (a test checks that the two agree).

- ``entries``: every searchable entry — a FAQ entry, or a topic's overview (name, aliases,
  summary) — with its origin (``seed``/``staff``), version, tombstone flag and review.
- ``topics``: every procedure and guide topic, the whole model as JSON.
- ``entry_versions``, ``topic_versions``: one row per write of an entry or a topic (who, when,
  what kind of write, the full data as JSON): the history, its diffs and reverts.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class EntryRow(Base):
    """One searchable entry: a FAQ entry, or a topic's overview (its name, aliases and summary)."""

    __tablename__ = "entries"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "faq" | "topic"
    question: Mapped[str] = mapped_column(Text)
    phrasings: Mapped[list[str]] = mapped_column(JSON)
    answer: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(500))
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    origin: Mapped[str] = mapped_column(String(10))
    seed_hash: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reviewed: Mapped[date | None] = mapped_column(Date, nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class TopicRow(Base):
    """A procedure or guide topic with all its structured fields (the model as JSON)."""

    __tablename__ = "topics"

    slug: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict] = mapped_column(JSON)
    origin: Mapped[str] = mapped_column(String(10))
    seed_hash: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The topic's review date is its data's ``reviewed``; who marked it is kept here.
    reviewed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class EntryVersionRow(Base):
    __tablename__ = "entry_versions"

    entry_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    author: Mapped[str | None] = mapped_column(String(100), nullable=True)
    action: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict] = mapped_column(JSON)


class TopicVersionRow(Base):
    __tablename__ = "topic_versions"

    slug: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    author: Mapped[str | None] = mapped_column(String(100), nullable=True)
    action: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict] = mapped_column(JSON)
