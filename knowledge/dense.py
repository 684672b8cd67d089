"""Dense vectors of every phrasing in FAISS (inner product on unit vectors = cosine).

Each phrasing gets a 64-bit id; an entry can be added, replaced and removed without touching
the others. An entry scores as its best phrasing. The index remembers each entry's texts, so an
edit re-encodes only the texts that changed (a new answer: none; a new phrasing: that one) and
takes the others' vectors back from FAISS: an edit is live without a full re-encoding.
"""

from __future__ import annotations

import json
from pathlib import Path

import faiss
import numpy as np

from knowledge.embedder import Embedder


class DenseIndex:
    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(embedder.dimension))
        self._ids: dict[str, list[int]] = {}
        self._owner: dict[int, str] = {}
        self._texts: dict[str, list[str]] = {}  # the texts behind each entry's vector ids, in order
        self._next_id = 0

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def vectors(self) -> int:
        return int(self._index.ntotal)

    def add_many(self, entries: list[tuple[str, tuple[str, ...]]]) -> None:
        """Index several entries at once (one embedding batch for the texts not indexed yet)."""
        known: dict[str, np.ndarray] = {}
        for entry_id, _ in entries:
            for text, vector_id in zip(
                self._texts.get(entry_id, []), self._ids.get(entry_id, []), strict=False
            ):
                known.setdefault(text, self._index.reconstruct(vector_id))
        for entry_id, _ in entries:
            self.remove(entry_id)
        texts = [text for _, texts in entries for text in texts]
        if not texts:
            return
        fresh = list(dict.fromkeys(text for text in texts if text not in known))
        if fresh:
            known.update(zip(fresh, self.embedder.encode(fresh), strict=True))
        vectors = np.stack([known[text] for text in texts]).astype("float32")
        ids = np.arange(self._next_id, self._next_id + len(texts), dtype="int64")
        self._next_id += len(texts)
        position = 0
        for entry_id, entry_texts in entries:
            owned = ids[position : position + len(entry_texts)].tolist()
            self._ids[entry_id] = owned
            self._texts[entry_id] = list(entry_texts)
            self._owner.update(dict.fromkeys(owned, entry_id))
            position += len(entry_texts)
        self._index.add_with_ids(vectors, ids)

    def add(self, entry_id: str, texts: tuple[str, ...]) -> None:
        self.add_many([(entry_id, texts)])

    def remove(self, entry_id: str) -> None:
        owned = self._ids.pop(entry_id, None)
        self._texts.pop(entry_id, None)
        if owned:
            self._index.remove_ids(np.asarray(owned, dtype="int64"))
            for vector_id in owned:
                self._owner.pop(vector_id, None)

    def search(self, query: str, limit: int = 50) -> list[tuple[str, float]]:
        """Best entries with their cosine similarity, best first."""
        if not self._ids:
            return []
        vector = self.embedder.encode([query])
        scores, ids = self._index.search(vector, min(limit * 4, self.vectors))
        best: dict[str, float] = {}
        for score, vector_id in zip(scores[0].tolist(), ids[0].tolist(), strict=True):
            entry_id = self._owner.get(vector_id)
            if entry_id is not None and entry_id not in best:
                best[entry_id] = score
        return sorted(best.items(), key=lambda item: item[1], reverse=True)[:limit]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self._index, str(folder / "dense.faiss"))
        (folder / "dense-ids.json").write_text(
            json.dumps(
                {"next_id": self._next_id, "ids": self._ids, "texts": self._texts}, ensure_ascii=False
            ),
            encoding="utf-8",
        )

    def load(self, folder: Path) -> None:
        self._index = faiss.read_index(str(folder / "dense.faiss"))
        data = json.loads((folder / "dense-ids.json").read_text(encoding="utf-8"))
        self._next_id = data["next_id"]
        self._ids = {entry_id: list(ids) for entry_id, ids in data["ids"].items()}
        # An index saved before texts were kept re-encodes an entry's texts at its first edit.
        self._texts = {entry_id: list(texts) for entry_id, texts in data.get("texts", {}).items()}
        self._owner = {vector_id: entry_id for entry_id, ids in self._ids.items() for vector_id in ids}
