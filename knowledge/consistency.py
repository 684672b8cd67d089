"""Contradictions inside the knowledge content, of the kinds the December 2026 audit found by hand.

- **figures** — one procedure states an amount of money or a number of days one way in its
  procedure file and another way in an FAQ answer about the same thing. "The same thing" is
  decided in three steps:

  1. the topic: an FAQ entry is about the fee when its id names it (``…/le-phi…``, ``…/…-phi``,
     ``…/mien-…``) or, for an id that names no topic, its question does ("lệ phí", "phí",
     "mất bao nhiêu tiền"); about the time when its id starts with ``thoi-gian`` or its question
     asks "bao lâu", "mấy ngày", "thời gian" (``thoi-han…`` is a deadline to file, not a
     processing time). Fee answers are compared with the procedure's ``fees``, time answers
     with its ``processing_time`` and ``result_delivery``; figures in its caveats count as
     stated for both.
  2. the way of filing: each sentence of the answer is read for "trực tuyến", "qua mạng", "trên
     VNeID" (online) or "trực tiếp", "tại quầy" (in person); a sentence naming both, or neither,
     applies to any. A fee item counts under its ``applies`` (``both`` fits any sentence); a
     sentence of the procedure's text under the way it names.
  3. the dates: only statements whose validity windows overlap.

  A figure of the answer that none of those statements of the procedure states is reported with
  the nearest of them. Sentences that tell history ("đã kết thúc", "trước đây", "chỉ áp dụng đến
  hết …") or work an example ("Ví dụ một bản 3 trang là 5.000 đồng") are not compared, and nor
  is an answer where the procedure states no figure at all for that case.
- **applies** — one fee marked for different ways of filing: the same fee text under two
  ``applies`` values anywhere in the procedures (a text copied from file to file keeps its
  ``applies``), or one waiver — "miễn" granted by the same legal instrument — marked differently
  in two places: procedure fees, or FAQ sentences that name the instrument and a way of filing.

Money is read in đồng ("25.000 đồng", "25,000 đ", "25 nghìn", "1,5 triệu", ranges "570.000–860.000
đồng"; a waiver — "miễn", "không mất phí", "0 đồng" — is 0), days as "N ngày (làm việc)", "ba
ngày" and "nửa ngày".

Pure functions over procedures and FAQ entries: the seed's (``knowledge.models``) or the store's
(``knowledge.store.Entry`` has the same fields), so the test suite runs the check on the seed and
the staff console can run it on the store.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

from knowledge.models import Procedure
from knowledge.text import fold

Case = Literal["online", "in_person", "both"] | None  # None: a sentence that does not say
Kind = Literal["amount", "days", "applies"]


class FaqLike(Protocol):
    """What the check reads of an FAQ entry."""

    @property
    def id(self) -> str: ...
    @property
    def question(self) -> str: ...
    @property
    def answer(self) -> str: ...
    @property
    def valid_from(self) -> date | None: ...
    @property
    def valid_until(self) -> date | None: ...


@dataclass(frozen=True)
class Statement:
    """One sentence (or one fee item) of the content and the figures it states."""

    where: str  # "procedures/<slug>.yml fees[2]", "faq <entry id>"
    text: str
    case: Case
    valid_from: date | None = None
    valid_until: date | None = None
    amounts: frozenset[int] = frozenset()  # đồng; 0 for a waiver
    days: frozenset[float] = frozenset()

    def overlaps(self, other: Statement) -> bool:
        starts_in_time = (
            other.valid_from is None or self.valid_until is None or other.valid_from <= self.valid_until
        )
        ends_in_time = (
            self.valid_from is None or other.valid_until is None or self.valid_from <= other.valid_until
        )
        return starts_in_time and ends_in_time

    def figures(self, kind: Kind) -> frozenset[float]:
        return self.amounts if kind == "amount" else self.days


@dataclass(frozen=True)
class Finding:
    """Two places of the content that state one thing differently."""

    kind: Kind
    slug: str  # the procedure, or "a / b" for two procedures
    detail: str
    first: Statement
    second: Statement

    def __str__(self) -> str:
        return (
            f"{self.slug}: {self.detail}\n"
            f"  {self.first.where}: “{self.first.text}”\n"
            f"  {self.second.where}: “{self.second.text}”"
        )


# --- reading figures, on folded text (no tones, lower case) ------------------------------------

_SENTENCE = re.compile(r"(?<=[.;!?])\s+(?=\S)")
_NUMBER = r"\d+(?:[.,]\d+)*"
_MONEY = re.compile(
    rf"(?<![\d.,/])(?P<low>{_NUMBER})(?:\s*[–-]\s*(?P<high>{_NUMBER}))?\s*"
    r"(?P<unit>trieu dong|trieu|nghin dong|nghin|ngan dong|ngan|dong|d|vnd)(?![a-z])"
)
_SCALE = {"trieu": 1_000_000, "nghin": 1000, "ngan": 1000}
# "miễn" but not "miền" (region), which folds the same; "không mất/thu/phải nộp (lệ) phí".
_WAIVER = re.compile(
    r"\bmien\b(?! (?:nui|bac|nam|trung|tay|dong)\b)"
    r"|\bkhong (?:mat|thu|phai nop|phai tra) (?:le phi|phi|tien)\b|(?<![\d.,])\b0 dong\b"
)
# Number words that are not common words before "ngày" too ("sáu" folds to "sau", "after").
_WORD_NUMBERS = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "nam": 5, "bay": 7, "tam": 8, "chin": 9, "muoi": 10}
_DAYS = re.compile(rf"(?<![\d.,/])\b(?P<n>{_NUMBER}|{'|'.join(_WORD_NUMBERS)})\s+ngay\b|\bnua ngay\b")
# A VNeID *account* is a condition, not a way of filing: only "trên/qua (ứng dụng) VNeID" is.
_ONLINE = re.compile(r"\btruc tuyen\b|\bqua mang\b|\bonline\b|\b(?:tren|qua) (?:ung dung )?vneid\b")
_IN_PERSON = re.compile(r"\btruc tiep\b|\btai quay\b|\bho so giay\b")
_ANY_WAY = re.compile(r"\bcung muc\b")
_INSTRUMENT = re.compile(
    r"\b(?:thong tu|nghi dinh|nghi quyet|quyet dinh)\s+(?:so\s+)?(\d+(?:\.\d+)?/\d{4}(?:/[a-z0-9-]+)?)"
)
_NOT_IN_FORCE = re.compile(
    r"\bda ket thuc\b|\bkhong con\b|\btruoc day\b|\bchi ap dung den\b|\bda het\b|^vi du\b"
)


def _number(text: str) -> float:
    """A number with dot or comma separators: groups of three digits are thousands, else a decimal."""
    parts = re.split(r"[.,]", text)
    if len(parts) == 2 and len(parts[1]) != 3:
        return float(f"{parts[0]}.{parts[1]}")
    return float("".join(parts))


def amounts(text: str) -> frozenset[int]:
    """The amounts of money ``text`` states, in đồng; a waiver is 0."""
    folded = fold(text)
    found: set[int] = set()
    for match in _MONEY.finditer(folded):
        scale = _SCALE.get(match["unit"].split()[0], 1)
        found.update(round(_number(n) * scale) for n in (match["low"], match["high"]) if n)
    if _WAIVER.search(folded):
        found.add(0)
    return frozenset(found)


def days(text: str) -> frozenset[float]:
    """The numbers of days ``text`` states."""
    found: set[float] = set()
    for match in _DAYS.finditer(fold(text)):
        number = match["n"]
        found.add(0.5 if number is None else float(_WORD_NUMBERS.get(number) or _number(number)))
    return frozenset(found)


def case_of(text: str) -> Case:
    """The way of filing a sentence is about; None when it names both or neither."""
    folded = fold(text)
    online, in_person = bool(_ONLINE.search(folded)), bool(_IN_PERSON.search(folded))
    if _ANY_WAY.search(folded) or online == in_person:
        return None
    return "online" if online else "in_person"


def instruments(text: str) -> frozenset[str]:
    """The legal instruments a text cites, by number ("117/2026/tt-btc")."""
    return frozenset(match[1] for match in _INSTRUMENT.finditer(fold(text)))


def sentences(text: str) -> list[str]:
    return [part for part in _SENTENCE.split(" ".join(text.split())) if part]


# --- what an FAQ entry is about ----------------------------------------------------------------

_ID_FEE = re.compile(r"(?:^|-)(?:le-phi|phi|mien)(?:-|$)")
_FEE_QUESTION = re.compile(
    r"\ble phi\b|\bphi\b|\b(?:mat|ton|het|tra|nop|dong) (?:bao nhieu )?tien\b|\b(?:ton|het) bao nhieu\b"
)  # paying: "được bao nhiêu tiền" (a benefit) is not a fee
_TIME_QUESTION = re.compile(
    r"\bthoi gian\b|\bmay ngay\b|\bbao nhieu ngay\b|\blay ngay\b"
    r"|(?<!gia tri )\bbao lau\b(?! thi (?:phai|duoc nop|moi duoc))"
)


def topics_of(entry: FaqLike) -> frozenset[str]:
    """What an FAQ entry answers about: "fee", "time" (the processing time), both or neither."""
    topic = entry.id.split("/", 1)[-1]
    named = {"fee"} if _ID_FEE.search(topic) else set()
    if topic.startswith("thoi-gian"):
        named.add("time")
    if named or topic.startswith("thoi-han"):
        return frozenset(named)
    question = fold(entry.question)
    return frozenset(
        name for name, asks in (("fee", _FEE_QUESTION), ("time", _TIME_QUESTION)) if asks.search(question)
    )


# --- statements --------------------------------------------------------------------------------


def _said(
    where: str, text: str, case: Case, valid_from: date | None = None, valid_until: date | None = None
) -> Statement:
    text = " ".join(text.split())
    return Statement(where, text, case, valid_from, valid_until, amounts(text), days(text))


def fee_statements(procedure: Procedure) -> list[Statement]:
    """Each fee item under its ``applies``, then the caveats sentence by sentence."""
    base = f"procedures/{procedure.slug}.yml"
    fees = [
        _said(f"{base} fees[{n}]", fee.text, fee.applies, fee.valid_from, fee.valid_until)
        for n, fee in enumerate(procedure.fees)
    ]
    return fees + _caveats(procedure)


def time_statements(procedure: Procedure) -> list[Statement]:
    """The processing time and result delivery, then the caveats, sentence by sentence."""
    base = f"procedures/{procedure.slug}.yml"
    stated = [
        _said(f"{base} {field}", text, case_of(text))
        for field in ("processing_time", "result_delivery")
        for text in sentences(getattr(procedure, field))
    ]
    return stated + _caveats(procedure)


def _caveats(procedure: Procedure) -> list[Statement]:
    return [
        _said(
            f"procedures/{procedure.slug}.yml caveats[{n}]",
            text,
            case_of(text),
            caveat.valid_from,
            caveat.valid_until,
        )
        for n, caveat in enumerate(procedure.caveats)
        for text in sentences(caveat.text)
    ]


def faq_statements(entry: FaqLike) -> list[Statement]:
    """The sentences of an answer, each under the way of filing it names, in the entry's window."""
    return [
        _said(f"faq {entry.id}", text, case_of(text), entry.valid_from, entry.valid_until)
        for text in sentences(entry.answer)
    ]


