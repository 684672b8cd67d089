"""What the FAQ editor's pages and API share: an entry as a form and as JSON, a form or a JSON
body turned back into an entry checked by the seed's schema (``knowledge.validation``, with
its Vietnamese messages by field), the changed fields of a write (for the audit log) and the
per-field diff of two versions (``difflib``, word by word, rendered on the server).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from difflib import SequenceMatcher
from typing import Any
from urllib.parse import quote, urlencode

from pydantic import ValidationError

from app.staff import texts
from knowledge.entries import Entry
from knowledge.validation import entry_from_data, parse_day, vietnamese_errors

# What a person edits on a FAQ entry (the id and its slug are fixed once made).
EDITABLE = ("question", "phrasings", "answer", "source", "valid_from", "valid_until")
# What the diff of two versions compares, in the order shown.
COMPARED = (
    "question",
    "phrasings",
    "answer",
    "source",
    "valid_from",
    "valid_until",
    "slug",
    "deleted",
    "reviewed",
)
# The last part of an id may not be an action word of the console's addresses
# (``/staff/entries/<id>/edit`` …): an id ending in one would be ambiguous.
RESERVED_NAMES = frozenset({"edit", "history", "delete", "restore", "revert", "new"})
ENTRIES = "/staff/entries"
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")
REWRITTEN = 0.5  # below this share of words in common, a diff shows both texts whole


class Invalid(Exception):
    """A form or body that does not meet the schema: ``errors`` maps a field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(texts.ENTRY_INVALID)
        self.errors = errors


def lines(text: str) -> list[str]:
    """A textarea's non-empty lines (one phrasing a line)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _day(value: object) -> object:
    """A date as typed (``2026-12-31`` or ``31/12/2026``), empty → None; what does not parse is
    handed to the schema as it is, so its message says why."""
    try:
        return parse_day(value)
    except (ValueError, TypeError):
        return value


def field_errors(exc: ValidationError) -> dict[str, str]:
    """The schema's messages by top-level field (``phrasings.2`` → ``phrasings``, "Dòng 3: …");
    an error on the whole entry is under ``""``."""
    found: dict[str, list[str]] = {}
    for path, message in vietnamese_errors(exc).items():
        name, _, rest = path.partition(".")
        if name == "phrasings" and rest.isdigit():
            message = texts.ENTRY_LINE.format(line=int(rest) + 1, message=message)
        found.setdefault(name, []).append(message)
    return {name: " ".join(messages) for name, messages in found.items()}


def build(data: dict[str, Any], current: Entry | None = None) -> Entry:
    """A FAQ entry from ``data`` (the fields of :data:`EDITABLE`, plus ``id`` and ``slug`` for a
    new one), on top of ``current`` when it is an edit; raises :class:`Invalid`."""
    values: dict[str, Any] = {}
    if current is not None:
        values = {
            name: value for name, value in current.as_data().items() if name in (*EDITABLE, "id", "slug")
        }
    values.update(data)
    errors: dict[str, str] = {}
    new_id = values.get("id") if current is None else None
    if isinstance(new_id, str) and new_id.rpartition("/")[2] in RESERVED_NAMES:
        errors["id"] = texts.ENTRY_NAME_RESERVED
    for name in ("valid_from", "valid_until"):
        values[name] = _day(values.get(name))
    values["reviewed"] = None  # the review date is not the editor's: it stays as it was
    try:
        entry = entry_from_data(values)
    except ValidationError as exc:
        raise Invalid({**field_errors(exc), **errors}) from exc
    if errors:
        raise Invalid(errors)
    if current is None:
        return entry
    return replace(
        entry, origin=current.origin, version=current.version, reviewed=current.reviewed,
        reviewed_by=current.reviewed_by,
    )  # fmt: skip


def entry_json(entry: Entry, groups: dict[str, str]) -> dict[str, Any]:
    """An entry as the API gives it (``groups``: topic slug → its group)."""
    data = entry.as_data()
    return {
        "id": entry.id, "slug": entry.slug, "kind": entry.kind, "group": groups.get(entry.slug, ""),
        "question": entry.question, "phrasings": data["phrasings"], "answer": entry.answer,
        "source": entry.source, "valid_from": data["valid_from"], "valid_until": data["valid_until"],
        "reviewed": data["reviewed"], "reviewed_by": entry.reviewed_by, "origin": entry.origin,
        "version": entry.version, "deleted": entry.deleted,
    }  # fmt: skip


def changes(before: Entry | None, after: Entry) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields a write changed, before and after (the audit log's record), with the versions."""
    old = before.as_data() if before is not None else {}
    new = after.as_data()
    names = [name for name in COMPARED if old.get(name) != new.get(name)]
    return (
        {name: old.get(name) for name in names} | {"version": before.version if before else 0},
        {name: new.get(name) for name in names} | {"version": after.version},
    )


