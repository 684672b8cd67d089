"""Put the knowledge base together from settings: store, seed import, embedder, index."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path

from knowledge.backups import BackupPolicy
from knowledge.embedder import Embedder
from knowledge.entries import seed_entries
from knowledge.search import SearchService
from knowledge.seed import load_seed
from knowledge.settings import KnowledgeSettings
from knowledge.store import Store
from knowledge.tuning import TuningPlan, fingerprint, tune

logger = logging.getLogger(__name__)


def tuning_plan(settings: KnowledgeSettings) -> TuningPlan:
    return TuningPlan(base_model=settings.embedding_base_model, fold=settings.embedding_fold_text)


def tuned_model_dir(settings: KnowledgeSettings) -> Path:
    """Where the model tuned on the current seed lives (it changes when the seed changes)."""
    return settings.models_dir / f"tuned-{fingerprint(tuning_plan(settings), seed_entries(load_seed()))}"


def ensure_tuned_model(settings: KnowledgeSettings) -> Path:
    folder = tuned_model_dir(settings)
    if not (folder / "modules.json").exists():
        logger.info("fine-tuning %s on the content into %s", settings.embedding_base_model, folder)
        tune(tuning_plan(settings), seed_entries(load_seed()), folder)
    return folder


def resolve_embedder(settings: KnowledgeSettings) -> Embedder | None:
    """The configured embedder; for "tuned", the model tuned on this seed, else the newest one."""
    name = settings.embedding_model
    if name == "none":
        return None
    if name != "tuned":
        return Embedder(name, fold=settings.embedding_fold_text)
    folder = tuned_model_dir(settings)
    if not (folder / "modules.json").exists():
        older = sorted(settings.models_dir.glob("tuned-*/modules.json"), key=lambda p: p.stat().st_mtime)
        if not older:
            raise FileNotFoundError(
                f"No tuned embedding model under {settings.models_dir}: run `make index` "
                "(or set EMBEDDING_MODEL=bundled)."
            )
        folder = older[-1].parent
        logger.warning("the content changed since the model was tuned; using %s until `make index`", folder)
    return Embedder(str(folder), fold=settings.embedding_fold_text)


def open_service(
    settings: KnowledgeSettings, *, today: Callable[[], date] = date.today
) -> tuple[SearchService, bool]:
    """Open the store (importing the seed), the embedder and the index; True if the index was rebuilt."""
    store = Store(settings.knowledge_url, backups=BackupPolicy.from_settings(settings))
    if store.backup is not None:
        logger.info("the knowledge database was backed up to %s before its schema was upgraded", store.backup)
    report = store.import_seed(load_seed())
    if report.added or report.updated or report.removed or report.topics_added or report.topics_updated:
        logger.info(
            "seed imported: %d added, %d updated, %d removed, %d staff edits kept; topics: %d added, "
            "%d updated, %d staff edits kept",
            len(report.added), len(report.updated), len(report.removed), len(report.kept_staff_edits),
            len(report.topics_added), len(report.topics_updated), len(report.topics_kept),
        )  # fmt: skip
    service = SearchService(store, resolve_embedder(settings), settings.index_dir, today=today)
    rebuilt = service.open()
    return service, rebuilt
