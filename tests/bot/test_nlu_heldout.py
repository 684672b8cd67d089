"""Intent quality on the held-out file (never trained on): unaccented and teencode messages."""

from __future__ import annotations

import json

import yaml

from app.settings import ROOT

HELDOUT = ROOT / "bot" / "tests" / "nlu" / "heldout.yml"
TRAINING = ROOT / "bot" / "data" / "nlu"
MIN_MACRO_F1 = 0.90


def examples(path) -> list[tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        (block["intent"], line.strip()[2:].strip())
        for block in data.get("nlu", [])
        if "intent" in block
        for line in block["examples"].splitlines()
        if line.strip().startswith("- ")
    ]


def macro_f1(pairs: list[tuple[str, str]]) -> tuple[float, dict[str, float]]:
    """Macro-averaged F1 over the expected intents (a wrong or fallback prediction counts against both)."""
    labels = sorted({expected for expected, _ in pairs})
    scores = {}
    for label in labels:
        tp = sum(1 for e, p in pairs if e == label and p == label)
        fp = sum(1 for e, p in pairs if e != label and p == label)
        fn = sum(1 for e, p in pairs if e == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores[label] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return sum(scores.values()) / len(scores), scores


def test_heldout_is_not_in_training():
    """No held-out message is a training message typed without tones or in other case.

    Some differ from a training message only by teencode ("tks ban" / "cảm ơn bạn"): that is
    what the normaliser must handle, so they stay.
    """
    from knowledge.text import fold, words

    def plain(text: str) -> str:
        return " ".join(words(fold(text)))

    trained = {plain(text) for path in TRAINING.glob("*.yml") for _, text in examples(path)}
    leaked = [text for _, text in examples(HELDOUT) if plain(text) in trained]
    assert not leaked, f"held-out messages also in training: {leaked}"


def test_intent_macro_f1_on_heldout(rasa_api, token):
    heldout = examples(HELDOUT)
    assert len(heldout) >= 100
    pairs, misses = [], []
    for expected, text in heldout:
        response = rasa_api.post("/model/parse", params={"token": token}, json={"text": text})
        predicted = response.json()["intent"]["name"]
        pairs.append((expected, predicted))
        if predicted != expected:
            misses.append({"text": text, "expected": expected, "predicted": predicted})
    score, per_intent = macro_f1(pairs)
    report = ROOT / "var" / "test-results" / "nlu-heldout.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(
        json.dumps(
            {"macro_f1": score, "per_intent": per_intent, "misses": misses}, ensure_ascii=False, indent=2
        ),
        encoding="utf-8",
    )
    assert score >= MIN_MACRO_F1, f"macro-F1 {score:.3f} < {MIN_MACRO_F1}; misses: {misses}"


def test_macro_f1_counts_what_it_should():
    assert macro_f1([("a", "a"), ("b", "b")])[0] == 1.0
    assert macro_f1([("a", "b"), ("b", "a")])[0] == 0.0
    assert round(macro_f1([("a", "a"), ("a", "b"), ("b", "b")])[0], 3) == round(2 / 3, 3)
