"""Benchmark the knowledge search's speed: at the real size, and lexical + FAISS at 100,000 entries.

Run with `make bench` after `make index` (or alone: `.venv/bin/python -m benchmarks.search_speed`).
Writes the section ``bench:search-speed`` of BENCHMARKS.md.

- Real size: the index built by `make index` (var/index, copied to a temporary folder so nothing
  under var/ changes) over a store imported from the seed, with the configured embedder. Every
  dev-set query is timed through ``SearchService.search`` (hybrid, query embedding included) and,
  in turn on the same query, the query embedding, the lexical ranker and the FAISS lookup alone
  (so a change in the machine's load falls on every part alike); and an edit (an entry re-indexed) followed
  by the next query, which pays the lexical rebuild. Then the query embedding three ways, in turn
  on every 4th query: sentence-transformers' ``encode`` on torch's default threads and on one
  thread, and ``Embedder.encode`` (the model's modules called directly, one thread), with the
  largest difference between the vectors (the index was built with ``encode``).
- At 100,000 synthetic entries (random 4–14-word texts drawn from the seed's words): lexical
  index build time, peak and held memory, query latency, and an edit followed by the next query.
  FAISS flat at that size on random unit vectors (embedding 100,000 texts on two cores would take
  half an hour; a flat index's cost does not depend on the vectors' values): build, memory, query.
"""

from __future__ import annotations

import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import faiss
import numpy as np
import psutil

from benchmarks import write_section
from benchmarks.search import open_service
from knowledge.embedder import Embedder
from knowledge.evaluation import read_cases
from knowledge.lexical import LexicalIndex
from knowledge.search import CANDIDATES
from knowledge.seed import load_seed
from knowledge.settings import KnowledgeSettings
from knowledge.store import Entry, Store
from knowledge.text import clean, normalize

SYNTHETIC = 100_000
BIG_QUERIES = 200
EDITS = 20
ENCODER_STEP = 4  # every 4th dev-set query for the encoder comparison
BIG_EDITS = 3
T = TypeVar("T")
COMMAND = ".venv/bin/python -m benchmarks.search_speed (make bench)"


def percentiles(timings: list[float]) -> tuple[float, float]:
    """Median and 95th percentile (nearest rank) of timings in ms."""
    ordered = sorted(timings)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def timed(run: Callable[[T], object], queries: Sequence[T]) -> tuple[float, float]:
    timings = []
    for query in queries:
        started = time.perf_counter()
        run(query)
        timings.append((time.perf_counter() - started) * 1000)
    return percentiles(timings)


def synthetic(entries: list[Entry], count: int, rng: random.Random) -> list[tuple[str, str]]:
    words = [w for e in entries for t in e.texts() for w in t.split()]
    return [(f"synthetic/{i}", " ".join(rng.choices(words, k=rng.randint(4, 14)))) for i in range(count)]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def held_mb() -> float:
    """Resident memory now (the peak only ever grows)."""
    return psutil.Process().memory_info().rss / 2**20


def edit_then_query(index: LexicalIndex, edits: list[tuple[str, tuple[str, ...]]], query: str) -> list[float]:
    """Re-index an entry and run the next query, which rebuilds the lexical engine (ms)."""
    timings = []
    for entry_id, texts in edits:
        started = time.perf_counter()
        index.add(entry_id, texts)
        index.search(query, CANDIDATES)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def encoder_variants(embedder: Embedder, queries: list[str]) -> list[str]:
    """One query encoded three ways, interleaved so the machine's load falls on each alike."""
    import torch

    model = embedder._model
    default = torch.get_num_threads()

    def library(threads: int) -> Callable[[str], np.ndarray]:
        def run(query: str) -> np.ndarray:
            torch.set_num_threads(threads)
            try:
                text = normalize(query) if embedder.fold else clean(query)
                return model.encode([text], normalize_embeddings=True, show_progress_bar=False)
            finally:
                torch.set_num_threads(default)

        return run

    variants = [
        (f"sentence-transformers `encode`, {default} threads (torch's default)", library(default)),
        ("sentence-transformers `encode`, 1 thread", library(1)),
        ("`Embedder.encode`: the model's modules called directly, 1 thread", lambda q: embedder.encode([q])),
    ]
    timings: list[list[float]] = [[] for _ in variants]
    deviation = 0.0
    for query in queries:
        vectors = []
        for number, (_, run) in enumerate(variants):
            started = time.perf_counter()
            vectors.append(run(query))
            timings[number].append((time.perf_counter() - started) * 1000)
        deviation = max(deviation, float(np.abs(vectors[-1] - vectors[0]).max()))
    lines = ["| Query embedding | p50 | p95 |", "| --- | --- | --- |"]
    for (label, _), values in zip(variants, timings, strict=True):
        median, p95 = percentiles(values)
        lines.append(f"| {label} | {median:.1f} ms | {p95:.1f} ms |")
    lines += ["", f"Largest difference between the `Embedder.encode` and `encode` vectors: {deviation:.1e}."]
    return lines


