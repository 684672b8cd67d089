"""Realistic unanswered questions for ``benchmarks/grouping.py``, labelled by what they ask.

Generated from the knowledge base's FAQ phrasings the way citizens type them: with and without
tones, teencode, a slipped tone mark or a mistyped letter, a greeting before and a particle
after; each keeps the FAQ entry it came from as its label, and entries are asked with a
long-tailed (Zipf) frequency, as unanswered questions are. Also the questions written apart from
the content (the search's dev set and the procedure openings), labelled by procedure.
"""

from __future__ import annotations

import json
import random
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from knowledge.seed import load_seed
from knowledge.text import fold

ROOT = Path(__file__).resolve().parent.parent
WRITTEN = (
    ROOT / "tests" / "data" / "retrieval_dev.jsonl",
    ROOT / "tests" / "data" / "procedure_openings.jsonl",
)

PREFIXES = (
    *[""] * 6,
    "cho em hỏi ",
    "cho tôi hỏi ",
    "xin hỏi ",
    "ad ơi ",
    "chị ơi cho em hỏi ",
    "mọi người ơi ",
    "cán bộ cho hỏi ",
    "em muốn hỏi là ",
    "hỏi chút ",
)
SUFFIXES = (*[""] * 5, "?", " ạ", " ạ?", " vậy ạ", " với ạ", " nhé", " ad ơi", "??", " ạ, cảm ơn")
# Respellings people use when typing fast (on the text with tones, then again without).
TEENCODE = (
    ("không", "ko"),
    ("không", "k"),
    ("được", "đc"),
    ("được", "dc"),
    ("gì", "j"),
    ("với", "vs"),
    ("bao nhiêu", "bn"),
    ("như thế nào", "ntn"),
    ("đăng ký", "đk"),
    ("rồi", "r"),
    ("mình", "mk"),
    ("muốn", "mún"),
)
TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # huyền, sắc, hỏi, ngã, nặng
NEIGHBOURS = "qwertyuiopasdfghjklzxcvbnm"


@dataclass(frozen=True)
class Sample:
    text: str
    label: str  # the FAQ entry the question was made from
    slug: str


def slip_tone(word: str, rng: random.Random) -> str:
    """One tone mark of ``word`` typed as another (``hỏi`` → ``hõi``)."""
    decomposed = unicodedata.normalize("NFD", word)
    marks = [i for i, ch in enumerate(decomposed) if ch in TONES]
    if not marks:
        return word
    at = rng.choice(marks)
    other = rng.choice([t for t in TONES if t != decomposed[at]])
    return unicodedata.normalize("NFC", decomposed[:at] + other + decomposed[at + 1 :])


def mistype(word: str, rng: random.Random) -> str:
    """A letter dropped, doubled, swapped with the next or hit next to on the keyboard."""
    if len(word) < 3:
        return word
    at = rng.randrange(len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:at] + word[at + 1 :]
    if kind == 1:
        return word[:at] + word[at] + word[at:]
    if kind == 2:
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return word[:at] + rng.choice(NEIGHBOURS) + word[at + 1 :]


def vary(text: str, rng: random.Random) -> str:
    """``text`` as one citizen might type it."""
    text = text.strip().rstrip("?").strip()
    text = text[0].lower() + text[1:] if text else text
    if rng.random() < 0.35:
        for plain, short in TEENCODE:
            if rng.random() < 0.6:
                text = text.replace(plain, short)
    words = text.split()
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        if words:
            at = rng.randrange(len(words))
            words[at] = (slip_tone if rng.random() < 0.5 else mistype)(words[at], rng)
    text = rng.choice(PREFIXES) + " ".join(words) + rng.choice(SUFFIXES)
    if rng.random() < 0.35:
        text = fold(text)  # typed without tones
    if rng.random() < 0.15:
        text = text.capitalize()
    return text


def questions(
    count: int, seed: int = 2026, *, slugs: set[str] | None = None, zipf: float = 1.0
) -> list[Sample]:
    """``count`` questions from the FAQ phrasings (of ``slugs`` only, if given), long-tailed."""
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not security
    faq = load_seed()
    entries = [(entry, faq.faq_slug[entry.id]) for entry in faq.faq]
    if slugs is not None:
        entries = [(entry, slug) for entry, slug in entries if slug in slugs]
    rng.shuffle(entries)
    weights = [1 / (rank + 1) ** zipf for rank in range(len(entries))]
    chosen = rng.choices(range(len(entries)), weights=weights, k=count)
    samples = []
    for index in chosen:
        entry, slug = entries[index]
        source = rng.choice((entry.question, *entry.phrasings))
        samples.append(Sample(vary(source, rng), entry.id, slug))
    return samples


def faq_slugs() -> list[str]:
    return sorted(set(load_seed().faq_slug.values()))


def written_questions() -> list[Sample]:
    """Questions written apart from the content, labelled by procedure (out of scope: alone)."""
    samples = []
    for path in WRITTEN:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if line.strip():
                data = json.loads(line)
                text = data.get("query") or data.get("text")
                slug = data.get("expected", data.get("slug"))
                samples.append(Sample(text, slug or f"out-of-scope/{path.stem}/{number}", slug or ""))
    return samples
