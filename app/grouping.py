"""Group the unanswered questions by similarity, for the staff console.

**Vectors.** The knowledge base's own sentence embeddings (``SearchService.embedder``, the model
the search uses: by default the one ``make index`` tunes on the content), kept with each question
in the database under the model's name so that each question is encoded once. Without an
embedder (``EMBEDDING_MODEL=none``, or the knowledge base not open yet) TF-IDF vectors of
character 3–5-grams of ``knowledge.text.normalize`` (tones folded, teencode undone), which
tolerate the typos and missing tones of chat text, in a 128-dimension LSA space fitted on the
content's phrasings together with the questions, so that distances mean the same for ten
questions as for ten thousand.

**Clustering.** scikit-learn's ``AgglomerativeClustering`` with average linkage on cosine
distance, cut at a distance threshold (:data:`THRESHOLDS`): two groups merge while their
questions are, on average, closer than the threshold, so the number of groups follows the data,
a question unlike any other stays alone, and no chain of small steps joins unrelated questions
(single linkage's fault). ``benchmarks/grouping.py`` measured it against HDBSCAN and against
the same clustering restricted to a k-nearest-neighbour graph, chose the thresholds on questions
of half the procedures and reports quality on the other half and on questions written apart from
the content (BENCHMARKS.md, "Grouping unanswered questions"). Average linkage needs every pairwise
distance: memory and time grow with the square of the number of questions (about 0.8 GB and
10–15 s at 10,000 on two cores), so at most :data:`MAX_QUESTIONS` questions, the newest, are
grouped at a time. Questions that normalise to the same text are clustered as one point.

**A group** has an id (``g`` and its earliest question's id, stable while that question stays in
it), its number of questions, first and last seen, up to :data:`EXAMPLES` distinct examples (the
closest to the group's centre first: the first one is the group's question), how the questions
were answered, and the entries the search offered most (summed scores of the questions that
offered them). Groups come largest first.

``app/grouper.py`` keeps the last grouping and recomputes it when it is stale.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from app.unanswered import Backlog, StoredQuestion
from knowledge.seed import load_seed
from knowledge.text import fold, normalize

if TYPE_CHECKING:
    from knowledge.embedder import Embedder

logger = logging.getLogger(__name__)

MAX_QUESTIONS = 10_000
EXAMPLES = 5
TOP_CANDIDATES = 3
ENCODE_BATCH = 256  # questions encoded per call on the compute threads (searches go in between)
TFIDF_DIMENSIONS = 128
# Cosine distance at which clustering stops merging, per kind of vector: chosen on the tuning
# half of benchmarks/grouping.py (see BENCHMARKS.md). Another embedding model needs its own.
THRESHOLDS = {"embedding": 0.35, "tfidf": 0.45}


@dataclass(frozen=True)
class CandidateEntry:
    """An entry the search offered for the group's questions."""

    id: str
    slug: str
    title: str
    questions: int  # how many of the group's questions it was offered for
    score: float  # its mean score over those questions

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "slug": self.slug,
            "title": self.title,
            "questions": self.questions,
            "score": self.score,
        }


@dataclass(frozen=True)
class Group:
    id: str
    count: int
    first_seen: datetime
    last_seen: datetime
    examples: tuple[str, ...]  # distinct, the most central first
    candidates: tuple[CandidateEntry, ...]
    outcomes: dict[str, int]  # how many got topics to choose ("unsure"), nothing ("none"), the contact
    question_ids: tuple[int, ...]

    @property
    def question(self) -> str:
        """The group's question: its most central example."""
        return self.examples[0]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "count": self.count,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "examples": list(self.examples),
            "candidates": [candidate.as_json() for candidate in self.candidates],
            "outcomes": self.outcomes,
        }


@dataclass(frozen=True)
class Grouping:
    groups: tuple[Group, ...]
    backlog: Backlog  # what the store held when it was computed
    model: str  # the embedding model's key, or "tfidf"
    grouped: int  # questions grouped (at most MAX_QUESTIONS)
    computed_at: datetime
    seconds: float
    by_id: dict[str, Group] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.by_id.update({group.id: group for group in self.groups})

    @property
    def method(self) -> str:
        return "tfidf" if self.model == TFIDF else "embedding"

    def group(self, group_id: str) -> Group | None:
        return self.by_id.get(group_id)

    def without(self, group_id: str) -> Grouping:
        """This grouping with one group gone (handled), until the next one is computed."""
        gone = self.by_id.get(group_id)
        if gone is None:
            return self
        kept = tuple(group for group in self.groups if group.id != group_id)
        return replace(self, groups=kept, grouped=self.grouped - gone.count, by_id={})


TFIDF = "tfidf"


def model_key(embedder: Embedder | None) -> str:
    """The name vectors are kept under: a short hash of the embedder's identity, or "tfidf"."""
    if embedder is None:
        return TFIDF
    return hashlib.sha256(embedder.identity.encode()).hexdigest()[:16]


