"""Benchmark the grouping of unanswered questions (``app/grouping.py``): quality and time.

Questions are generated from the knowledge base's FAQ phrasings the way citizens type them
(``benchmarks/grouping_data.py``), each labelled with the FAQ entry it came from.

- **Thresholds** are chosen on questions made from the FAQ of half the procedures (every other
  slug) and reported on the other half, which nothing was fitted on, at the app's threshold
  (``app.grouping.THRESHOLDS``) and, when this run's tuning half picks another, at that one
  too; also on questions written apart from the content (``tests/data/retrieval_dev.jsonl`` and
  ``tests/data/procedure_openings.jsonl``, labelled by procedure; the out-of-scope ones each on
  their own). The tuned embedding model was fitted on the FAQ phrasings themselves (not on these
  two files), and the TF-IDF space is fitted on them too (``app.grouping.background``), so the
  synthetic figures flatter both; the written questions do not.
- **Quality** is B-cubed precision (how much of each question's group shares its label), recall
  (how much of its label's questions share its group) and F0.5: precision counts twice, since a
  mixed group hides a question behind another one's examples while a split one only shows the
  same question twice.
- **Algorithms**: average-linkage agglomerative clustering (chosen), the same restricted to a
  20-nearest-neighbour graph (scikit-learn's way to scale it), and HDBSCAN (``min_cluster_size``
  2, noise kept as one group per question).
- **Time and memory at 10,000 questions** (with the machine's cores and load average: the
  times hold only on an otherwise idle machine): encoding (once per question, then kept in the
  database), clustering alone (in a child process, for its peak memory), and the console's whole path: the
  ``Grouper`` on a real SQLite store, cold (every question to encode), warm (vectors kept, as
  after a restart), and with 100 new questions.
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from actions.services import Candidate, UnansweredQuestion
from app.database import Database
from app.grouper import Grouper
from app.grouping import THRESHOLDS, cluster, tfidf_vectors
from app.unanswered import UnansweredStore
from app.work import Work
from benchmarks import write_section
from benchmarks.grouping_data import Sample, faq_slugs, questions, written_questions
from knowledge.service import resolve_embedder
from knowledge.settings import KnowledgeSettings
from knowledge.text import normalize

SIZE = 10_000
SPLIT_SIZE = 3_000
GRID = {
    "embedding": [round(0.15 + 0.05 * i, 2) for i in range(8)],
    "tfidf": [round(0.25 + 0.05 * i, 2) for i in range(9)],
}


def bcubed(predicted: Sequence[int], labels: Sequence[str]) -> dict[str, float]:
    pairs = Counter(zip(predicted, labels, strict=True))
    sizes, truths = Counter(predicted), Counter(labels)
    n = len(labels)
    precision = sum(c * c / sizes[p] for (p, _), c in pairs.items()) / n
    recall = sum(c * c / truths[t] for (_, t), c in pairs.items()) / n
    f05 = 1.25 * precision * recall / (0.25 * precision + recall)
    return {"P": precision, "R": recall, "F0.5": f05, "groups": len(sizes)}


def dedupe_cluster(
    texts: Sequence[str], vectors: np.ndarray, method: Callable[[np.ndarray], np.ndarray]
) -> list[int]:
    """Cluster as the app does: questions with the same normalised form are one point."""
    forms = [normalize(text) or text for text in texts]
    first: dict[str, int] = {}
    for index, form in enumerate(forms):
        first.setdefault(form, index)
    points = sorted(set(first.values()))
    position = {index: at for at, index in enumerate(points)}
    labels = method(vectors[points])
    return [int(labels[position[first[form]]]) for form in forms]


def average(threshold: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda vectors: cluster(vectors, threshold)


def knn_average(threshold: float, k: int = 20) -> Callable[[np.ndarray], np.ndarray]:
    def run(vectors: np.ndarray) -> np.ndarray:
        from sklearn.cluster import AgglomerativeClustering
        from sklearn.neighbors import kneighbors_graph

        graph = kneighbors_graph(vectors, min(k, len(vectors) - 1), metric="cosine", include_self=False)
        return AgglomerativeClustering(
            n_clusters=None,
            distance_threshold=threshold,
            metric="cosine",
            linkage="average",
            connectivity=graph,
        ).fit_predict(vectors)

    return run


def hdbscan(vectors: np.ndarray) -> np.ndarray:
    from sklearn.cluster import HDBSCAN

    labels = HDBSCAN(min_cluster_size=2).fit_predict(vectors)  # euclidean on unit vectors ~ cosine
    noise = labels.max(initial=0) + 1
    return np.array([label if label >= 0 else noise + i for i, label in enumerate(labels)])


def measure(
    samples: Sequence[Sample], vectors: np.ndarray, method: Callable[[np.ndarray], np.ndarray]
) -> dict:
    started = time.perf_counter()
    predicted = dedupe_cluster([s.text for s in samples], vectors, method)
    return {**bcubed(predicted, [s.label for s in samples]), "seconds": time.perf_counter() - started}


def clustering_alone(vectors: np.ndarray, threshold: float) -> tuple[float, float, int]:
    """Seconds, peak memory added (MB) and groups of clustering ``vectors`` (run in a child process)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    labels = cluster(vectors, threshold)
    seconds = time.perf_counter() - started
    return seconds, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024, len(set(labels))


