"""Load and check the reviewed seed content under ``knowledge/content``.

``load_seed()`` returns every procedure, guide topic and FAQ entry, or raises
:class:`SeedInvalid` listing every problem found (file, place, reason), so a pull request
that breaks the content fails ``make test`` with a readable list.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from knowledge.models import FaqEntry, FaqFile, Guide, Procedure
from knowledge.text import normalize

CONTENT = Path(__file__).parent / "content"
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class CatalogItem:
    slug: str
    kind: str
    name: str
    group: str


@dataclass
class Seed:
    catalog: dict[str, CatalogItem]
    procedures: dict[str, Procedure] = field(default_factory=dict)
    guides: dict[str, Guide] = field(default_factory=dict)
    faq: list[FaqEntry] = field(default_factory=list)
    faq_slug: dict[str, str] = field(default_factory=dict)  # entry id -> slug
    # entry id -> the review date its FAQ file gives it (the entry's own, else the file's);
    # an entry without one takes its topic's ``reviewed`` (knowledge.entries.seed_entries).
    faq_reviewed: dict[str, date] = field(default_factory=dict)

    def topic(self, slug: str) -> Procedure | Guide | None:
        return self.procedures.get(slug) or self.guides.get(slug)


class SeedInvalid(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the knowledge content:\n" + "\n".join(problems))


def load_catalog(path: Path) -> dict[str, CatalogItem]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return {
        row["slug"]: CatalogItem(row["slug"], row["kind"], row["name (Vietnamese)"], row["group"])
        for row in rows
    }


def _validated(path: Path, model: type[M], problems: list[str]) -> M | None:
    """The file as ``model``, or None with the reasons added to ``problems``."""
    where = f"{path.parent.name}/{path.name}"
    try:
        return model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(f"{where}: not readable YAML ({exc})")
    except ValidationError as exc:
        problems.extend(
            f"{where}: {'.'.join(str(p) for p in error['loc']) or 'file'}: {error['msg']}"
            for error in exc.errors()
        )
    return None


def load_seed(content: Path = CONTENT) -> Seed:
    problems: list[str] = []
    seed = Seed(catalog=load_catalog(content / "catalog.tsv"))
    kinds = {"procedures": (Procedure, seed.procedures, "procedure"), "guides": (Guide, seed.guides, "guide")}
    for folder, (model, target, kind) in kinds.items():
        for path in sorted((content / folder).glob("*.yml")):
            topic = _validated(path, model, problems)
            if topic is None:
                continue
            item = seed.catalog.get(topic.slug)
            if topic.slug != path.stem:
                problems.append(f"{folder}/{path.name}: slug '{topic.slug}' differs from the file name")
            elif item is None:
                problems.append(f"{folder}/{path.name}: slug '{topic.slug}' is not in the catalog")
            elif item.kind != kind:
                problems.append(f"{folder}/{path.name}: the catalog lists '{topic.slug}' as a {item.kind}")
            else:
                target[topic.slug] = topic
    for slug, item in seed.catalog.items():
        if slug not in seed.procedures and slug not in seed.guides:
            problems.append(f"catalog: no content file for '{slug}' ({item.kind})")

    seen: dict[str, str] = {}
    for path in sorted((content / "faq").glob("*.yml")):
        faq = _validated(path, FaqFile, problems)
        if faq is None:
            continue
        if faq.slug != path.stem or faq.slug not in seed.catalog:
            problems.append(
                f"faq/{path.name}: slug '{faq.slug}' is not a catalog slug matching the file name"
            )
            continue
        for entry in faq.entries:
            if entry.id in seed.faq_slug:
                problems.append(f"faq/{path.name}: entry id '{entry.id}' is used twice")
                continue
            for text in (entry.question, *entry.phrasings):
                key = normalize(text)
                if key in seen and seen[key] != entry.id:
                    problems.append(
                        f"faq/{path.name}: '{text}' ({entry.id}) duplicates a phrasing of {seen[key]}"
                    )
                elif key in seen:
                    problems.append(f"faq/{path.name}: '{text}' appears twice in {entry.id}")
                seen[key] = entry.id
            seed.faq.append(entry)
            seed.faq_slug[entry.id] = faq.slug
            reviewed = entry.reviewed or faq.reviewed
            if reviewed is not None:
                seed.faq_reviewed[entry.id] = reviewed
    if problems:
        raise SeedInvalid(problems)
    return seed
