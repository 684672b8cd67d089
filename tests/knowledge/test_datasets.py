"""The held-out retrieval test set keeps its shape: it cannot silently shrink, skew or leak.

`tests/data/retrieval_test.jsonl` is what the search is judged on and never fitted on (see
tests/data/README.md). These checks read only the files; they never run the search.

Run this file directly to print the composition table that tests/data/README.md carries:
`.venv/bin/python tests/knowledge/test_datasets.py`.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from knowledge.evaluation import read_cases
from knowledge.text import clean, has_tones, normalize

DATA = Path(__file__).resolve().parents[1] / "data"
TEST_SET = DATA / "retrieval_test.jsonl"
DEV_SET = DATA / "retrieval_dev.jsonl"
README = DATA / "README.md"
CATALOG = Path(__file__).resolve().parents[2] / "knowledge" / "content" / "catalog.tsv"

STYLES = ("long", "short", "fragment", "plain", "colloquial")
MIN_LINES = 360
MIN_PER_SLUG = 6
MIN_OUT_OF_SCOPE = 60
TONED_SHARE = (0.35, 0.65)


@cache
def catalog_kinds() -> dict[str, str]:
    """Slug → kind ("procedure" or "guide") from the knowledge base's catalog."""
    with CATALOG.open(encoding="utf-8", newline="") as handle:
        return {row["slug"]: row["kind"] for row in csv.DictReader(handle, delimiter="\t")}


def catalog_slugs() -> frozenset[str]:
    return frozenset(catalog_kinds())


@cache
def held_out_lines() -> tuple[dict, ...]:
    lines = []
    for number, raw in enumerate(TEST_SET.read_text(encoding="utf-8").splitlines(), start=1):
        assert raw.strip(), f"{TEST_SET.name}:{number} is blank"
        data = json.loads(raw)
        assert isinstance(data, dict), f"{TEST_SET.name}:{number} is not a JSON object"
        lines.append(data)
    return tuple(lines)


def composition() -> str:
    """The test set's make-up as a Markdown table, counted from the file."""
    lines = held_out_lines()
    nulls = [line for line in lines if line["expected"] is None]

    def kind(name: str) -> str:
        part = [line for line in lines if catalog_kinds().get(line["expected"]) == name]
        per_slug = Counter(line["expected"] for line in part)
        fewest, most = min(per_slug.values()), max(per_slug.values())
        label = f"{name.capitalize()}s ({len(per_slug)} slugs, {fewest}–{most} each)"
        return row(label, part)

    def row(label: str, part: list[dict]) -> str:
        toned = sum(has_tones(line["query"]) for line in part)
        styles = Counter(line["style"] for line in part)
        cells = " | ".join(str(styles[style]) for style in STYLES)
        return f"| {label} | {len(part)} | {toned} | {len(part) - toned} | {cells} |"

    header = "| Part | Lines | Toned | Untoned | " + " | ".join(STYLES) + " |"
    return "\n".join(
        [
            header,
            "|" + " --- |" * (4 + len(STYLES)),
            kind("procedure"),
            kind("guide"),
            row("Out of scope (null)", nulls),
            row("All", list(lines)),
        ]
    )


def test_every_line_is_a_query_with_an_expected_topic_and_a_style():
    lines = held_out_lines()
    assert len(lines) >= MIN_LINES
    for line in lines:
        assert set(line) == {"query", "expected", "style"}, line
        assert isinstance(line["query"], str) and line["query"].strip(), line
        assert line["query"] == clean(line["query"]), f"not clean NFC text: {line['query']!r}"
        assert line["expected"] is None or line["expected"] in catalog_slugs(), line
        assert line["style"] in STYLES, line
    # The evaluation's own reader accepts the file as it is.
    assert len(read_cases(TEST_SET)) == len(lines)


def test_every_catalog_topic_is_asked_about_and_out_of_scope_questions_are_enough():
    counts = Counter(line["expected"] for line in held_out_lines())
    short = {slug: counts[slug] for slug in catalog_slugs() if counts[slug] < MIN_PER_SLUG}
    assert not short, f"topics with fewer than {MIN_PER_SLUG} questions: {short}"
    assert counts[None] >= MIN_OUT_OF_SCOPE


@pytest.mark.parametrize("part", ["all", "in scope", "out of scope"])
def test_toned_and_untoned_questions_are_balanced(part):
    lines = [
        line
        for line in held_out_lines()
        if part == "all" or (line["expected"] is None) == (part == "out of scope")
    ]
    share = sum(has_tones(line["query"]) for line in lines) / len(lines)
    assert TONED_SHARE[0] <= share <= TONED_SHARE[1], f"{part}: {share:.2f} of the lines carry tones"


def test_every_style_is_present_in_and_out_of_scope():
    for out_of_scope in (False, True):
        styles = {line["style"] for line in held_out_lines() if (line["expected"] is None) == out_of_scope}
        assert styles == set(STYLES), f"out_of_scope={out_of_scope}: {sorted(styles)}"


def test_no_two_test_lines_are_the_same_question_once_normalised():
    """No twins: the same words with and without tones (or abbreviated) count as one question."""
    seen: dict[str, str] = {}
    twins = []
    for line in held_out_lines():
        key = normalize(line["query"])
        if key in seen:
            twins.append((seen[key], line["query"]))
        seen.setdefault(key, line["query"])
    assert not twins


def test_no_test_line_is_a_dev_set_line():
    """The held-out set shares no question with the set that weights and thresholds are fitted on."""
    dev = {normalize(case.query) for case in read_cases(DEV_SET)}
    leaked = [line["query"] for line in held_out_lines() if normalize(line["query"]) in dev]
    assert not leaked, f"{len(leaked)} test lines also appear in the dev set: {leaked}"


def test_the_readme_shows_the_composition_as_counted():
    assert composition() in README.read_text(encoding="utf-8"), (
        "tests/data/README.md is out of date: paste the table printed by "
        "`.venv/bin/python tests/knowledge/test_datasets.py`"
    )


if __name__ == "__main__":
    print(composition())
