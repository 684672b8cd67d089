"""Intent quality on the held-out files (never trained or tuned on), and on every button title.

Two held-out files, each reported per intent, as a whole and split into messages typed with
tones and without (``var/test-results/nlu-heldout.json``, ``nlu-stage-replies.json``):

* ``heldout.yml`` — questions and requests, unaccented and in teencode;
* ``stage_replies.yml`` — what people type at each stage of the guide: every button title,
  one- and two-word replies, partial addresses, with and without tones.

``dev.yml`` is the list the training data was checked against while it was
written; it is held apart from both, and nothing is gated on it.
"""

from __future__ import annotations

import ast
import importlib
import json
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from app.settings import ROOT
from knowledge.text import has_tones

NLU_TESTS = ROOT / "bot" / "tests" / "nlu"
HELDOUT = NLU_TESTS / "heldout.yml"
STAGE_REPLIES = NLU_TESTS / "stage_replies.yml"
DEV = NLU_TESTS / "dev.yml"
TRAINING = ROOT / "bot" / "data" / "nlu"
RESULTS = ROOT / "var" / "test-results"
# Floors about four points under the measured macro-F1 (var/test-results has the reports):
# heldout.yml measured 0.989 (0.988 before the tones were featurized), stage_replies.yml 0.940
# (toned 0.941, untoned 0.938). Splits of the training data moved macro-F1 by 0.01 to 0.02 from
# one training set to the next, and one miss in the smallest classes (3 to 6 lines) costs 0.01
# to 0.02: the floors stop a real regression, not noise.
MIN_MACRO_F1 = {HELDOUT: 0.95, STAGE_REPLIES: 0.90}
REPORTS = {HELDOUT: "nlu-heldout.json", STAGE_REPLIES: "nlu-stage-replies.json"}


def examples(path: Path) -> list[tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        (block["intent"], line.strip()[2:].strip())
        for block in data.get("nlu", [])
        if "intent" in block
        for line in block["examples"].splitlines()
        if line.strip().startswith("- ")
    ]


def training_examples() -> list[tuple[str, str]]:
    return [pair for path in sorted(TRAINING.glob("*.yml")) for pair in examples(path)]


def folded(text: str) -> str:
    """The message without tones, case or punctuation."""
    from knowledge.text import fold, words

    return " ".join(words(fold(text)))


def as_typed(text: str) -> str:
    """The message with its tones, without case or punctuation."""
    from knowledge.text import words

    return " ".join(words(unicodedata.normalize("NFC", text).lower()))


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
    return (sum(scores.values()) / len(scores) if scores else 0.0), scores


