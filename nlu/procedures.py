"""Find the procedure a message asks for, however it is typed.

Everything comes from the lookup ``python -m knowledge lookup`` generates into the NLU data from
the knowledge content (its tables are described in ``knowledge/lookup.py``): the procedures'
names and aliases, the papers they issue, their requests (``asks``) and the parts of the
liên thông procedures (``bundles``). Phrases and message alike are matched on the matching
form of ``knowledge.text`` ("giấy khai sinh", "giay khai sinh" and "gks" alike).

A message often names a document while asking for something else ("mất giấy khai sinh, xin
bản sao trích lục"). So the evidence is weighed: a liên thông procedure whose parts are named
together > a request with its object > a name (or request words alone) > a *mention* (a name
that is only the paper a procedure issues: "giấy khai sinh", "căn cước"). An object counts only
where it is not part of another procedure's longer name ("đăng ký kết hôn" asks for that
procedure; the paper "giấy khai sinh" alone does not). One entity per procedure, the strongest
first (then the earliest); a weaker entity overlapping the words a stronger one was found from
is absorbed into it. The entity's value is the catalog slug.

Request words are short, and folding tones makes different words one ("mất" lost, "mặt" face,
"mát" cool): a request phrase typed *with* tones must carry the tones it is written with
(the tone mark's place on the vowel does not matter); typed without tones it matches on the
folded form, as names do.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

import knowledge.text
from knowledge.text import Token, analyse, tokens, words

PHRASES_FILE = "phrases.json"
# Table names of the generated lookup (knowledge/lookup.py writes them; nlu may not import it).
ISSUES_TABLE = "/issues"
ASK_TABLE = "/ask/"
PART_TABLE = "/part/"
# How much a piece of evidence says the procedure is what is asked for.
MENTION, NAME, ASKED, BUNDLED = 1, 2, 3, 4
# Vietnamese tone marks (decomposed); the other marks (ă â ê ô ơ ư) make different letters.
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")

Key = tuple[str, ...]  # matching tokens of a phrase
Span = tuple[int, int]  # token positions [start, end)


def _signature(word: str) -> tuple[str, str] | None:
    """A word typed with diacritics as (letters with their vowel marks, tone mark); None without."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    if decomposed.isascii():
        return None
    letters = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONE_MARKS))
    return letters, "".join(ch for ch in decomposed if ch in _TONE_MARKS)


@dataclass(frozen=True)
class Cue:
    """Phrases to find, keyed by matching tokens, with the words each was written with."""

    spellings: dict[Key, tuple[tuple[str, ...], ...]]

    @classmethod
    def of(cls, written: Iterable[str]) -> Cue:
        spellings: dict[Key, list[tuple[str, ...]]] = defaultdict(list)
        for phrase in written:
            key = tuple(tokens(phrase))
            if key:
                spellings[key].append(tuple(words(unicodedata.normalize("NFC", phrase.lower()))))
        return cls({key: tuple(found) for key, found in spellings.items()})

    def written(self) -> list[str]:
        return sorted({" ".join(spelling) for found in self.spellings.values() for spelling in found})

    def find(self, found: list[Token], text: str) -> list[Span]:
        """Every place the phrases occur (overlaps included), in order."""
        longest = max((len(key) for key in self.spellings), default=0)
        texts = [token.text for token in found]
        spans = []
        for i in range(len(texts)):
            for size in range(1, min(longest, len(texts) - i) + 1):
                spellings = self.spellings.get(tuple(texts[i : i + size]))
                if spellings and _toned_alike(text[found[i].start : found[i + size - 1].end], spellings):
                    spans.append((i, i + size))
        return spans


def _toned_alike(typed: str, spellings: tuple[tuple[str, ...], ...]) -> bool:
    """Whether words typed with tones carry those of one spelling (untoned words match any)."""
    typed_words = words(typed)
    comparable = [spelling for spelling in spellings if len(spelling) == len(typed_words)]
    if not comparable:  # an abbreviation on one side: the folded match is all there is to go on
        return True
    for spelling in comparable:
        pairs = ((_signature(a), _signature(b)) for a, b in zip(typed_words, spelling, strict=True))
        if all(a is None or b is None or a == b for a, b in pairs):
            return True
    return False


@dataclass(frozen=True)
class Request:
    slug: str
    words: Cue
    about: Cue | None  # None: the words alone mean the procedure
    unless: Cue | None = None  # phrases in which the words mean something else


@dataclass
class Evidence:
    strength: int
    spans: list[Span]


def _overlap(first: Iterable[Span], second: Iterable[Span]) -> bool:
    second = list(second)
    return any(a < d and c < b for a, b in first for c, d in second)


