"""The dense index re-encodes only the texts an edit changed (the bundled model, real FAISS)."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.dense import DenseIndex
from knowledge.embedder import Embedder


class Counting:
    """The real embedder, counting the texts it is asked to encode."""

    def __init__(self) -> None:
        self.model = Embedder("bundled")
        self.dimension = self.model.dimension
        self.encoded: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.encoded += texts
        return self.model.encode(texts)


@pytest.fixture(scope="module")
def embedder() -> Counting:
    return Counting()


QUESTION = "Điều kiện để tách hộ là gì?"
PHRASING = "muốn tách hộ khẩu cần điều kiện gì"
NEW = "tách hộ ra ở riêng có được không"


def test_an_edit_encodes_only_its_new_texts_and_searches_the_same(embedder, tmp_path):
    index = DenseIndex(embedder)
    index.add_many(
        [("tach-ho/dieu-kien", (QUESTION, PHRASING)), ("khai-sinh/giay-to", ("Khai sinh cần giấy tờ gì?",))]
    )
    embedder.encoded.clear()
    index.add("tach-ho/dieu-kien", (QUESTION, PHRASING))  # a new answer: the texts are the same
    assert embedder.encoded == []
    index.add("tach-ho/dieu-kien", (QUESTION, PHRASING, NEW))  # a new phrasing
    assert embedder.encoded == [NEW]
    assert index.vectors == 4 and len(index) == 2
    assert index.search(NEW)[0][0] == "tach-ho/dieu-kien"

    fresh = DenseIndex(embedder)  # the same texts encoded from nothing score the same
    fresh.add_many(
        [
            ("tach-ho/dieu-kien", (QUESTION, PHRASING, NEW)),
            ("khai-sinh/giay-to", ("Khai sinh cần giấy tờ gì?",)),
        ]
    )
    for query in (QUESTION, "giấy tờ khai sinh"):
        assert [(e, round(s, 4)) for e, s in index.search(query)] == [
            (e, round(s, 4)) for e, s in fresh.search(query)
        ]


def test_saved_and_loaded_the_index_still_knows_its_texts(embedder, tmp_path):
    index = DenseIndex(embedder)
    index.add("tach-ho/dieu-kien", (QUESTION, PHRASING))
    index.save(tmp_path)
    loaded = DenseIndex(embedder)
    loaded.load(tmp_path)
    embedder.encoded.clear()
    loaded.add("tach-ho/dieu-kien", (PHRASING, NEW))
    assert embedder.encoded == [NEW]
    assert loaded.vectors == 2
    loaded.remove("tach-ho/dieu-kien")
    assert loaded.vectors == 0 and loaded.search(QUESTION) == []
