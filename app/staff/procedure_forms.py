"""A procedure as the console's edit form has it, and back (no HTTP here).

The form is one page, keyboard-only and without script:

- **simple fields** (name, group, summary, who, processing time, result delivery, reviewed date,
  the agency and the online submission) are plain inputs;
- **lists of short texts** (aliases, legal basis) are textareas, one item a line;
- **fees** are a fieldset of rows (text, ``applies``, valid from, valid until): the fees are
  what circulars change most often, and an empty row at the end adds one (the "Thêm dòng lệ phí"
  button re-renders with another empty row, server-side); a row whose text is cleared is dropped;
- **documents, steps (with their problems), caveats and sources** are nested lists: one
  textarea each, in the seed's own YAML (the format of ``knowledge/content/README.md``), so a
  step's problems, a caveat's dates or a document's kind are edited as the seed writes them,
  without a wall of generated inputs. Each is read back and validated by the model.

Validation is the seed's schema (``knowledge.models.Procedure``) through
``knowledge.validation``; every message is keyed by the form field it concerns
(``errors_by_field``), so the page shows it beside that field.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import ValidationError

from app.staff import texts
from knowledge.models import Procedure
from knowledge.validation import topic_from_data, vietnamese_errors

SIMPLE = ("name", "group", "summary", "who", "processing_time", "result_delivery", "reviewed")
LINES = ("aliases", "legal_basis")
YAML_LISTS = ("documents", "steps", "caveats", "sources")
AGENCY = ("receiving", "deciding", "level", "depends_on_residence")
ONLINE = ("level", "portal", "url")
FEE = ("text", "applies", "valid_from", "valid_until")
# What the form edits; everything else of the stored procedure (kind, slug, asks, bundles,
# issues) is kept as it is.
EDITED = (*SIMPLE, *LINES, *YAML_LISTS, "agency", "online", "fees")
NLU_FIELDS = ("name", "aliases")  # the NLU's procedure lookup is trained from them


def dump_yaml(value: Any) -> str:
    if not value:
        return ""
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=100)


@dataclass
class ProcedureForm:
    """The form's values (strings, as typed) and the errors beside its fields."""

    values: dict[str, str]
    fees: list[dict[str, str]]
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: dict[str, Any], extra_fee_rows: int = 1) -> ProcedureForm:
        values: dict[str, str] = {name: str(data.get(name) or "") for name in SIMPLE}
        values.update({name: "\n".join(data.get(name) or []) for name in LINES})
        values.update({name: dump_yaml(data.get(name)) for name in YAML_LISTS})
        agency, online = data.get("agency") or {}, data.get("online") or {}
        values.update({f"agency_{name}": _text(agency.get(name)) for name in AGENCY})
        values.update({f"online_{name}": _text(online.get(name)) for name in ONLINE})
        fees = [{name: _text(fee.get(name)) for name in FEE} for fee in data.get("fees") or []]
        fees += [dict.fromkeys(FEE, "") for _ in range(extra_fee_rows)]
        return cls(values, fees)

    @classmethod
    def from_form(cls, form: Any) -> ProcedureForm:
        """From the posted form (a Starlette ``FormData``): fields by name, fee rows by number."""
        names = [f"agency_{n}" for n in AGENCY] + [f"online_{n}" for n in ONLINE]
        fields = (*SIMPLE, *LINES, *YAML_LISTS, *names)
        values = {name: _text(form.get(name)).replace("\r\n", "\n") for name in fields}
        count = min(int(form.get("fee_rows") or 0) if str(form.get("fee_rows") or "").isdigit() else 0, 200)
        fees = [{name: _text(form.get(f"fee_{n}_{name}")).strip() for name in FEE} for n in range(count)]
        return cls(values, fees)

    def add_fee_row(self) -> None:
        self.fees.append(dict.fromkeys(FEE, ""))

    def data(self, stored: dict[str, Any]) -> dict[str, Any]:
        """The procedure's data with this form's values over ``stored``; unreadable fields (YAML
        that does not parse) go to ``errors`` and keep their stored value."""
        data = dict(stored)
        v = self.values
        for name in SIMPLE:
            data[name] = v[name].strip() or (None if name == "reviewed" else "")
        for name in LINES:
            data[name] = [line.strip() for line in v[name].splitlines() if line.strip()]
        for name in YAML_LISTS:
            try:
                parsed = yaml.safe_load(v[name]) if v[name].strip() else []
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                self.errors[name] = texts.YAML_INVALID.format(line=(mark.line + 1) if mark else "?")
                continue
            if not isinstance(parsed, list):
                self.errors[name] = texts.YAML_NOT_LIST
                continue
            data[name] = _json_ready(parsed)
        data["agency"] = {
            "receiving": v["agency_receiving"].strip(),
            "deciding": v["agency_deciding"].strip(),
            "depends_on_residence": v["agency_depends_on_residence"] in {"true", "on", "1"},
            "level": v["agency_level"] or None,
        }
        data["online"] = {name: v[f"online_{name}"].strip() for name in ONLINE}
        fees = []
        for row in self.fees:
            if not _kept(row):
                continue  # an empty row, or a fee whose text was cleared: dropped
            fee: dict[str, Any] = {"text": row["text"], "applies": row["applies"]}
            fee.update({name: row[name] for name in ("valid_from", "valid_until") if row[name]})
            fees.append(fee)
        data["fees"] = fees
        return data

    def validate(self, stored: dict[str, Any]) -> Procedure | None:
        """The procedure from this form, or None with ``errors`` filled (beside their fields)."""
        data = self.data(stored)
        try:
            procedure = topic_from_data(data)
        except ValidationError as exc:
            self.errors.update(errors_by_field(exc, self._fee_rows()))
            return None
        if self.errors or not isinstance(procedure, Procedure):
            return None
        return procedure

    def _fee_rows(self) -> list[int]:
        """The form row of each fee kept (empty rows are dropped before validation)."""
        return [number for number, row in enumerate(self.fees) if _kept(row)]


