"""The schema check of the reviewed content: the real seed passes; broken content is rejected."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from knowledge.seed import CONTENT, SeedInvalid, load_seed


def test_the_real_seed_is_complete_and_valid():
    seed = load_seed()
    assert len(seed.procedures) == 31
    assert len(seed.guides) == 11
    assert len(seed.faq) >= 300
    assert all(len(e.phrasings) >= 3 for e in seed.faq)
    assert all(procedure.steps for procedure in seed.procedures.values())
    assert set(seed.faq_slug.values()) <= set(seed.catalog)


@pytest.fixture
def content(tmp_path) -> Path:
    """A copy of the real content to break in one place."""
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    return copy


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def problems(content: Path) -> str:
    with pytest.raises(SeedInvalid) as caught:
        load_seed(content)
    return "\n".join(caught.value.problems)


def test_missing_slug_is_rejected(content):
    (content / "procedures" / "tach-ho.yml").unlink()
    assert "no content file for 'tach-ho'" in problems(content)


def test_unknown_slug_is_rejected(content):
    shutil.copy(content / "procedures" / "tach-ho.yml", content / "procedures" / "khong-co.yml")
    assert "khong-co" in problems(content)


def test_empty_answer_is_rejected(content):
    edit(content / "faq" / "dang-ky-khai-sinh.yml", lambda d: d["entries"][0].update(answer="  "))
    assert "entries.0.answer" in problems(content)


@pytest.mark.parametrize(
    "url", ["dichvucong.gov.vn", "http://dichvucong.gov.vn", "https://", "https://x y.vn"]
)
def test_broken_link_is_rejected(content, url):
    edit(content / "faq" / "dang-ky-khai-sinh.yml", lambda d: d["entries"][0].update(source=url))
    assert "entries.0.source" in problems(content)


def test_duplicate_phrasing_is_rejected_even_typed_differently(content):
    other = yaml.safe_load((content / "faq" / "dang-ky-ket-hon.yml").read_text(encoding="utf-8"))
    stolen = other["entries"][0]["phrasings"][0].upper()
    edit(content / "faq" / "dang-ky-khai-sinh.yml", lambda d: d["entries"][0]["phrasings"].append(stolen))
    assert "duplicates a phrasing of dang-ky-ket-hon/" in problems(content)


def test_procedure_without_online_steps_is_rejected(content):
    edit(content / "procedures" / "dang-ky-khai-sinh.yml", lambda d: d.update(steps=[]))
    assert "dang-ky-khai-sinh.yml: steps" in problems(content)


def test_validity_window_must_be_ordered(content):
    edit(
        content / "faq" / "dang-ky-khai-sinh.yml",
        lambda d: d["entries"][0].update(valid_from="2027-01-01", valid_until="2026-01-01"),
    )
    assert "valid_from is after valid_until" in problems(content)
