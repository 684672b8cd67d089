"""The answer model and the out-of-scope model, fitted on the real content and development set
(lexical search only, so that it runs in seconds)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from knowledge.calibration import MAX_FALSE, MAX_WRONG, fit, fitting_sets
from knowledge.results import FEATURES
from knowledge.scope import ScopeModel, out_of_scope_examples
from knowledge.search import Calibration
from knowledge.settings import KnowledgeSettings
from tests.knowledge_base import seeded_service


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    service = seeded_service(tmp_path_factory.mktemp("kb"), date(2026, 11, 27))
    yield service
    service.store.close()


@pytest.fixture(scope="module")
def fitted(service):
    dev, calibration = fitting_sets(KnowledgeSettings())
    return fit(service, dev + calibration)


def test_the_out_of_scope_model_learns_the_content_against_the_examples(service):
    assert service.scope.trained and len(out_of_scope_examples()) >= 100
    assert service.scope.probability("làm giấy khai sinh cho con cần gì") > 0.5
    assert service.scope.probability("lam giay khai sinh cho con can gi") > 0.5  # tones do not matter
    assert service.scope.probability("giá vàng hôm nay bao nhiêu một chỉ") < 0.5
    assert ScopeModel().probability("anything") == 1.0  # untrained: it rules nothing out
    assert ScopeModel().fit(["a"], []).trained is False


def test_the_answer_model_keeps_wrong_and_false_answers_within_budget_out_of_fold(fitted):
    calibration = fitted.calibration
    assert len(calibration.coefficients) == len(FEATURES) and 0.3 <= calibration.confidence < 1.0
    held_out = fitted.metrics["hybrid, out of fold"]
    assert held_out["wrong_answer_rate"] <= MAX_WRONG
    assert held_out["false_answer_rate"] <= MAX_FALSE
    assert held_out["answered_correct"] >= 0.5, "it still answers most in-scope questions"
    # The out-of-scope examples count as out-of-scope lines, scored by models that never saw them.
    assert held_out["out_of_scope"] >= 67 + len(out_of_scope_examples())


def test_the_fitted_search_answers_in_scope_and_not_out_of_scope(service, fitted):
    service.calibration = fitted.calibration
    answered = service.search("đăng ký khai sinh cho con cần giấy tờ gì")
    assert answered.answer is not None and answered.answer.slug == "dang-ky-khai-sinh"
    outside = service.search("hôm nay xổ số miền bắc về con gì")
    assert outside.answer is None and not outside.in_scope and outside.choices == []


def test_a_calibration_without_an_answer_model_still_loads_and_uses_the_rule(tmp_path):
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps({"dense_weight": 0.3, "threshold": 0.5, "margin": 0.02, "fitted_on": "old"}))
    old = Calibration.load(path)
    assert old.coefficients == () and old.answers([("a", 0.6), ("b", 0.5)])
    assert not old.answers([("a", 0.6), ("b", 0.59)])  # within the margin

    model = Calibration(coefficients=tuple(0.0 for _ in FEATURES), intercept=-1.0, confidence=0.5)
    model.save(path)
    assert Calibration.load(path) == model


def test_fusion_by_length_gives_a_long_message_its_own_weight():
    calibration = Calibration(dense_weight=1.0, long_weight=0.2, long_words=12)
    assert calibration.weight_for("làm khai sinh cần gì") == 1.0
    assert calibration.weight_for(" ".join(["chữ"] * 13)) == 0.2
    assert Calibration(dense_weight=0.6).weight_for(" ".join(["chữ"] * 30)) == 0.6  # one weight


def test_the_saved_coefficients_give_the_standardised_models_probabilities():
    import numpy as np

    from knowledge.calibration import _model, _unscaled

    rng = np.random.default_rng(7)
    features = rng.normal(size=(200, 3)) * np.array([1.0, 50.0, 0.01]) + np.array([0.0, 10.0, 3.0])
    labels = (features[:, 0] + features[:, 1] / 50 + rng.normal(size=200) > 0.2).astype(int)
    features[:, 2] = 3.0  # a constant signal: no scale to divide by
    model = _model(features, labels)
    weights, intercept = _unscaled(model)
    logits = features @ np.array(weights) + intercept
    assert np.allclose(1 / (1 + np.exp(-logits)), model.predict_proba(features)[:, 1], atol=1e-9)