def _kept(row: dict[str, str]) -> bool:
    """A fee row counts when it has a text or a date (``applies`` alone is the select's default)."""
    return bool(row["text"] or row["valid_from"] or row["valid_until"])


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else ""
    return str(value)


def _json_ready(value: Any) -> Any:
    """YAML gives dates for ``2027-03-01``; the stored JSON holds ISO strings."""
    if isinstance(value, list):
        return [_json_ready(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_ready(item) for key, item in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def errors_by_field(exc: ValidationError, fee_rows: list[int] | None = None) -> dict[str, str]:
    """Messages keyed by form field: ``name``, ``agency_level``, ``fee_2_valid_until``,
    ``steps`` (a YAML list: the message names the item and its key, e.g. "Mục 2, instruction: …")."""
    found: dict[str, list[str]] = {}
    for path, message in vietnamese_errors(exc).items():
        parts = path.split(".")
        head = parts[0]
        if head in {"agency", "online"} and len(parts) > 1:
            key = f"{head}_{parts[1]}"
        elif head == "fees" and len(parts) > 1 and parts[1].isdigit():
            row = int(parts[1])
            row = fee_rows[row] if fee_rows and row < len(fee_rows) else row
            key = f"fee_{row}_{parts[2]}" if len(parts) > 2 and parts[2] in FEE else f"fee_{row}_text"
        elif head in YAML_LISTS and len(parts) > 1 and parts[1].isdigit():
            key = head
            where = ", ".join(parts[2:])
            message = f"Mục {int(parts[1]) + 1}{', ' + where if where else ''}: {message}"
        else:
            key = head if head in EDITED else "form"
        found.setdefault(key, []).append(message)
    return {key: " ".join(messages) for key, messages in found.items()}


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The top-level fields that differ, in the model's order."""
    names = list(Procedure.model_fields)
    return [name for name in names if before.get(name) != after.get(name)]


def field_text(value: Any) -> str:
    """A field as text for a diff: plain text as it is, anything else as YAML."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return dump_yaml(value)


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "remove", "same"
    text: str


def field_diff(before: Any, after: Any) -> list[DiffLine]:
    """A line diff of one field (``difflib``), unchanged lines kept for context."""
    old, new = field_text(before).splitlines(), field_text(after).splitlines()
    lines = []
    for line in difflib.ndiff(old, new):
        tag, text = line[:1], line[2:]
        if tag == "?":
            continue
        lines.append(DiffLine({"+": "add", "-": "remove"}.get(tag, "same"), text))
    return lines


def version_diffs(history: list[Any]) -> list[dict[str, Any]]:
    """Each version (newest first) with the diff of every field it changed from the one before."""
    shown = []
    for index, version in enumerate(history):
        previous = history[index + 1].data if index + 1 < len(history) else {}
        changes = {
            name: field_diff(previous.get(name), version.data.get(name))
            for name in changed_fields(previous, version.data)
        }
        shown.append({"version": version, "changes": changes})
    return shown
