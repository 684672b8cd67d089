"""Benchmark the knowledge search's answers: calibration figures and held-out test figures apart.

Run with `make bench` after `make index` (or alone: `.venv/bin/python -m benchmarks.search`).
Writes the section ``bench:search`` of BENCHMARKS.md. Speed is `benchmarks/search_speed.py`'s.

- The index built by `make index` (var/index, copied to a temporary folder so nothing under var/
  changes) over a store imported from the seed, with the configured embedder.
- Fitted here exactly as `make index` fits it (``knowledge.calibration.fit``): the fusion weight
  and the answer model on the development set plus the calibration set, with the out-of-scope
  model's negative examples scored out of fold. Lexical only, dense only and the old rule
  (threshold and margin on the fused score) are fitted on the same lines, for comparison.
- Table 1 (calibration): those figures on the lines they were fitted on (optimistic), and the
  answer model's out-of-fold figures (each line decided by a model fitted without it and its twin).
- Table 2 (test): the same fitted searches on tests/data/retrieval_test.jsonl, which nothing is
  fitted on; by tones and by the writer's style.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from benchmarks import write_section
from knowledge.calibration import MAX_FALSE, MAX_WRONG, build_pool, fit_pool, fitting_sets, rule_at
from knowledge.evaluation import Case, Outcome, read_cases, score
from knowledge.scope import out_of_scope_examples
from knowledge.search import Calibration, Candidates, SearchResult, SearchService
from knowledge.seed import load_seed
from knowledge.service import resolve_embedder
from knowledge.settings import KnowledgeSettings
from knowledge.store import Store
from knowledge.text import has_tones

TEST_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "retrieval_test.jsonl"
_CANDIDATES: dict[str, Candidates] = {}  # query -> candidates: one lexical + dense search per query
COLUMNS = (
    "| Search | lines (in / out) | R@1 | R@1 toned | R@1 untoned | R@3 | answered right | "
    "in-scope wrong | out-of-scope answered | unsure: right topic among the two offered |"
)


def run_all(service: SearchService, calibration: Calibration, cases: list[Case]) -> dict[str, SearchResult]:
    """What ``service.search(query, k=10)`` returns under ``calibration`` (candidates found once)."""
    service.calibration = calibration
    found = _CANDIDATES
    for case in cases:
        if case.query not in found:
            found[case.query] = service.candidates(case.query)
    return {case.query: service.decide(case.query, found[case.query], k=10) for case in cases}


def figures(cases: list[Case], results: dict[str, SearchResult]) -> dict:
    def run(query: str) -> Outcome:
        result = results[query]
        return Outcome([h.slug for h in result.hits], result.answer.slug if result.answer else None)

    overall = score(cases, run)
    toned = score([c for c in cases if has_tones(c.query)], run)
    plain = score([c for c in cases if not has_tones(c.query)], run)
    unsure = [c for c in cases if c.expected and results[c.query].answer is None]
    offered = sum(1 for c in unsure if c.expected in [h.slug for h in results[c.query].choices])
    return {
        **overall,
        "R@1 toned": toned["R@1"],
        "R@1 untoned": plain["R@1"],
        "unsure right": offered / len(unsure) if unsure else None,
        "unsure": len(unsure),
    }


def fmt(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else "–" if value is None else str(value)


def row(label: str, m: dict) -> str:
    cells = [f"{m['in_scope']} / {m['out_of_scope']}", m["R@1"], m["R@1 toned"], m["R@1 untoned"], m["R@3"]]
    cells += [m["answered_correct"], m["wrong_answer_rate"], m["false_answer_rate"]]
    cells.append(f"{fmt(m['unsure right'])} of {m['unsure']}")
    return f"| {label} | " + " | ".join(fmt(c) for c in cells) + " |"


def composition(label: str, cases: list[Case]) -> str:
    in_scope = [c for c in cases if c.expected]
    toned = sum(1 for c in cases if has_tones(c.query))
    short = sum(1 for c in cases if len(c.query.split()) <= 4)
    return (
        f"- {label}: {len(cases)} lines, {len(in_scope)} in scope ({len({c.expected for c in in_scope})} "
        f"topics), {len(cases) - len(in_scope)} out of scope; {toned} toned, {len(cases) - toned} untoned; "
        f"{short} of at most four words."
    )


def open_service(settings: KnowledgeSettings, tmp: Path) -> tuple[SearchService, bool]:
    """The search over a store imported from the seed and a copy of var/index under ``tmp`` (so
    nothing under var/ changes); True when that index did not match and was rebuilt."""
    store = Store(f"sqlite:///{tmp / 'knowledge.db'}")
    store.import_seed(load_seed())
    folder = tmp / "index"
    if settings.index_dir.exists():
        shutil.copytree(settings.index_dir, folder)
    service = SearchService(store, resolve_embedder(settings), folder)
    return service, service.open()


def main() -> int:
    settings = KnowledgeSettings()
    dev, extra = fitting_sets(settings)
    fitting = dev + extra
    test = read_cases(TEST_SET) if TEST_SET.exists() else []
    service, _ = open_service(settings, Path(tempfile.mkdtemp()))

    pool = build_pool(service, fitting)
    _CANDIDATES.update({row.case.query: row.candidates for row in pool})
    fitted = fit_pool(service, pool)
    model = fitted.calibration
    weights = f"w={model.dense_weight}" + (
        f" (>{model.long_words} words: {model.long_weight})" if model.long_weight is not None else ""
    )
    searches: list[tuple[str, Calibration]] = [
        ("Lexical only, threshold + margin", rule_at(service, pool, 0.0)),
        ("Dense only (tuned), threshold + margin", rule_at(service, pool, 1.0)),
        (f"Hybrid {weights}, threshold + margin", replace(model, coefficients=())),
        (f"Hybrid {weights} + answer model (issue 13)", model),
    ]
    lines = [
        "Fitted on the development set and the calibration set (Table 1's lines; never the test set):",
        f"fusion weight {weights}; answer model: logistic regression on {len(model.coefficients)} "
        f"signals, answering from probability {model.confidence} (chosen out of fold for in-scope wrong "
        f"≤ {MAX_WRONG} and out-of-scope answered ≤ {MAX_FALSE}); {model.fitted_on}.",
        "",
        composition("Development set (tests/data/retrieval_dev.jsonl)", dev),
        composition("Calibration set (tests/data/retrieval_calibration.jsonl)", extra),
        f"- Out-of-scope examples the out-of-scope model learns from (knowledge/content/out_of_scope.yml): "
        f"{len(out_of_scope_examples())}, counted among Table 1's out-of-scope lines only out of fold.",
        composition("Test set (tests/data/retrieval_test.jsonl, held out)", test)
        if test
        else "- Test set: absent.",
        "",
        "### Table 1 — calibration figures (development + calibration sets; fitted on these lines)",
        "",
        COLUMNS,
        "| --- " * 10 + "|",
    ]
    for label, calibration in searches:
        lines.append(row(label, figures(fitting, run_all(service, calibration, fitting))))
    held_out = fitted.metrics.get("hybrid, out of fold")
    if held_out:
        lines.append(
            "| … answer model, out of fold (R@1 and answers only) | "
            f"{held_out['in_scope']} / {held_out['out_of_scope']} | {fmt(held_out['R@1'])} | – | – | – | "
            f"{fmt(held_out['answered_correct'])} | {fmt(held_out['wrong_answer_rate'])} | "
            f"{fmt(held_out['false_answer_rate'])} | – |"
        )
    lines.append("")
    lines.append(
        "Out of fold counts the out-of-scope examples too; the other rows count the sets' lines only."
    )
    if test:
        lines += [
            "",
            "### Table 2 — held-out test figures (tests/data/retrieval_test.jsonl; nothing fitted on it)",
            "",
            COLUMNS,
            "| --- " * 10 + "|",
        ]
        final: dict[str, SearchResult] = {}
        for label, calibration in searches:
            results = run_all(service, calibration, test)
            lines.append(row(label, figures(test, results)))
            final = results
        lines += ["", "The answer model on the test set by the writer's style:", ""]
        lines += [COLUMNS.replace("| Search |", "| Style |"), "| --- " * 10 + "|"]
        styles = _styles(TEST_SET)
        for style in sorted(set(styles.values())):
            subset = [c for c in test if styles.get(c.query) == style]
            lines.append(row(style, figures(subset, final)))
    write_section(
        "search", "Knowledge search: answers", "make bench (benchmarks/search.py)", "\n".join(lines)
    )
    return 0


def _styles(path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            found[str(data["query"])] = str(data.get("style", "–"))
    return found


if __name__ == "__main__":
    sys.exit(main())
