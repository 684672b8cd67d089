"""The embedder's one-text path gives the vectors sentence-transformers' ``encode`` gives (bundled model)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from knowledge.embedder import Embedder
from knowledge.text import clean, normalize

QUERIES = [
    "làm giấy khai sinh cho con cần những giấy tờ gì",
    "lam giay khai sinh cho con can nhung giay to gi",
    "dk tạm trú online phí bn",
    "Ký điện tử",
    "???",  # no words at all: the model still gets its special tokens
    "hộ chiếu " * 300,  # longer than the model's 256 tokens: truncated alike
]


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder("bundled")


@pytest.mark.parametrize("fold", [True, False])
def test_one_text_gives_the_vector_encode_gives(embedder, fold):
    model = embedder._model
    one = Embedder("bundled", fold=fold)
    one.__dict__["_model"] = model  # the same loaded model, either input form
    for query in QUERIES:
        expected = model.encode(
            [normalize(query) if fold else clean(query)],
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        vector = one.encode([query])
        assert vector.shape == (1, one.dimension) and vector.dtype == np.float32
        np.testing.assert_allclose(vector, expected, atol=1e-6)
        assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-5)


def test_a_batch_gives_the_same_vectors_as_one_at_a_time(embedder):
    batch = embedder.encode(QUERIES[:4])
    singles = np.concatenate([embedder.encode([query]) for query in QUERIES[:4]])
    np.testing.assert_allclose(batch, singles, atol=1e-5)
    assert embedder.encode([]).shape == (0, embedder.dimension)


def test_the_thread_setting_is_restored(embedder):
    before = torch.get_num_threads()
    embedder.encode([QUERIES[0]])
    assert torch.get_num_threads() == before
