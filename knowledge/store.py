"""The knowledge store: entries and topics in SQL (SQLite by default, PostgreSQL-ready).

Every entry and topic keeps its origin (``seed`` from git, ``staff`` once a person wrote it), a
version number and one version row per write (``knowledge/versions.py``). Importing the seed
(``knowledge/seeding.py``) is idempotent, never overwrites what a person wrote, nor brings back
what a person deleted. Opening the store upgrades its schema (``knowledge/database.py``).

The console codes against this API (the app's ``SearchService`` wraps every write so the bot
sees it at once; write through it in the app):

Entries
    ``get(id, include_deleted=False) -> Entry | None``; ``entries(include_deleted=False)``;
    ``search_rows(q, slug, kind, origin, group, review_due_before, deleted, interval_days=180)``;
    ``put(entry, origin="staff", *, expected_version=None, author=None) -> Entry``;
    ``put_many([(entry, expected_version), …], *, author=None)`` (all or nothing);
    ``delete(id, *, expected_version=None, author=None) -> bool`` (a tombstone);
    ``restore(id, *, expected_version=None, author=None) -> Entry``;
    ``history(id) -> list[Version]`` (newest first);
    ``revert(id, to_version, *, expected_version=None, author=None) -> Entry``.
Topics
    ``topic(slug)``, ``topics(kind=None)``, ``topic_record(slug)``, ``topic_records(kind=None)``
    (with version, origin, reviewer); ``search_topics(q, kind, group, origin, review_due_before)``;
    ``topic_version(slug) -> int`` (0: none); ``topic_history(slug)``;
    ``put_topic(topic or dict, *, expected_version=None, author=None) -> (topic, version)``;
    ``put_topics_many([(topic, expected_version), …], *, author=None)`` (all or nothing);
    ``revert_topic(slug, to_version, *, expected_version=None, author=None) -> (topic, version)``.
    A topic write also rewrites its overview entry (name, aliases, summary) so search sees it.
Review
    ``mark_reviewed("entry" | "topic", id, *, author, on) -> int`` (the new version).

Rules: ``expected_version`` given and different from the stored version raises
:class:`Conflict` (``.current``; ``expected_version=0`` means "must not exist yet"); an unknown
id raises :class:`NotFound` (``get`` returns None); a FAQ entry or topic that does not meet the
seed's schema raises ``pydantic.ValidationError`` (see ``knowledge.validation``); a write that
changes nothing records nothing and returns what is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from knowledge import seeding, versions
from knowledge.backups import BackupPolicy
from knowledge.database import make_engine, migrate
from knowledge.entries import CONTENT_FIELDS, Entry, faq_entry, fill, seed_entries, to_entry, topic_entry
from knowledge.listing import Listing
from knowledge.seed import Seed
from knowledge.tables import EntryRow
from knowledge.topic_store import TopicRecord, TopicStore
from knowledge.validation import check_entry
from knowledge.versions import Conflict, NotFound, Version

__all__ = [
    "Conflict", "Entry", "ImportReport", "NotFound", "Store", "TopicRecord", "Version",
    "faq_entry", "seed_entries", "topic_entry",
]  # fmt: skip

Origin = Literal["seed", "staff"]
ImportReport = seeding.ImportReport


def _now() -> datetime:
    return datetime.now(UTC)


def _same(row: EntryRow, entry: Entry) -> bool:
    """True when writing ``entry`` would change nothing a person sees (content, review, life)."""
    stored = to_entry(row)
    bookkeeping = {name: getattr(stored, name) for name in ("origin", "version", "deleted")}
    return not row.deleted and replace(entry, **bookkeeping) == stored


class Store(TopicStore, Listing):
    def __init__(
        self, url: str, *, backups: BackupPolicy | None = None, clock: Callable[[], datetime] = _now
    ) -> None:
        self.url = url
        self.engine = make_engine(url)
        # The backup taken because opening upgraded the schema (None: no upgrade, or a new database).
        self.backup = migrate(self.engine, backups=backups)
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        self.clock = clock
        self._normalised: dict[str, tuple[int, str]] = {}  # entry id -> (version, searchable text)

    def close(self) -> None:
        self.engine.dispose()

    # Reading entries ---------------------------------------------------------------------

    def entries(self, include_deleted: bool = False) -> list[Entry]:
        query = select(EntryRow).order_by(EntryRow.id)
        if not include_deleted:
            query = query.where(EntryRow.deleted.is_(False))
        with self._session() as session:
            return [to_entry(row) for row in session.scalars(query)]

    def get(self, entry_id: str, include_deleted: bool = False) -> Entry | None:
        with self._session() as session:
            row = session.get(EntryRow, entry_id)
            return None if row is None or (row.deleted and not include_deleted) else to_entry(row)

    def history(self, entry_id: str) -> list[Version]:
        """Every version of an entry, newest first (empty for an unknown id)."""
        with self._session() as session:
            return versions.entry_history(session, entry_id)

    # Writing entries ---------------------------------------------------------------------

    def _write(self, work: Callable[[Session], Any], hint: tuple[type, str] | None = None) -> Any:
        """Run ``work`` in one transaction. Another process that wrote the same id or version
        number first makes it a Conflict (within the app, SearchService's lock orders writes)."""
        try:
            with self._session.begin() as session:
                return work(session)
        except IntegrityError as exc:
            current = 0
            if hint is not None:
                with self._session() as session:
                    row = session.get(hint[0], hint[1])
                    current = row.version if row is not None else 0
            raise Conflict(current, hint[1] if hint else "") from exc

    def _put_entry(
        self,
        session: Session,
        entry: Entry,
        origin: str,
        expected_version: int | None,
        author: str | None,
        action: versions.Action | None = None,
    ) -> EntryRow:
        row = session.get(EntryRow, entry.id)
        current = row.version if row is not None else 0
        if expected_version is not None and expected_version != current:
            raise Conflict(current, entry.id)
        check_entry(entry)
        if row is not None and _same(row, entry):
            return row
        old_review = (row.reviewed, row.reviewed_by) if row is not None else (None, None)
        new_date = entry.reviewed is not None and entry.reviewed != old_review[0]
        if author and new_date and entry.reviewed_by in (None, old_review[1]):
            entry = replace(entry, reviewed_by=author)  # a new review date is the writer's
        if row is None:
            row = EntryRow(id=entry.id, version=0, seed_hash="", deleted=False)
            session.add(row)
            action = action or "created"
        else:
            action = action or ("created" if row.deleted else "updated")
        fill(row, entry, origin, self.clock())
        row.deleted, row.version = False, current + 1
        self._record(session, row, action, author)
        return row

    def _record(self, session: Session, row: EntryRow, action: versions.Action, author: str | None) -> None:
        session.flush()
        versions.record_entry(
            session, row.id, row.version, action, author, to_entry(row).as_data(), row.updated_at
        )

    def put(
        self,
        entry: Entry,
        origin: Origin = "staff",
        *,
        expected_version: int | None = None,
        author: str | None = None,
    ) -> Entry:
        """Add or replace an entry; a person's write is "staff", so the seed leaves it alone."""
        return self._write(
            lambda s: to_entry(self._put_entry(s, entry, origin, expected_version, author)),
            (EntryRow, entry.id),
        )

    def put_many(
        self,
        items: Sequence[tuple[Entry, int | None]],
        *,
        author: str | None = None,
        origin: Origin = "staff",
    ) -> list[Entry]:
        """Several entries in one transaction: all are written, or none (Conflict, ValidationError)."""
        return self._write(
            lambda s: [
                to_entry(self._put_entry(s, entry, origin, expected, author)) for entry, expected in items
            ]
        )

    def _row(self, session: Session, entry_id: str, expected_version: int | None) -> EntryRow:
        row = session.get(EntryRow, entry_id)
        if row is None:
            raise NotFound(entry_id)
        if expected_version is not None and expected_version != row.version:
            raise Conflict(row.version, entry_id)
        return row

    def _bump(self, session: Session, row: EntryRow, action: versions.Action, author: str | None) -> Entry:
        row.version += 1
        row.updated_at = self.clock()
        self._record(session, row, action, author)
        return to_entry(row)

    def delete(
        self, entry_id: str, *, expected_version: int | None = None, author: str | None = None
    ) -> bool:
        """Delete an entry, kept as a tombstone (the seed never brings it back); False if none."""

        def work(session: Session) -> bool:
            row = session.get(EntryRow, entry_id)
            if row is None or row.deleted:
                return False
            self._row(session, entry_id, expected_version)
            row.deleted, row.origin = True, "staff"
            self._bump(session, row, "deleted", author)
            return True

        return self._write(work, (EntryRow, entry_id))

    def restore(
        self, entry_id: str, *, expected_version: int | None = None, author: str | None = None
    ) -> Entry:
        """Bring a tombstone back (an entry that is not deleted is returned as it is)."""

        def work(session: Session) -> Entry:
            row = self._row(session, entry_id, expected_version)
            if not row.deleted:
                return to_entry(row)
            row.deleted, row.origin = False, "staff"
            return self._bump(session, row, "restored", author)

        return self._write(work, (EntryRow, entry_id))

    def revert(
        self,
        entry_id: str,
        to_version: int,
        *,
        expected_version: int | None = None,
        author: str | None = None,
    ) -> Entry:
        """A new version whose content (question, phrasings, answer, source, validity) equals
        ``to_version``'s; a tombstone comes back; the review date stays."""

        def work(session: Session) -> Entry:
            row = self._row(session, entry_id, expected_version)
            old = Entry.from_data(versions.entry_version(session, entry_id, to_version).data)
            content = {name: getattr(old, name) for name in CONTENT_FIELDS}
            entry = replace(to_entry(row), **content)
            return to_entry(self._put_entry(session, entry, "staff", None, author, "reverted"))

        return self._write(work, (EntryRow, entry_id))

    # Seed --------------------------------------------------------------------------------

    def import_seed(self, seed: Seed) -> ImportReport:
        """Bring the store up to date with the seed; idempotent; what a person wrote wins."""
        return self._write(lambda session: seeding.import_seed(session, seed, self.clock()))

    def iter_rows(self) -> Iterator[Entry]:
        """Every entry, tombstones included, by id."""
        yield from self.entries(include_deleted=True)