@lru_cache(maxsize=1)
def background() -> tuple[str, ...]:
    """Every way the seed's content is asked (FAQ questions and phrasings, topics' names and
    aliases), normalised: the TF-IDF space is fitted on them and the questions together, so its
    distances (and the threshold) do not depend on how many questions there are."""
    seed = load_seed()
    texts = [text for entry in seed.faq for text in (entry.question, *entry.phrasings)]
    texts += [
        text
        for topic in (*seed.procedures.values(), *seed.guides.values())
        for text in (topic.name, *topic.aliases)
    ]
    return tuple(normalize(text) for text in texts)


def tfidf_vectors(texts: Sequence[str]) -> np.ndarray:
    """Unit vectors of character 3–5-grams of the normalised texts, in a 128-dimension LSA space
    fitted on the content's phrasings (:func:`background`) and these texts."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize as unit

    if not texts:
        return np.zeros((0, 1), dtype="float32")
    forms = [normalize(text) or text.lower() for text in texts]
    corpus = [*background(), *forms]
    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(corpus)
    reduced = TruncatedSVD(TFIDF_DIMENSIONS, random_state=0).fit_transform(matrix)[-len(forms) :]
    return unit(reduced).astype("float32")  # a text with nothing to compare stays a zero vector


def cluster(vectors: np.ndarray, threshold: float) -> np.ndarray:
    """A cluster label per row of ``vectors`` (unit vectors): average linkage on cosine distance;
    a zero vector (nothing to compare) is a cluster of its own."""
    from sklearn.cluster import AgglomerativeClustering

    labels = np.arange(len(vectors))
    comparable = np.flatnonzero(np.linalg.norm(vectors, axis=1) > 0) if len(vectors) else labels
    if len(comparable) < 2:
        return labels
    model = AgglomerativeClustering(
        n_clusters=None, distance_threshold=threshold, metric="cosine", linkage="average"
    )
    labels[comparable] = len(vectors) + model.fit_predict(vectors[comparable])
    return labels


def _candidates(questions: Sequence[StoredQuestion]) -> tuple[CandidateEntry, ...]:
    total: dict[str, float] = defaultdict(float)
    offered: Counter[str] = Counter()
    about: dict[str, dict[str, Any]] = {}
    for question in questions:
        for candidate in question.candidates:
            entry_id = str(candidate.get("id") or "")
            if not entry_id:
                continue
            total[entry_id] += float(candidate.get("score") or 0.0)
            offered[entry_id] += 1
            about.setdefault(entry_id, candidate)
    best = sorted(total, key=lambda entry_id: (-total[entry_id], entry_id))[:TOP_CANDIDATES]
    return tuple(
        CandidateEntry(
            id=entry_id,
            slug=str(about[entry_id].get("slug") or ""),
            title=str(about[entry_id].get("title") or entry_id),
            questions=offered[entry_id],
            score=round(total[entry_id] / offered[entry_id], 4),
        )
        for entry_id in best
    )


def _group(questions: list[StoredQuestion], forms: list[str], vectors: np.ndarray) -> Group:
    """One group from its questions, their normalised forms and vectors (same order)."""
    centre = vectors.mean(axis=0)
    closeness = vectors @ centre

    def _toned(index: int) -> bool:
        text = questions[index].text
        return fold(text) != text.lower()

    examples: list[str] = []
    seen: set[str] = set()
    # The most central first; at a tie, one written with its tones (the better question for an FAQ).
    order = sorted(range(len(questions)), key=lambda i: (-round(float(closeness[i]), 3), not _toned(i), i))
    for index in order:
        if forms[index] not in seen:
            seen.add(forms[index])
            examples.append(questions[index].text)
            if len(examples) == EXAMPLES:
                break
    times = [question.created_at for question in questions]
    return Group(
        id=f"g{min(question.id for question in questions)}",
        count=len(questions),
        first_seen=min(times),
        last_seen=max(times),
        examples=tuple(examples),
        candidates=_candidates(questions),
        outcomes=dict(Counter(question.outcome for question in questions)),
        question_ids=tuple(sorted(question.id for question in questions)),
    )


def group_questions(
    questions: Sequence[StoredQuestion], vectors: np.ndarray, threshold: float
) -> list[Group]:
    """Groups of ``questions`` (``vectors``: a unit vector per question, same order), largest first."""
    if not questions:
        return []
    forms = [normalize(question.text) or question.text.lower() for question in questions]
    point_of: dict[str, int] = {}
    points: list[int] = []  # the first question of each distinct form
    for index, form in enumerate(forms):
        if form not in point_of:
            point_of[form] = len(points)
            points.append(index)
    labels = cluster(vectors[points], threshold)
    members: dict[int, list[int]] = defaultdict(list)
    for index, form in enumerate(forms):
        members[int(labels[point_of[form]])].append(index)
    groups = [
        _group([questions[i] for i in indexes], [forms[i] for i in indexes], vectors[indexes])
        for indexes in members.values()
    ]
    groups.sort(key=lambda group: (-group.count, -group.last_seen.timestamp(), group.id))
    return groups
