"""The last grouping of the unanswered questions (``app/grouping.py`` groups them), kept for the
staff console and recomputed when it is stale: a question arrived, was handled, purged or
forgotten, or the embedder changed. The work runs on the app's threads (``Work.compute`` for
encoding and clustering, ``Work.io`` for the database), never on the event loop, one grouping at
a time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from app.clock import Clock
from app.grouping import (
    ENCODE_BATCH,
    MAX_QUESTIONS,
    THRESHOLDS,
    Group,
    Grouping,
    group_questions,
    model_key,
    tfidf_vectors,
)
from app.unanswered import Backlog, StoredQuestion, UnansweredStore
from app.work import Work

if TYPE_CHECKING:
    from knowledge.embedder import Embedder

logger = logging.getLogger(__name__)


def _to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def _from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4")


class Grouper:
    """The last grouping of the unanswered questions, recomputed when it is stale."""

    def __init__(
        self, store: UnansweredStore, work: Work, embedder: Callable[[], Embedder | None], clock: Clock
    ) -> None:
        self.store, self.work, self.embedder, self.clock = store, work, embedder, clock
        self.latest: Grouping | None = None
        self._lock = asyncio.Lock()
        self._background: asyncio.Task[Grouping] | None = None

    def _fresh(self, backlog: Backlog, model: str) -> bool:
        return self.latest is not None and self.latest.backlog == backlog and self.latest.model == model

    async def current(self, *, wait: bool = False) -> tuple[Grouping, bool]:
        """The grouping and whether it is up to date. A stale one is returned as it is while a new
        one is computed in the background, unless ``wait`` (or there is none yet). A waiting
        caller that gives up (a timeout) leaves the computation running for the next one."""
        model = model_key(self.embedder())
        for _ in range(3):  # questions arriving all the time: three rounds, then the latest will do
            backlog = await self.work.io(self.store.backlog)
            if self.latest is not None and self._fresh(backlog, model):
                return self.latest, True
            if self.latest is not None and not wait:
                self.refresh_soon()
                return self.latest, False
            await asyncio.shield(self.refresh_soon())
        assert self.latest is not None
        return self.latest, False

    def refresh_soon(self) -> asyncio.Task[Grouping]:
        """The grouping under way, or a new one started in the background."""
        if self._background is None or self._background.done():
            self._background = asyncio.create_task(self._refresh_logged())
        return self._background

    async def close(self) -> None:
        """At shutdown: stop a grouping under way before the worker pools close."""
        task, self._background = self._background, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _refresh_logged(self) -> Grouping:
        try:
            return await self.refresh()
        except Exception:
            logger.exception("grouping the unanswered questions failed")
            raise

    async def refresh(self) -> Grouping:
        """Group the questions now (one grouping at a time; a caller that waited for another one
        that is already up to date gets it)."""
        async with self._lock:
            embedder = self.embedder()
            model = model_key(embedder)
            backlog = await self.work.io(self.store.backlog)
            if self._fresh(backlog, model):
                assert self.latest is not None
                return self.latest
            started = time.perf_counter()
            questions = await self.work.io(self.store.pending, MAX_QUESTIONS, model)
            if embedder is None:
                vectors = await self.work.compute(tfidf_vectors, [q.text for q in questions])
            else:
                vectors = await self._embeddings(embedder, model, questions)
            threshold = THRESHOLDS["tfidf" if embedder is None else "embedding"]
            groups = await self.work.compute(group_questions, questions, vectors, threshold)
            self.latest = Grouping(
                groups=tuple(groups),
                backlog=backlog,
                model=model,
                grouped=len(questions),
                computed_at=self.clock(),
                seconds=round(time.perf_counter() - started, 3),
            )
            logger.info(
                "grouped %d unanswered questions into %d groups in %.1f s",
                len(questions), len(groups), self.latest.seconds,
            )  # fmt: skip
            return self.latest

    async def _embeddings(
        self, embedder: Embedder, model: str, questions: Sequence[StoredQuestion]
    ) -> np.ndarray:
        """Each question's vector: kept ones read back, the others encoded in batches and kept."""
        missing = [q for q in questions if q.embedding is None]
        made: dict[int, np.ndarray] = {}
        for start in range(0, len(missing), ENCODE_BATCH):
            batch = missing[start : start + ENCODE_BATCH]
            encoded = await self.work.compute(embedder.encode, [q.text for q in batch])
            vectors = dict(zip((q.id for q in batch), encoded, strict=True))
            await self.work.io(
                self.store.save_embeddings, model, {i: _to_bytes(v) for i, v in vectors.items()}
            )
            made.update(vectors)
        if not questions:
            return np.zeros((0, 1), dtype="float32")
        return np.vstack(
            [made[q.id] if q.embedding is None else _from_bytes(q.embedding) for q in questions]
        ).astype("float32")

    async def group(self, group_id: str) -> Group | None:
        """The group as last shown (what staff acted on), else as grouped now."""
        if self.latest is not None and (found := self.latest.group(group_id)) is not None:
            return found
        grouping, _ = await self.current(wait=True)
        return grouping.group(group_id)

    def handled(self, group_id: str) -> None:
        """A group was handled: it leaves the list at once (the next grouping confirms it)."""
        if self.latest is not None:
            self.latest = self.latest.without(group_id)