# --- the checks --------------------------------------------------------------------------------


def _fits(first: Case, second: Case) -> bool:
    return first in (None, "both") or second in (None, "both") or first == second


def _nearest(statement: Statement, candidates: list[Statement]) -> Statement:
    words = set(fold(statement.text).split())
    return max(candidates, key=lambda other: len(words & set(fold(other.text).split())))


def _figure(value: float, kind: Kind) -> str:
    if kind == "days":
        return f"{value:g} ngày"
    return "miễn (0 đồng)" if value == 0 else f"{value:,.0f} đồng".replace(",", ".")


def figure_findings(procedure: Procedure, faq: Iterable[FaqLike]) -> list[Finding]:
    """FAQ answers that state a fee or a time this procedure states differently."""
    stated = {"fee": fee_statements(procedure), "time": time_statements(procedure)}
    findings = []
    for entry in faq:
        for topic in sorted(topics_of(entry)):
            kind: Kind = "amount" if topic == "fee" else "days"
            for said in faq_statements(entry):
                if not said.figures(kind) or _NOT_IN_FORCE.search(fold(said.text)):
                    continue
                related = [
                    other
                    for other in stated[topic]
                    if other.figures(kind) and _fits(said.case, other.case) and said.overlaps(other)
                ]
                allowed = {value for other in related for value in other.figures(kind)}
                for value in sorted(said.figures(kind) - allowed if related else ()):
                    way = f" for filing {said.case.replace('_', ' ')}" if said.case else ""
                    detail = f"{_figure(value, kind)} in an FAQ answer is not what the procedure states{way}"
                    findings.append(Finding(kind, procedure.slug, detail, said, _nearest(said, related)))
    return findings