class Reading:
    """One message as the matcher reads it: its tokens and the procedure names found in them."""

    def __init__(self, text: str, found: list[Token], matcher: ProcedureMatcher) -> None:
        self.text, self.found, self.mentions = text, found, matcher.mentions
        self.texts = [token.text for token in found]
        self.named = matcher.named(self.texts)

    def mention(self, span: Span) -> bool:
        return tuple(self.texts[span[0] : span[1]]) in self.mentions

    def covering(self, span: Span) -> list[tuple[Span, str]]:
        """The longer names that ``span`` lies inside."""
        i, j = span
        return [((a, b), slug) for (a, b), slug in self.named if a <= i and j <= b and b - a > j - i]

    def asked(self, request: Request) -> tuple[int, list[Span]] | None:
        """How strongly, and from which words, ``request`` is made in the message (None: not)."""
        other_sense = request.unless.find(self.found, self.text) if request.unless else []
        # Request words inside another procedure's longer name belong to that name
        # ("trích lục khai tử", "xin phép sửa nhà").
        asked = [
            span
            for span in request.words.find(self.found, self.text)
            if not _overlap([span], other_sense)
            and all(slug == request.slug for _, slug in self.covering(span))
        ]
        if not asked:
            return None
        if request.about is None:  # words alone say as much as a name
            return NAME, asked[:1]
        # An object inside another procedure's longer name (not a mere paper) is part of a
        # request for that procedure ("làm giấy khai sinh", "chuyển hộ khẩu").
        objects = [
            span
            for span in request.about.find(self.found, self.text)
            if all(slug == request.slug or self.mention(name) for name, slug in self.covering(span))
        ]
        pair = next(([w, o] for w in asked for o in objects if not _overlap([w], [o])), None)
        # Inside one name ("mất cccd") the request says no more than the name does.
        if pair is None or any(a <= min(pair)[0] and max(pair)[1] <= b for (a, b), _ in self.named):
            return None
        return ASKED, pair

    def bundled(self, parts: list[Cue]) -> list[Span]:
        """Where the parts of a bundle are named, one place per part named."""
        chosen: list[Span] = []
        for part in parts:
            # "khai sinh" in "giấy khai sinh" names the paper, not the procedure.
            spans = [
                span
                for span in part.find(self.found, self.text)
                if not any(self.mention(name) for name, _ in self.covering(span))
                and not _overlap([span], chosen)
            ]
            chosen += spans[:1]
        return chosen


