from __future__ import annotations

import json

import pytest

from knowledge.calibration import Top, decide, fit_threshold
from knowledge.evaluation import Case, Outcome, read_cases, score


def test_metrics_count_distinct_slugs_and_false_answers():
    cases = [Case("a", "x"), Case("b", "y"), Case("c", None), Case("d", None)]
    outcomes = {
        "a": Outcome(["x", "z"], "x"),
        "b": Outcome(["z", "w", "y"], None),
        "c": Outcome(["x"], "x"),
        "d": Outcome(["x"], None),
    }
    metrics = score(cases, outcomes.__getitem__)
    assert metrics["R@1"] == 0.5
    assert metrics["R@3"] == 1.0
    assert metrics["MRR@10"] == pytest.approx((1 + 1 / 3) / 2)
    assert metrics["answered_correct"] == 0.5
    assert metrics["wrong_answer_rate"] == 0.0  # "b" was not answered at all
    assert metrics["false_answer_rate"] == 0.5
    assert (metrics["in_scope"], metrics["out_of_scope"]) == (2, 2)
    assert metrics["counts"] == {
        "R@1": 2, "R@3": 2, "MRR@10": 2,
        "answered_correct": 2, "wrong_answer_rate": 2, "false_answer_rate": 2,
    }  # fmt: skip


def test_a_metric_with_nothing_to_count_is_null():
    metrics = score([Case("a", None)], lambda q: Outcome([], None))
    assert metrics["R@1"] is None and metrics["MRR@10"] is None
    assert metrics["false_answer_rate"] == 0.0


def test_read_cases_names_the_bad_line(tmp_path):
    path = tmp_path / "dev.jsonl"
    path.write_text(json.dumps({"query": "q", "expected": None}) + "\n{oops\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"dev\.jsonl:2"):
        read_cases(path)


def test_threshold_keeps_false_answers_within_the_budget():
    tops = [Top(Case(str(i), None), "x", best, 0.5) for i, best in enumerate([0.9, 0.5, 0.4, 0.3, 0.2])]
    threshold = fit_threshold(tops, max_false=0.2)  # one of five may be answered
    assert sum(t.best >= threshold for t in tops) == 1


def test_a_margin_is_chosen_when_it_answers_more_in_scope_lines_right():
    # Out-of-scope lines score high but with a close runner-up; in-scope ones lead clearly.
    tops = [Top(Case(f"n{i}", None), "x", 0.8, 0.005) for i in range(5)]
    tops += [Top(Case(f"s{i}", "y"), "y", 0.6, 0.2) for i in range(5)]
    threshold, margin = decide(tops, max_false=0.0)
    assert margin > 0.005 and threshold <= 0.6
