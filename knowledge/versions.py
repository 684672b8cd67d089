"""Versions of entries and topics: every write is a row (who, when, what kind of write, the full
data as JSON), so the console shows a history with diffs and can revert to any version.

Actions: ``created``, ``updated``, ``deleted`` (a tombstone), ``restored``, ``reverted`` (a new
version equal to an old one), ``reviewed`` (a person marked it checked) and ``seed`` (written by
the seed import, including a removal from the seed). An entry's data is
:meth:`knowledge.entries.Entry.as_data`; a topic's is the model as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.tables import EntryVersionRow, TopicVersionRow

Action = Literal["created", "updated", "deleted", "restored", "reverted", "reviewed", "seed"]


class Conflict(Exception):
    """The stored version is not the one the writer read: someone saved in between.

    ``current`` is the stored version number (0: there is no such entry or topic);
    ``id`` the entry id or topic slug.
    """

    def __init__(self, current: int, id: str = "") -> None:
        self.current = current
        self.id = id
        super().__init__(f"{id or 'the item'} is at version {current}")


class NotFound(LookupError):
    """No such entry, topic or version."""


@dataclass(frozen=True)
class Version:
    version: int
    at: datetime
    author: str | None
    action: str
    data: dict[str, Any]


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive times; every time stored here is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def record_entry(
    session: Session,
    entry_id: str,
    version: int,
    action: Action,
    author: str | None,
    data: dict,
    at: datetime,
) -> None:
    session.add(
        EntryVersionRow(entry_id=entry_id, version=version, at=at, author=author, action=action, data=data)
    )


def record_topic(
    session: Session, slug: str, version: int, action: Action, author: str | None, data: dict, at: datetime
) -> None:
    session.add(TopicVersionRow(slug=slug, version=version, at=at, author=author, action=action, data=data))


def entry_history(session: Session, entry_id: str) -> list[Version]:
    rows = session.scalars(
        select(EntryVersionRow)
        .where(EntryVersionRow.entry_id == entry_id)
        .order_by(EntryVersionRow.version.desc())
    )
    return [Version(row.version, aware(row.at), row.author, row.action, row.data) for row in rows]


def topic_history(session: Session, slug: str) -> list[Version]:
    rows = session.scalars(
        select(TopicVersionRow).where(TopicVersionRow.slug == slug).order_by(TopicVersionRow.version.desc())
    )
    return [Version(row.version, aware(row.at), row.author, row.action, row.data) for row in rows]


def entry_version(session: Session, entry_id: str, version: int) -> Version:
    row = session.get(EntryVersionRow, (entry_id, version))
    if row is None:
        raise NotFound(f"{entry_id} has no version {version}")
    return Version(row.version, aware(row.at), row.author, row.action, row.data)


def topic_version(session: Session, slug: str, version: int) -> Version:
    row = session.get(TopicVersionRow, (slug, version))
    if row is None:
        raise NotFound(f"{slug} has no version {version}")
    return Version(row.version, aware(row.at), row.author, row.action, row.data)