def confusions(rows: list[dict]) -> list[dict]:
    """Expected → predicted pairs of the misses, most frequent first, with their messages."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in rows:
        if row["predicted"] != row["expected"]:
            found[row["expected"], row["predicted"]].append(row["text"])
    return [
        {"expected": expected, "predicted": predicted, "count": len(texts), "examples": texts}
        for (expected, predicted), texts in sorted(found.items(), key=lambda item: (-len(item[1]), item[0]))
    ]


def summary(rows: list[dict]) -> dict:
    score, per_intent = macro_f1([(row["expected"], row["predicted"]) for row in rows])
    return {
        "messages": len(rows),
        "accuracy": sum(row["expected"] == row["predicted"] for row in rows) / len(rows) if rows else 0.0,
        "macro_f1": score,
        "per_intent": per_intent,
        "confusions": confusions(rows),
    }


def parse(rasa_api, token: str, text: str) -> dict:
    response = rasa_api.post("/model/parse", params={"token": token}, json={"text": text})
    assert response.status_code == 200, response.text
    return response.json()


def leaks(held: list[tuple[str, str]], trained: list[tuple[str, str]]) -> list[str]:
    """Held-out lines that are a training message, as typed or without tones.

    A line is the same message as a training one when both read alike with tones (case and
    punctuation aside), or alike without tones and for the same intent. "Đúng" (affirm) and
    the trained "dừng" (start_over) fold alike but are different messages to the tokenizer,
    which keeps the tones: that is the contrast the held-out file checks. Lines differing from
    a training message only by teencode ("tks ban" / "cảm ơn bạn") stay: the normaliser must
    handle them. The copies without tones the tokenizer adds in training
    (``nlu.vietnamese.untoned_copies``) are caught by the second rule.
    """
    typed = {as_typed(text) for _, text in trained}
    same_intent = {(intent, folded(text)) for intent, text in trained}
    return [
        f"{intent}: {text}"
        for intent, text in held
        if as_typed(text) in typed or (intent, folded(text)) in same_intent
    ]


@pytest.mark.parametrize("path", [HELDOUT, STAGE_REPLIES, DEV], ids=lambda p: p.name)
def test_heldout_is_not_in_training(path):
    leaked = leaks(examples(path), training_examples())
    assert not leaked, f"{path.name}: messages also in training: {leaked}"


def test_the_dev_list_is_apart_from_the_heldout_files():
    assert not leaks(examples(DEV), examples(HELDOUT) + examples(STAGE_REPLIES))


def test_leaks_tell_a_copy_from_a_tone_contrast():
    trained = [("start_over", "dừng"), ("affirm", "đúng rồi")]
    assert leaks([("affirm", "Đúng")], trained) == []
    assert leaks([("affirm", "Dừng!")], trained) == ["affirm: Dừng!"]
    assert leaks([("affirm", "dung roi")], trained) == ["affirm: dung roi"]
    assert leaks([("deny", "dung roi")], trained) == []


def test_stage_replies_cover_what_the_issue_asks():
    held = examples(STAGE_REPLIES)
    lines = STAGE_REPLIES.read_text(encoding="utf-8").count("\n")
    assert lines >= 200 and len(held) >= 200
    typed = Counter(as_typed(text) for _, text in held)
    assert not [text for text, n in typed.items() if n > 1], "a line repeated (case or punctuation aside)"
    toned = [text for _, text in held if has_tones(text)]
    assert 0.3 < len(toned) / len(held) < 0.8, "both typed with tones and without"
    for title, _ in static_buttons():
        assert as_typed(title) in typed, f"button title {title!r} missing from stage_replies.yml"


@pytest.mark.parametrize("path", [HELDOUT, STAGE_REPLIES], ids=lambda p: p.name)
def test_intent_macro_f1_on_heldout(rasa_api, token, path):
    rows = []
    for expected, text in examples(path):
        intent = parse(rasa_api, token, text)["intent"]
        rows.append(
            {
                "text": text,
                "expected": expected,
                "predicted": intent["name"],
                "confidence": round(intent["confidence"], 3),
                "toned": has_tones(text),
            }
        )
    report = {
        "file": str(path.relative_to(ROOT)),
        "floor": MIN_MACRO_F1[path],
        "all": summary(rows),
        "toned": summary([row for row in rows if row["toned"]]),
        "untoned": summary([row for row in rows if not row["toned"]]),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / REPORTS[path]).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    score = report["all"]["macro_f1"]
    assert score >= MIN_MACRO_F1[path], (
        f"{path.name}: macro-F1 {score:.3f} < {MIN_MACRO_F1[path]}; confusions: {report['all']['confusions']}"
    )


# --- the button titles the bot shows ---------------------------------------------------------


def _literal_buttons(source: str) -> list[tuple[str, str]]:
    """``{"title": "…", "payload": "…"}`` written out in a module's code."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            pairs = {
                key.value: value.value
                for key, value in zip(node.keys, node.values, strict=True)
                if isinstance(key, ast.Constant) and isinstance(value, ast.Constant)
            }
            if isinstance(pairs.get("title"), str) and isinstance(pairs.get("payload"), str):
                found.append((pairs["title"], pairs["payload"]))
    return found


