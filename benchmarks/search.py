"""Benchmark the knowledge search: quality on the dev set and query latency at two sizes.

Run with `make bench` after `make index`. Prints a Markdown section for BENCHMARKS.md.

- Quality: lexical only, dense only (bundled English model), dense only (model tuned by
  `make index`) and the calibrated hybrid, all in this one run, on tests/data/retrieval_dev.jsonl,
  split by whether the query carries Vietnamese diacritics.
- Latency of `SearchService.search` (hybrid, query embedding included) at the real index size.
- At 100,000 synthetic entries: index build time, peak memory and query latency. Embedding
  100,000 texts on two CPU cores would take about half an hour, so the synthetic dense vectors are
  random unit vectors: the numbers measure FAISS and BM25 at that size; the query embedding
  cost is the one measured at the real size.
"""

from __future__ import annotations

import random
import resource
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

import numpy as np

from benchmarks import write_section
from knowledge.calibration import calibrate_at, fit
from knowledge.dense import DenseIndex
from knowledge.embedder import Embedder
from knowledge.evaluation import Case, Outcome, read_cases, score
from knowledge.lexical import LexicalIndex
from knowledge.search import Calibration, SearchService
from knowledge.seed import load_seed
from knowledge.service import tuned_model_dir
from knowledge.settings import KnowledgeSettings
from knowledge.store import Entry, Store

SYNTHETIC = 100_000


def has_tones(text: str) -> bool:
    return "đ" in text.lower() or any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", text))


def quality(service: SearchService, cases: list[Case], calibration: Calibration) -> dict:
    service.calibration = calibration

    def run(query: str) -> Outcome:
        result = service.search(query, k=10)
        return Outcome([h.slug for h in result.hits], result.answer.slug if result.answer else None)

    overall = score(cases, run)
    toned = score([c for c in cases if has_tones(c.query)], run)
    plain = score([c for c in cases if not has_tones(c.query)], run)
    return {**overall, "R@1 with tones": toned["R@1"], "R@1 without tones": plain["R@1"]}


def latency(run, queries: list[str]) -> tuple[float, float]:
    timings = []
    for query in queries:
        started = time.perf_counter()
        run(query)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(0.95 * (len(timings) - 1))]


def fmt(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def synthetic(entries: list[Entry], count: int, rng: random.Random) -> list[tuple[str, str]]:
    words = [w for e in entries for t in e.texts() for w in t.split()]
    return [(f"synthetic/{i}", " ".join(rng.choices(words, k=rng.randint(4, 14)))) for i in range(count)]


def main() -> int:
    settings = KnowledgeSettings()
    cases = read_cases(settings.search_dev_set)
    queries = [c.query for c in cases]
    tmp = Path(tempfile.mkdtemp())
    store = Store(f"sqlite:///{tmp / 'knowledge.db'}")
    store.import_seed(load_seed())
    entries = store.entries()
    rows = []

    lexical = SearchService(store, None, tmp / "lexical")
    lexical.open()
    rows.append(
        ("Lexical only (BM25, folded text)", quality(lexical, cases, fit(lexical, cases).calibration))
    )

    models = (
        ("bundled all-MiniLM-L6-v2", "bundled"),
        ("tuned by make index", str(tuned_model_dir(settings))),
    )
    for label, model in models:
        service = SearchService(store, Embedder(model), tmp / label.split()[0])
        service.open()
        fitted = fit(service, cases).calibration
        rows.append((f"Dense only ({label})", quality(service, cases, calibrate_at(service, cases, 1.0))))
        rows.append((f"Hybrid ({label}), w={fitted.dense_weight}", quality(service, cases, fitted)))
        hybrid = service

    p50, p95 = latency(lambda q: hybrid.search(q, k=5), queries)
    embed50, embed95 = latency(lambda q: hybrid.embedder.encode([q]), queries)

    rng = random.Random(2025)  # noqa: S311 - benchmark data, not security
    texts = synthetic(entries, SYNTHETIC, rng)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    big_lexical = LexicalIndex()
    for entry_id, text in texts:
        big_lexical.add(entry_id, [text])
    lexical_build = time.perf_counter() - started
    started = time.perf_counter()
    big_dense = DenseIndex(hybrid.embedder)
    vectors = (
        np.random.default_rng(2025).standard_normal((SYNTHETIC, hybrid.embedder.dimension)).astype("float32")
    )
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    big_dense._index.add_with_ids(vectors, np.arange(SYNTHETIC, dtype="int64"))
    dense_build = time.perf_counter() - started
    peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    query_vectors = hybrid.embedder.encode(queries[:200])
    big_lex50, big_lex95 = latency(lambda q: big_lexical.search(q, 50), queries[:200])
    faiss_timings = []
    for vector in query_vectors:
        started = time.perf_counter()
        big_dense._index.search(vector[None, :], 200)
        faiss_timings.append((time.perf_counter() - started) * 1000)
    faiss_timings.sort()

    lines = ["| Ranker | R@1 | R@1 toned | R@1 untoned | R@3 | MRR@10 | answered correct | false answers |"]
    lines.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, m in rows:
        cells = [m["R@1"], m["R@1 with tones"], m["R@1 without tones"], m["R@3"], m["MRR@10"]]
        cells += [m["answered_correct"], m["false_answer_rate"]]
        lines.append(f"| {label} | " + " | ".join(fmt(c) for c in cells) + " |")
    faiss50, faiss95 = statistics.median(faiss_timings), faiss_timings[int(0.95 * (len(faiss_timings) - 1))]
    lines += [
        "",
        f"Dev set: {len(cases)} lines, {sum(1 for c in cases if c.expected is None)} out of scope.",
        "Weights, thresholds and margins are fitted on this same set:",
        "the figures are optimistic for questions never seen.",
        f"Real index: {len(entries)} entries, {hybrid._dense.vectors} phrasings.",
        "",
        f"- hybrid search at the real size: p50 {p50:.1f} ms, p95 {p95:.1f} ms",
        f"- of which the query embedding: p50 {embed50:.1f} ms, p95 {embed95:.1f} ms",
        f"- {SYNTHETIC:,} synthetic entries: BM25 built in {lexical_build:.0f} s,",
        f"  FAISS in {dense_build:.1f} s, peak memory +{peak:.0f} MB for both",
        f"- at that size: BM25 query p50 {big_lex50:.1f} ms, p95 {big_lex95:.1f} ms;"
        f" FAISS flat query p50 {faiss50:.1f} ms, p95 {faiss95:.1f} ms",
    ]
    write_section("search", "Knowledge search", "make bench (benchmarks/search.py)", "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
