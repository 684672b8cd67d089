"""`python -m knowledge` as an operator runs it (lexical only here, on a fresh store)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from knowledge.settings import ROOT


def run(tmp_path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "VAR_DIR": str(tmp_path),
        "EMBEDDING_MODEL": "none",
        "PYTHONPATH": str(ROOT),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "knowledge", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_search_prints_answer_and_hits(tmp_path):
    result = run(tmp_path, "search", "đăng ký tạm trú cần giấy tờ gì", "-k", "3")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert set(body) == {"answer", "hits", "in_scope"} and len(body["hits"]) == 3
    assert body["hits"][0]["slug"] == "dang-ky-tam-tru"


def test_eval_prints_metrics_with_counts(tmp_path):
    cases = tmp_path / "cases.jsonl"
    lines = [
        {"query": "lam ho chieu can gi", "expected": "cap-ho-chieu-pho-thong"},
        {"query": "giá vàng hôm nay", "expected": None},
    ]
    cases.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), encoding="utf-8")
    result = run(tmp_path, "eval", str(cases))
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["R@1"] == 1.0 and metrics["in_scope"] == 1 and metrics["out_of_scope"] == 1
    assert set(metrics) >= {"R@3", "MRR@10", "answered_correct", "false_answer_rate"}


def test_review_reads_the_store_with_the_interval_setting_and_a_given_day(tmp_path):
    from dataclasses import replace
    from datetime import date

    from knowledge.seed import load_seed
    from knowledge.store import Store

    assert run(tmp_path, "review").returncode == 1, "an empty store says to run make index first"
    store = Store(f"sqlite:///{tmp_path / 'knowledge.db'}")
    store.import_seed(load_seed())
    edited = store.put(
        replace(
            store.get("dang-ky-khai-sinh/le-phi"), valid_until=date(2031, 1, 20), reviewed=date(2030, 12, 1)
        ),
        author="lan",
    )
    store.close()

    result = run(
        tmp_path, "review", "--today", "2031-01-05", "--days", "30", env={"REVIEW_INTERVAL_DAYS": "3650"}
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"2031-01-20  validity_ends    entry {edited.id}: {edited.question}" in lines
    assert lines[-1] == f"{len(lines) - 1} item(s) due on or before 2031-02-04 (a review every 3650 days)"
    # With the default interval (180 days) every seed item reviewed in 2026 is overdue by 2031.
    default = run(tmp_path, "review", "--today", "2031-01-05")
    assert "review" in default.stdout and "(a review every 180 days)" in default.stdout.splitlines()[-1]