def in_child(function: Callable, *args: object) -> tuple:
    with ProcessPoolExecutor(1) as pool:
        return pool.submit(function, *args).result()


async def console_path(samples: Sequence[Sample], embedder: object) -> dict[str, float]:
    """The Grouper on a real SQLite store: cold, warm (a new Grouper: a restart), 100 new questions."""
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{Path(folder) / 'app.db'}", "bench-key" * 4)
        moment = datetime(2026, 12, 1, tzinfo=UTC)
        store = UnansweredStore(database, clock=lambda: moment)
        for number, sample in enumerate(samples):
            candidate = Candidate(sample.label, sample.slug, sample.label, 0.4)
            store.add(UnansweredQuestion(f"web:{number}", "web", sample.text, "unsure", (candidate,)))
        work = Work(8, 10, 2)
        timings: dict[str, float] = {}
        try:
            for name in ("cold", "warm"):
                grouper = Grouper(store, work, lambda: embedder, lambda: moment)  # type: ignore[arg-type,return-value]
                started = time.perf_counter()
                grouping = await grouper.refresh()
                timings[name] = time.perf_counter() - started
            for number, sample in enumerate(questions(100, seed=99)):
                store.add(UnansweredQuestion(f"web:new{number}", "web", sample.text, "none"))
            started = time.perf_counter()
            grouping = await grouper.refresh()
            timings["new"] = time.perf_counter() - started
            timings["groups"] = len(grouping.groups)
        finally:
            work.close()
            database.close()
    return timings


def table(rows: list[tuple[str, dict]]) -> list[str]:
    lines = ["| | groups | B-cubed P | R | F0.5 | time |", "| --- | --- | --- | --- | --- | --- |"]
    lines += [
        f"| {label} | {m['groups']} | {m['P']:.3f} | {m['R']:.3f} | {m['F0.5']:.3f} | {m['seconds']:.1f} s |"
        for label, m in rows
    ]
    return lines


