"""Vietnamese text normalisation shared by the Rasa NLU component and the knowledge index.

Pure standard library: the Rasa environment (Python 3.10) imports this module without the
rest of the knowledge package.

Two layers:

* ``clean`` — what every piece of user text goes through once on arrival: Unicode NFC,
  control characters removed, whitespace collapsed. The result is still what the person
  wrote and may be shown back to them (escaped).
* ``normalize`` — the matching form: lower case, diacritics folded (``đ`` → ``d``),
  punctuation dropped, teencode spelling undone and abbreviations expanded from the
  reviewed dictionary ``content/abbreviations.tsv``. Typing with or without tones, in NFC
  or NFD, "dk" or "đăng ký" gives the same string.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ABBREVIATIONS_FILE = Path(__file__).parent / "content" / "abbreviations.tsv"

# Control and invisible format characters, lone surrogates (JSON can carry "\ud800", which no
# encoder accepts) and non-characters.
_CONTROL = re.compile(
    "[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ud800-\udfff\ufdd0-\ufdef\ufeff\ufff9-\ufffb\ufffe\uffff]"
)
_SPACES = re.compile(r"\s+")
# Letters (any script), digits and combining marks (text typed in NFD) form words;
# everything else separates them.
_WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")
_REPEATS = re.compile(r"(.)\1{2,}")
# Vietnamese has no f, w or z; in chat they stand for ph, qu and d/gi.
_TEEN_PREFIXES = (("f", "ph"), ("w", "qu"))
_LATIN_KEEP = frozenset(
    {"wifi", "web", "website", "www", "windows", "word", "facebook", "file", "form", "fax"}
)


def clean(text: str) -> str:
    """Return ``text`` in NFC without control characters or lone surrogates, with single spaces."""
    text = _CONTROL.sub(" ", text)
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """Lower-case ``text`` and remove Vietnamese diacritics (``Đăng ký`` → ``dang ky``)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped.replace("đ", "d"))


def has_tones(text: str) -> bool:
    """Whether ``text`` carries any Vietnamese tone or letter mark (case does not count)."""
    typed = clean(text).lower()
    return fold(typed) != typed


def words(text: str) -> list[str]:
    """Split folded text into words; punctuation is a separator."""
    return _WORD.findall(text)


@dataclass(frozen=True)
class Token:
    """A matching token and the span of ``text`` it came from (several tokens may share one)."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Abbreviations:
    """Phrase → expansion table keyed by folded word tuples, longest phrase first."""

    table: dict[tuple[str, ...], tuple[str, ...]]
    longest: int

    @classmethod
    def parse(cls, lines: list[str]) -> Abbreviations:
        table: dict[tuple[str, ...], tuple[str, ...]] = {}
        for number, line in enumerate(lines, start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 2 or not parts[0].strip() or not parts[1].strip():
                raise ValueError(f"abbreviations line {number}: expected 'short<TAB>expansion'")
            key = tuple(words(fold(parts[0])))
            value = tuple(words(fold(parts[1])))
            if key in table and table[key] != value:
                raise ValueError(f"abbreviations line {number}: '{parts[0]}' is defined twice")
            table[key] = value
        return cls(table=table, longest=max((len(k) for k in table), default=1))

    def expand(self, tokens: list[Token]) -> list[Token]:
        out: list[Token] = []
        i = 0
        while i < len(tokens):
            for size in range(min(self.longest, len(tokens) - i), 0, -1):
                replacement = self.table.get(tuple(t.text for t in tokens[i : i + size]))
                if replacement is not None:
                    start, end = tokens[i].start, tokens[i + size - 1].end
                    out.extend(Token(word, start, end) for word in replacement)
                    i += size
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out


@lru_cache(maxsize=1)
def abbreviations() -> Abbreviations:
    """The reviewed dictionary shipped in ``knowledge/content``."""
    return Abbreviations.parse(ABBREVIATIONS_FILE.read_text(encoding="utf-8").splitlines())


def _respell(token: str, known: Abbreviations) -> str:
    if token in _LATIN_KEEP or (token,) in known.table:
        return token
    token = _REPEATS.sub(r"\1", token)
    for prefix, replacement in _TEEN_PREFIXES:
        if token.startswith(prefix) and len(token) > 1:
            return replacement + token[len(prefix) :]
    return token


def analyse(text: str) -> list[Token]:
    """Matching tokens of ``text`` with their spans in ``text`` as given (NFC or NFD).

    Each word is folded and respelled, then the abbreviation dictionary is applied.
    """
    known = abbreviations()
    found = [Token(_respell(fold(m.group()), known), m.start(), m.end()) for m in _WORD.finditer(text)]
    return known.expand(found)


def tokens(text: str) -> list[str]:
    """Matching tokens of ``text``: folded, respelled and with abbreviations expanded."""
    return [token.text for token in analyse(text)]


def normalize(text: str) -> str:
    """The matching form of ``text`` as one space-separated string."""
    return " ".join(tokens(text))
