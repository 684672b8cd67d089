"""A real knowledge base from the seed, for tests that need search without the embedding model."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from knowledge.search import Calibration, SearchService
from knowledge.seed import load_seed
from knowledge.store import Store


def seeded_service(folder: Path, day: date, calibration: Calibration | None = None) -> SearchService:
    """The seed in a new store under ``folder``, searched lexical only (fast) with validity windows
    read on ``day``; close ``service.store`` when done."""
    store = Store(f"sqlite:///{folder / 'knowledge.db'}")
    store.import_seed(load_seed())
    service = SearchService(store, None, folder / "index", today=lambda: day)
    service.open()
    if calibration is not None:
        service.calibration = calibration
    return service