class ProcedureMatcher:
    """What the extractor knows after training: names, requests and bundles, as matching cues."""

    def __init__(
        self,
        names: dict[Key, str],
        requests: list[Request] | None = None,
        bundles: dict[str, list[Cue]] | None = None,
        issues: Cue | None = None,
    ) -> None:
        self.names, self.requests, self.bundles = names, requests or [], bundles or {}
        self.issues = issues or Cue({})
        self._longest = max((len(key) for key in names), default=0)
        # A name that is only the paper a procedure issues is not a request in itself.
        self.mentions = {key for key in names if key in self.issues.spellings}

    def __bool__(self) -> bool:
        return bool(self.names or self.requests or self.bundles)

    def named(self, texts: list[str]) -> list[tuple[Span, str]]:
        """Procedure names, the longest phrase first at each position, not overlapping."""
        named: list[tuple[Span, str]] = []
        i = 0
        while i < len(texts):
            for size in range(min(self._longest, len(texts) - i), 0, -1):
                slug = self.names.get(tuple(texts[i : i + size]))
                if slug is not None:
                    named.append(((i, i + size), slug))
                    i += size
                    break
            else:
                i += 1
        return named

    def find(self, text: str) -> list[tuple[str, int, int]]:
        """(slug, start, end) of the procedures ``text`` asks for, the one asked for first."""
        reading = Reading(text, analyse(text), self)
        evidence: dict[str, Evidence] = {}

        def add(slug: str, strength: int, spans: list[Span]) -> None:
            known = evidence.setdefault(slug, Evidence(strength, []))
            known.strength = max(known.strength, strength)
            known.spans.extend(spans)

        for span, slug in reading.named:
            add(slug, MENTION if reading.mention(span) else NAME, [span])
        for request in self.requests:
            if found := reading.asked(request):
                add(request.slug, *found)
        for slug, parts in self.bundles.items():
            if len(chosen := reading.bundled(parts)) >= 2:
                add(slug, BUNDLED, chosen)

        ranked = sorted(evidence.items(), key=lambda item: (-item[1].strength, min(item[1].spans)))
        kept: list[tuple[str, Evidence]] = []
        for slug, this in ranked:
            if not any(
                other.strength > this.strength and _overlap(this.spans, other.spans) for _, other in kept
            ):
                kept.append((slug, this))
        found = reading.found
        return [
            (slug, found[min(i for i, _ in this.spans)].start, found[max(j for _, j in this.spans) - 1].end)
            for slug, this in kept
        ]

    # --- what the model resource holds: the lookup's phrases as written ------------------------
    def dump(self) -> dict[str, Any]:
        def phrases(cue: Cue | None) -> list[str] | None:
            return cue.written() if cue else None

        return {
            "names": [[list(key), slug] for key, slug in sorted(self.names.items())],
            "requests": [
                {
                    "slug": r.slug,
                    "words": r.words.written(),
                    "about": phrases(r.about),
                    "unless": phrases(r.unless),
                }
                for r in self.requests
            ],
            "bundles": {
                slug: [part.written() for part in parts] for slug, parts in sorted(self.bundles.items())
            },
            "issues": self.issues.written(),
        }

    @classmethod
    def from_dump(cls, data: Any) -> ProcedureMatcher:
        if isinstance(data, list):  # a model trained before requests and bundles existed
            data = {"names": data}

        def cue(phrases: list[str] | None) -> Cue | None:
            return Cue.of(phrases) if phrases else None

        requests = [
            Request(r["slug"], Cue.of(r["words"]), cue(r.get("about")), cue(r.get("unless")))
            for r in data.get("requests", [])
            if r["words"]
        ]
        bundles = {slug: [Cue.of(part) for part in parts] for slug, parts in data.get("bundles", {}).items()}
        names = {tuple(key): slug for key, slug in data.get("names", [])}
        return cls(names, requests, bundles, Cue.of(data.get("issues", [])))

    @classmethod
    def from_training_data(cls, training_data: TrainingData, entity: str) -> ProcedureMatcher:
        synonyms = {text.lower(): value for text, value in training_data.entity_synonyms.items()}
        names: dict[Key, str] = {}
        asks: dict[tuple[str, int], dict[str, list[str]]] = defaultdict(dict)  # (slug, n) -> role -> phrases
        parts: dict[str, dict[int, list[str]]] = defaultdict(dict)  # slug -> n -> phrases
        issues: list[str] = []
        for table in training_data.lookup_tables:
            name, elements = str(table.get("name", "")), [str(e) for e in table.get("elements", [])]
            if name == entity:
                for element in elements:
                    slug, key = synonyms.get(element.lower()), tuple(tokens(element))
                    if slug and key:
                        names[key] = slug
            elif name == entity + ISSUES_TABLE:
                issues = elements
            elif name.startswith(entity + ASK_TABLE):  # procedure/ask/<slug>/<n>/<words|about|unless>
                slug, number, role = name.removeprefix(entity + ASK_TABLE).split("/")
                asks[(slug, int(number))][role] = elements
            elif name.startswith(entity + PART_TABLE):  # procedure/part/<slug>/<n>
                slug, number = name.removeprefix(entity + PART_TABLE).split("/")
                parts[slug][int(number)] = elements
        return cls.from_dump(
            {
                "names": [[list(key), slug] for key, slug in names.items()],
                "requests": [
                    {"slug": slug, **roles} for (slug, _), roles in sorted(asks.items()) if "words" in roles
                ],
                "bundles": {slug: [n[k] for k in sorted(n)] for slug, n in parts.items() if len(n) >= 2},
                "issues": issues,
            }
        )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class ProcedureEntityExtractor(GraphComponent, EntityExtractorMixin):
    """The procedures a message asks for, from the names, requests and bundles of the content."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"entity": "procedure"}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        matcher: ProcedureMatcher | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._matcher = matcher or ProcedureMatcher({})

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ProcedureEntityExtractor:
        return cls(config, model_storage, resource)

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Rasa reuses a cached training unless this class's source changed; the matching lives
        in this module and ``knowledge.text`` too, so a change there must retrain as well."""
        sources = (inspect.getsource(sys.modules[__name__]), inspect.getsource(knowledge.text))
        return hashlib.sha256("".join(sources).encode("utf-8")).hexdigest()

    def train(self, training_data: TrainingData) -> Resource:
        self._matcher = ProcedureMatcher.from_training_data(training_data, self._config["entity"])
        with self._model_storage.write_to(self._resource) as directory:
            text = json.dumps(self._matcher.dump(), ensure_ascii=False)
            (directory / PHRASES_FILE).write_text(text, encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ProcedureEntityExtractor:
        try:
            with model_storage.read_from(resource) as directory:
                data = json.loads((directory / PHRASES_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            data = []
        return cls(config, model_storage, resource, ProcedureMatcher.from_dump(data))

    def find(self, text: str) -> list[dict[str, Any]]:
        """The procedures ``text`` asks for as entities, the one asked for first."""
        entity = self._config["entity"]
        return [
            {"entity": entity, "start": start, "end": end, "value": slug}
            for slug, start, end in self._matcher.find(text)
        ]

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or not self._matcher:
                continue
            entities = self.add_extractor_name(self.find(text))
            message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        return messages
