"""Rasa conversation tests (bot/tests/stories) with the trained model, failing on any wrong prediction."""

from __future__ import annotations

import os
import subprocess

from app.runner import RASA_BIN, RASA_QUIET_ENV
from app.settings import ROOT, Settings


def test_conversation_stories_pass(tmp_path):
    out = tmp_path / "results"
    model = ROOT / Settings(_env_file=None).rasa_model
    result = subprocess.run(
        [
            str(RASA_BIN),
            "test",
            "core",
            "--stories",
            str(ROOT / "bot" / "tests" / "stories"),
            "--model",
            str(model),
            "--out",
            str(out),
            "--fail-on-prediction-errors",
        ],
        cwd=ROOT,
        env={**os.environ, **RASA_QUIET_ENV, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    failed = out / "failed_test_stories.yml"
    details = failed.read_text(encoding="utf-8") if failed.exists() else result.stdout[-3000:]
    assert result.returncode == 0, f"conversation tests failed:\n{details}\n{result.stderr[-2000:]}"
