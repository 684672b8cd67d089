"""`python -m knowledge` as an operator runs it (lexical only here, on a fresh store)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from knowledge.settings import ROOT


def run(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "VAR_DIR": str(tmp_path), "EMBEDDING_MODEL": "none", "PYTHONPATH": str(ROOT)}
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
    assert set(body) == {"answer", "hits"} and len(body["hits"]) == 3
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


def test_review_lists_validity_windows_ending_soon(tmp_path):
    result = run(tmp_path, "review", "--days", "400")
    assert result.returncode == 0, result.stderr
    assert "validity ends" in result.stdout
    assert "item(s) due" in result.stdout.splitlines()[-1]
