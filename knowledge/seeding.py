"""Importing the reviewed seed (``knowledge/content``) into the store, in one transaction.

Idempotent: an entry or topic whose seed content (and review date) did not change is left as
it is. What a person wrote (origin ``staff``: an edit, a deletion, a review mark on a staff
entry) is never overwritten and a staff deletion is never revived. An entry that left the seed
becomes a tombstone. Every write is a version row with action ``seed``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge import versions
from knowledge.entries import Entry, fill, seed_entries, to_entry
from knowledge.seed import Seed
from knowledge.tables import EntryRow, TopicRow


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    kept_staff_edits: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    topics_added: list[str] = field(default_factory=list)
    topics_updated: list[str] = field(default_factory=list)
    topics_kept: list[str] = field(default_factory=list)  # edited by a person: the seed leaves them


def _hash_json(data: dict) -> str:
    return hashlib.sha256(
        json.dumps(data, ensure_ascii=False, sort_keys=True, default=str).encode()
    ).hexdigest()


def _write_entry(session: Session, row: EntryRow, entry: Entry, now: datetime) -> None:
    fill(row, entry, "seed", now)
    row.seed_hash, row.deleted, row.version = entry.seed_hash(), False, (row.version or 0) + 1
    session.flush()
    versions.record_entry(session, row.id, row.version, "seed", None, to_entry(row).as_data(), now)


def import_seed(session: Session, seed: Seed, now: datetime) -> ImportReport:
    report = ImportReport()
    wanted = {entry.id: entry for entry in seed_entries(seed)}
    rows = {row.id: row for row in session.scalars(select(EntryRow))}
    for entry_id, entry in wanted.items():
        row = rows.get(entry_id)
        if row is None:
            row = EntryRow(id=entry_id, version=0)
            session.add(row)
            _write_entry(session, row, entry, now)
            report.added.append(entry_id)
        elif row.origin == "staff":
            report.kept_staff_edits.append(entry_id)
        elif row.seed_hash == entry.seed_hash() and not row.deleted:
            report.unchanged += 1
        else:
            _write_entry(session, row, entry, now)
            report.updated.append(entry_id)
    for entry_id, row in rows.items():
        if entry_id not in wanted and row.origin == "seed" and not row.deleted:
            row.deleted, row.updated_at, row.version = True, now, row.version + 1
            session.flush()
            versions.record_entry(session, row.id, row.version, "seed", None, to_entry(row).as_data(), now)
            report.removed.append(entry_id)
    for topic in (*seed.procedures.values(), *seed.guides.values()):
        data = topic.model_dump(mode="json")
        digest = _hash_json(data)
        topic_row = session.get(TopicRow, topic.slug)
        if topic_row is None:
            topic_row = TopicRow(slug=topic.slug, kind=topic.kind, data=data, origin="seed",
                                 seed_hash=digest, version=1, updated_at=now)  # fmt: skip
            session.add(topic_row)
            report.topics_added.append(topic.slug)
        elif topic_row.origin == "staff":
            report.topics_kept.append(topic.slug)
            continue
        elif topic_row.seed_hash != digest:
            topic_row.kind, topic_row.data, topic_row.seed_hash = topic.kind, data, digest
            topic_row.version, topic_row.updated_at, topic_row.reviewed_by = topic_row.version + 1, now, None
            report.topics_updated.append(topic.slug)
        else:
            continue
        session.flush()
        versions.record_topic(session, topic.slug, topic_row.version, "seed", None, data, now)
    return report