def _module_buttons(value: object) -> list[tuple[str, str]]:
    """Buttons a module builds at import (a button, or a list of them, e.g. the rating scale)."""
    items = value if isinstance(value, list) else [value]
    if items and all(isinstance(item, dict) and {"title", "payload"} <= item.keys() for item in items):
        return [(item["title"], item["payload"]) for item in items]
    return []


def static_buttons() -> list[tuple[str, str]]:
    """Every button whose title is fixed: in the actions' code and in the domain's responses.

    Titles made from the knowledge base (procedure names, FAQ questions) are not included.
    """
    found: list[tuple[str, str]] = []
    for path in sorted((ROOT / "actions").rglob("*.py")):
        found += _literal_buttons(path.read_text(encoding="utf-8"))
        parts = path.relative_to(ROOT).with_suffix("").parts
        module = importlib.import_module(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
        for value in vars(module).values():
            found += _module_buttons(value)
    for path in sorted((ROOT / "bot" / "domain").glob("*.yml")):
        domain = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for variants in (domain.get("responses") or {}).values():
            for variant in variants:
                found += [(button["title"], button["payload"]) for button in variant.get("buttons", [])]
    return sorted(set(found))


def payload_intent(payload: str) -> str | None:
    return payload[1:].split("{")[0] if payload.startswith("/") else None


def test_the_titles_are_collected_from_code_and_domain():
    titles = {title for title, _ in static_buttons()}
    assert {"Đúng", "Bỏ qua", "Xem chi tiết giấy tờ", "Tôi gặp lỗi ở bước này", "Làm việc khác"} <= titles
    assert "5 - Rất hài lòng" in titles and "Hướng dẫn nộp hồ sơ trực tuyến" in titles


def test_typed_button_titles(rasa_api, token):
    """What the classifier makes of each title typed; it never stops the guide unless the button does."""
    rows = []
    for title, payload in static_buttons():
        for text in (title, folded(title)):
            intent = parse(rasa_api, token, text)["intent"]
            rows.append(
                {
                    "typed": text,
                    "toned": has_tones(text),
                    "payload": payload,
                    "payload_intent": payload_intent(payload),
                    "intent": intent["name"],
                    "confidence": round(intent["confidence"], 3),
                }
            )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "nlu-button-titles.json").write_text(
        json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    stopping = [
        row
        for row in rows
        if row["toned"] and row["intent"] == "start_over" and row["payload_intent"] != "start_over"
    ]
    assert not stopping, f"toned titles taken as start_over: {stopping}"


def test_entities_survive_the_toned_tokens(rasa_api, token):
    """The procedure lookup and button payload entities, with the tones typed or not."""
    for text in ("Tôi muốn đăng ký khai sinh cho con", "toi muon dang ky khai sinh cho con"):
        entities = parse(rasa_api, token, text)["entities"]
        assert [(e["entity"], e["value"], folded(text[e["start"] : e["end"]])) for e in entities] == [
            ("procedure", "dang-ky-khai-sinh", "dang ky khai sinh")
        ]
    parsed = parse(rasa_api, token, '/rate{"rating": 5}')
    assert parsed["intent"]["name"] == "rate"
    assert [(e["entity"], e["value"]) for e in parsed["entities"]] == [("rating", 5)]


def test_macro_f1_counts_what_it_should():
    assert macro_f1([("a", "a"), ("b", "b")])[0] == 1.0
    assert macro_f1([("a", "b"), ("b", "a")])[0] == 0.0
    assert round(macro_f1([("a", "a"), ("a", "b"), ("b", "b")])[0], 3) == round(2 / 3, 3)


def test_confusions_group_and_count_the_misses():
    rows = [
        {"text": "x", "expected": "a", "predicted": "b"},
        {"text": "y", "expected": "a", "predicted": "b"},
        {"text": "z", "expected": "b", "predicted": "b"},
        {"text": "w", "expected": "b", "predicted": "c"},
    ]
    assert confusions(rows) == [
        {"expected": "a", "predicted": "b", "count": 2, "examples": ["x", "y"]},
        {"expected": "b", "predicted": "c", "count": 1, "examples": ["w"]},
    ]