def real_size(settings: KnowledgeSettings, queries: list[str]) -> list[str]:
    service, rebuilt = open_service(settings, Path(tempfile.mkdtemp()))
    entries, embedder = service.store.entries(), service.embedder
    if embedder is None:
        return ["- real size: no embedder configured (EMBEDDING_MODEL=none); hybrid search not timed"]
    for query in queries[:20]:  # warm-up: model loaded, lexical engine built, caches filled
        service.search(query, k=5)
    assert service._dense is not None
    faiss_index = service._dense._index
    vectors = dict(zip(queries, embedder.encode(queries), strict=True))
    parts: dict[str, Callable[[str], object]] = {  # timed in turn on each query: the load falls alike
        "search": lambda q: service.search(q, k=5),
        "encode": lambda q: embedder.encode([q]),
        "lexical": lambda q: service._lexical.search(q, CANDIDATES),
        "faiss": lambda q: faiss_index.search(vectors[q][None, :], CANDIDATES * 4),
    }
    timings: dict[str, list[float]] = {name: [] for name in parts}
    for query in queries:
        for name, run in parts.items():
            started = time.perf_counter()
            run(query)
            timings[name].append((time.perf_counter() - started) * 1000)
    (search50, search95), (encode50, encode95), (lexical50, lexical95), (faiss50, faiss95) = (
        percentiles(timings[name]) for name in parts
    )
    edits = edit_then_query(service._lexical, [(e.id, e.texts()) for e in entries[:EDITS]], queries[0])
    edit50, edit95 = percentiles(edits)
    rest = search50 - encode50 - lexical50 - faiss50
    return [
        f"Real index: {len(entries)} entries, {service._dense.vectors} phrasings"
        + (" (the saved index did not match the seed: rebuilt for this run)." if rebuilt else "."),
        f"Embedder: `{embedder.model_name}`; {len(queries)} dev-set queries, each part timed in turn"
        " on each query.",
        "",
        "| At the real size | p50 | p95 |",
        "| --- | --- | --- |",
        f"| hybrid `SearchService.search` | {search50:.1f} ms | {search95:.1f} ms |",
        f"| of which the query embedding | {encode50:.1f} ms | {encode95:.1f} ms |",
        f"| of which the lexical ranker (top {CANDIDATES}) | {lexical50:.2f} ms | {lexical95:.2f} ms |",
        f"| of which the FAISS lookup | {faiss50:.2f} ms | {faiss95:.2f} ms |",
        f"| the rest (fusion, answer decision), from the medians | {rest:.1f} ms | |",
        f"| an edit, then the next lexical query (rebuild) | {edit50:.0f} ms | {edit95:.0f} ms |",
        "",
        f"Query embedding share of the median search: {encode50 / search50:.0%}.",
        "",
        f"The query embedding three ways ({len(queries[::ENCODER_STEP])} queries, each way in turn):",
        "",
        *encoder_variants(embedder, queries[::ENCODER_STEP]),
    ]


def big_lexical(texts: list[tuple[str, str]], queries: list[str]) -> list[str]:
    peak_before, held_before = peak_mb(), held_mb()
    started = time.perf_counter()
    index = LexicalIndex()
    for entry_id, text in texts:
        index.add(entry_id, (text,))
    tokenised = time.perf_counter() - started
    started = time.perf_counter()
    index.search(queries[0], CANDIDATES)  # the first query builds the engine
    built = time.perf_counter() - started
    peak, held = peak_mb() - peak_before, held_mb() - held_before
    query50, query95 = timed(lambda q: index.search(q, CANDIDATES), queries)
    edits = edit_then_query(index, [(f"synthetic/{i}", (texts[i][1],)) for i in range(BIG_EDITS)], queries[0])
    edit50, edit95 = percentiles(edits)
    return [
        f"| lexical (bm25s) | {tokenised:.1f} s tokenising + {built:.1f} s building | peak +{peak:.0f} MB,"
        f" held +{held:.0f} MB | {query50:.1f} ms | {query95:.1f} ms |",
        f"| an edit, then the next lexical query (rebuild) | | | {edit50:.0f} ms | {edit95:.0f} ms |",
    ]


def big_dense(dimension: int, count: int) -> str:
    held_before = held_mb()  # its peak would hide under the lexical build's
    started = time.perf_counter()
    index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))  # what DenseIndex holds
    rng = np.random.default_rng(2025)
    for start in range(0, count, 10_000):
        block = rng.standard_normal((min(10_000, count - start), dimension)).astype("float32")
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        index.add_with_ids(block, np.arange(start, start + len(block), dtype="int64"))
    built = time.perf_counter() - started
    held = held_mb() - held_before
    queries = rng.standard_normal((BIG_QUERIES, dimension)).astype("float32")
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    query50, query95 = timed(lambda vector: index.search(vector[None, :], CANDIDATES * 4), list(queries))
    return (
        f"| FAISS flat, {dimension} dimensions | {built:.1f} s | held +{held:.0f} MB"
        f" | {query50:.1f} ms | {query95:.1f} ms |"
    )


def main() -> int:
    settings = KnowledgeSettings()
    queries = [case.query for case in read_cases(settings.search_dev_set)]
    store = Store(f"sqlite:///{Path(tempfile.mkdtemp()) / 'knowledge.db'}")
    store.import_seed(load_seed())
    entries = store.entries()

    texts = synthetic(entries, SYNTHETIC, random.Random(2025))  # noqa: S311 - benchmark data
    big = [
        f"At {SYNTHETIC:,} synthetic entries ({BIG_QUERIES} dev-set queries; memory: growth of the"
        " process's peak during the build, and of its resident size while the index is held):",
        "",
        "| Index | build | memory | query p50 | query p95 |",
        "| --- | --- | --- | --- | --- |",
        *big_lexical(texts, queries[:BIG_QUERIES]),
        big_dense(384, SYNTHETIC),
    ]
    lines = [*real_size(settings, queries), "", *big]
    write_section("search-speed", "Knowledge search speed", COMMAND, "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