def applies_findings(procedures: Iterable[Procedure], faq: Mapping[str, Iterable[FaqLike]]) -> list[Finding]:
    """One fee under two ``applies`` values: the same text, or a waiver of the same instrument.

    ``faq`` maps a procedure's slug to its FAQ entries.
    """
    by_text: dict[str, list[tuple[str, Statement]]] = {}
    by_waiver: dict[str, list[tuple[str, Statement]]] = {}
    for procedure in procedures:
        for fee, said in zip(procedure.fees, fee_statements(procedure), strict=False):
            key = " ".join(re.findall(r"[a-z0-9]+", fold(fee.text)))
            by_text.setdefault(key, []).append((procedure.slug, said))
            if 0 in said.amounts:
                for instrument in instruments(fee.text):
                    by_waiver.setdefault(instrument, []).append((procedure.slug, said))
        for entry in faq.get(procedure.slug, ()):
            for said in faq_statements(entry):
                if 0 in said.amounts and said.case is not None:
                    for instrument in instruments(said.text):
                        by_waiver.setdefault(instrument, []).append((procedure.slug, said))
    findings = []
    for what, groups in (("the same fee text", by_text), ("the waiver of {}", by_waiver)):
        for key, marked in groups.items():
            first_slug, first = marked[0]
            for slug, other in marked[1:]:
                if (other.case or "both") != (first.case or "both"):
                    slugs = first_slug if slug == first_slug else f"{first_slug} / {slug}"
                    detail = (
                        f"{what.format(key.upper())} applies to {first.case or 'both'} in one place "
                        f"and to {other.case or 'both'} in another"
                    )
                    findings.append(Finding("applies", slugs, detail, first, other))
                    break
    return findings


def check(
    procedures: Iterable[Procedure], faq: Iterable[FaqLike], slug_of: Mapping[str, str] | None = None
) -> list[Finding]:
    """Every contradiction found: figures procedure by procedure, then ``applies`` across them.

    ``faq`` may hold the store's other entries too (only ``kind == "faq"`` ones are read);
    ``slug_of`` maps an entry's id to its slug (default: the entry's ``slug``, or its id's part
    before "/").
    """
    procedures = list(procedures)
    grouped: dict[str, list[FaqLike]] = {}
    for entry in faq:
        if getattr(entry, "kind", "faq") != "faq":
            continue
        slug = (slug_of or {}).get(entry.id) or getattr(entry, "slug", None) or entry.id.split("/", 1)[0]
        grouped.setdefault(slug, []).append(entry)
    findings = [
        found
        for procedure in procedures
        for found in figure_findings(procedure, grouped.get(procedure.slug, []))
    ]
    return findings + applies_findings(procedures, grouped)