# --- addresses and what the pages show ---------------------------------------------------------


def entry_url(entry_id: str, action: str = "edit", **query: Any) -> str:
    """The page of an entry: ``/staff/entries/<id>/<action>`` (the id's "/" kept)."""
    url = f"{ENTRIES}/{quote(entry_id, safe='/')}/{action}"
    return url + ("?" + urlencode(query) if query else "")


def validity(entry: Entry, today: date) -> tuple[str, str]:
    """(state, words): whether the bot uses the entry today, by its validity window."""
    words = texts.ENTRY_VALIDITY
    if entry.valid_from and today < entry.valid_from:
        return "later", words["later"].format(day=f"{entry.valid_from:%d/%m/%Y}")
    if entry.valid_until and entry.valid_until < today:
        return "ended", words["ended"].format(day=f"{entry.valid_until:%d/%m/%Y}")
    if entry.valid_until:
        return "now", words["until"].format(day=f"{entry.valid_until:%d/%m/%Y}")
    return "now", words["now"]


# --- the form ----------------------------------------------------------------------------------


@dataclass
class EntryForm:
    """The edit form's values as typed (strings), kept when a save is refused."""

    slug: str = ""
    name: str = ""  # the id's part after "<slug>/" (a new entry only)
    question: str = ""
    phrasings: str = ""  # one a line
    answer: str = ""
    source: str = ""
    valid_from: str = ""
    valid_until: str = ""
    version: int = 0
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.slug}/{self.name}"

    @classmethod
    def of(cls, entry: Entry) -> EntryForm:
        data = entry.as_data()
        return cls(
            slug=entry.slug, name=entry.id.partition("/")[2], question=entry.question,
            phrasings="\n".join(entry.phrasings), answer=entry.answer, source=entry.source,
            valid_from=data["valid_from"] or "", valid_until=data["valid_until"] or "", version=entry.version,
        )  # fmt: skip

    def data(self) -> dict[str, Any]:
        """The edited fields as :func:`build` takes them."""
        return {
            "question": self.question, "phrasings": lines(self.phrasings), "answer": self.answer,
            "source": self.source, "valid_from": self.valid_from, "valid_until": self.valid_until,
        }  # fmt: skip

    def new_data(self) -> dict[str, Any]:
        """A new entry's fields, with its id and slug."""
        return {"id": self.id, "slug": self.slug, **self.data()}


# --- the diff of two versions ------------------------------------------------------------------


@dataclass(frozen=True)
class FieldDiff:
    name: str
    label: str
    segments: list[tuple[str, str]]  # ("same" | "removed" | "added", text)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return texts.ENTRY_YES_NO[value]
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return str(value)


def diff_text(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level diff of two texts as segments, in reading order."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if old and new and matcher.ratio() < REWRITTEN:  # rewritten: the old text, then the new one
        return [("removed", old), ("added", new)]
    segments: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(("removed", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(("added", "".join(b[j1:j2])))
    return segments


def diff_versions(old: dict[str, Any], new: dict[str, Any]) -> list[FieldDiff]:
    """The fields that differ between two versions' data (``Entry.as_data``), each as segments."""
    return [
        FieldDiff(
            name, texts.ENTRY_FIELDS.get(name, name), diff_text(_text(old.get(name)), _text(new.get(name)))
        )
        for name in COMPARED
        if old.get(name) != new.get(name)
    ]
