"""The knowledge store on real SQLite: round trip, seed import idempotence, person-made edits win."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from knowledge.seed import load_seed
from knowledge.store import Entry, Store, seed_entries


@pytest.fixture(scope="module")
def seed():
    return load_seed()


@pytest.fixture
def store(tmp_path):
    opened = Store(f"sqlite:///{tmp_path / 'knowledge.db'}")
    yield opened
    opened.close()


def sample(**changes) -> Entry:
    entry = Entry(
        id="dang-ky-khai-sinh/thu-nghiem",
        slug="dang-ky-khai-sinh",
        kind="faq",
        question="Câu hỏi thử nghiệm?",
        phrasings=("cau hoi thu nghiem", "hoi thu"),
        answer="Câu trả lời.",
        source="https://dichvucong.gov.vn",
        valid_until=date(2027, 2, 28),
    )
    return replace(entry, **changes)


def test_round_trip_keeps_every_field(store):
    saved = store.put(sample())
    assert store.get(saved.id) == replace(sample(), origin="staff", version=1)


def test_put_replaces_and_counts_versions(store):
    store.put(sample())
    store.put(sample(answer="Câu trả lời mới."))
    assert store.get(sample().id).answer == "Câu trả lời mới."
    assert store.get(sample().id).version == 2


def test_delete_hides_the_entry(store):
    store.put(sample())
    assert store.delete(sample().id)
    assert store.get(sample().id) is None
    assert sample().id not in {e.id for e in store.entries()}
    assert not store.delete(sample().id)


def test_seed_import_is_idempotent(store, seed):
    first = store.import_seed(seed)
    assert len(first.added) == len(seed_entries(seed))
    second = store.import_seed(seed)
    assert (second.added, second.updated, second.removed) == ([], [], [])
    assert second.unchanged == len(seed_entries(seed))
    assert store.topic("dang-ky-khai-sinh").name == "Đăng ký khai sinh"


def test_seed_never_overwrites_a_staff_edit_or_revives_a_deletion(store, seed):
    store.import_seed(seed)
    edited_id, deleted_id = seed.faq[0].id, seed.faq[1].id
    edited = store.put(replace(store.get(edited_id), answer="Cán bộ đã sửa câu trả lời."))
    store.delete(deleted_id)

    report = store.import_seed(seed)

    assert edited_id in report.kept_staff_edits and deleted_id in report.kept_staff_edits
    assert store.get(edited_id) == edited
    assert store.get(deleted_id) is None


def test_changed_seed_updates_seed_entries(store, seed):
    store.import_seed(seed)
    entry = seed.faq[0]
    changed = seed.__class__(
        catalog=seed.catalog,
        procedures=seed.procedures,
        guides=seed.guides,
        faq=[entry.model_copy(update={"answer": "Đã cập nhật theo quy định mới."}), *seed.faq[1:]],
        faq_slug=seed.faq_slug,
    )
    report = store.import_seed(changed)
    assert report.updated == [entry.id]
    assert store.get(entry.id).answer == "Đã cập nhật theo quy định mới."
    assert store.get(entry.id).version == 2