def main() -> int:
    embedder = resolve_embedder(KnowledgeSettings())
    if embedder is None:
        print("EMBEDDING_MODEL=none: only the TF-IDF fallback can be measured", file=sys.stderr)
        return 1
    slugs = faq_slugs()
    tuning = questions(SPLIT_SIZE, seed=1, slugs=set(slugs[0::2]))
    held_out = questions(SPLIT_SIZE, seed=2, slugs=set(slugs[1::2]))
    written = written_questions()
    sets = {"tuning": tuning, "held_out": held_out, "written": written}
    encode = {
        "embedding": lambda texts: embedder.encode(list(texts)),
        "tfidf": tfidf_vectors,
    }
    vectors = {
        (kind, name): encode[kind]([s.text for s in samples])
        for kind in encode
        for name, samples in sets.items()
    }

    lines = [
        f"Quality: {SPLIT_SIZE:,} generated questions per half of the {len(slugs)} FAQ procedures "
        f"(tuning half: every other slug), and {len(written)} questions written apart from the content.",
        "",
    ]
    chosen: dict[str, float] = {}
    for kind in encode:
        grid = [(t, measure(tuning, vectors[(kind, "tuning")], average(t))) for t in GRID[kind]]
        best, _ = max(grid, key=lambda item: item[1]["F0.5"])
        chosen[kind] = best
        lines.append(
            f"**{kind}**, thresholds on the tuning half (best F0.5: {best}; in the app: {THRESHOLDS[kind]}):"
        )
        lines.append("")
        lines += table([(f"t = {t}", m) for t, m in grid])
        lines.append("")
    rows = []
    for kind in encode:
        for t in dict.fromkeys((THRESHOLDS[kind], chosen[kind])):  # the app's; this run's pick if other
            source = "the app's" if t == THRESHOLDS[kind] else "this run's tuning pick"
            for name in ("held_out", "written"):
                rows.append(
                    (
                        f"{kind}, average linkage, t = {t} ({source}), {name}",
                        measure(sets[name], vectors[(kind, name)], average(t)),
                    )
                )
    for name in ("held_out", "written"):
        data = vectors[("embedding", name)]
        rows.append((f"embedding, kNN-20 average linkage, t = {THRESHOLDS['embedding']}, {name}",
                     measure(sets[name], data, knn_average(THRESHOLDS["embedding"]))))  # fmt: skip
        rows.append((f"embedding, HDBSCAN (min size 2), {name}", measure(sets[name], data, hdbscan)))
    lines += ["Held out (nothing fitted on it) and written questions (labels: the procedure):", ""]
    lines += table(rows)

    big = questions(SIZE, seed=3)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    big_vectors = embedder.encode([s.text for s in big])
    encoding = time.perf_counter() - started
    started = time.perf_counter()
    big_tfidf = tfidf_vectors([s.text for s in big])
    tfidf_time = time.perf_counter() - started
    alone = in_child(clustering_alone, big_vectors, THRESHOLDS["embedding"])
    tfidf_alone = in_child(clustering_alone, big_tfidf, THRESHOLDS["tfidf"])
    knn_started = time.perf_counter()
    knn_groups = len(set(knn_average(THRESHOLDS["embedding"])(big_vectors)))
    knn_time = time.perf_counter() - knn_started
    hdb_started = time.perf_counter()
    hdb_groups = len(set(hdbscan(big_vectors)))
    hdb_time = time.perf_counter() - hdb_started
    path = asyncio.run(console_path(big, embedder))
    distinct = len({normalize(s.text) for s in big})
    lines += [
        "",
        f"At {SIZE:,} questions ({distinct:,} distinct once normalised), {os.cpu_count()} cores, "
        f"load average {load_before:.1f} before and {os.getloadavg()[0]:.1f} after (other work on "
        "the machine slows every figure below):",
        "",
        f"- encoding with the search's embedder: {encoding:.0f} s, once per question (vectors are kept)",
        f"- average linkage on the vectors: {alone[0]:.1f} s, peak memory +{alone[1]:.0f} MB, "
        f"{alone[2]:,} groups",
        f"- TF-IDF fallback: vectors {tfidf_time:.1f} s, clustering {tfidf_alone[0]:.1f} s, "
        f"+{tfidf_alone[1]:.0f} MB, {tfidf_alone[2]:,} groups",
        f"- for comparison: kNN-20 average linkage {knn_time:.1f} s ({knn_groups:,} groups), "
        f"HDBSCAN {hdb_time:.1f} s ({hdb_groups:,} groups)",
        f"- the console's path (Grouper, SQLite, examples and candidates): cold {path['cold']:.0f} s "
        f"(encodes every question), warm {path['warm']:.1f} s (after a restart), "
        f"100 new questions {path['new']:.1f} s; {int(path['groups']):,} groups",
    ]
    write_section(
        "grouping", "Grouping unanswered questions", "make bench (benchmarks/grouping.py)", "\n".join(lines)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
