"""The knowledge store on real SQLite: writes with versions, optimistic locking, tombstones,
history and revert, the console's list filters, and a seed import that never overrides people."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from knowledge.seed import load_seed
from knowledge.store import Conflict, Entry, NotFound, Store, seed_entries

AUTHOR = "lan"


@pytest.fixture(scope="module")
def seed():
    return load_seed()


@pytest.fixture
def store(tmp_path):
    opened = Store(f"sqlite:///{tmp_path / 'knowledge.db'}")
    yield opened
    opened.close()


@pytest.fixture
def seeded(store, seed):
    store.import_seed(seed)
    return store


def sample(**changes) -> Entry:
    entry = Entry(
        id="dang-ky-khai-sinh/thu-nghiem",
        slug="dang-ky-khai-sinh",
        kind="faq",
        question="Câu hỏi thử nghiệm?",
        phrasings=("cau hoi thu nghiem", "hoi thu", "thử một câu hỏi"),
        answer="Câu trả lời.",
        source="https://dichvucong.gov.vn",
        valid_until=date(2027, 2, 28),
    )
    return replace(entry, **changes)


def test_round_trip_keeps_every_field(store):
    saved = store.put(sample(reviewed=date(2026, 12, 1)), author=AUTHOR)
    assert store.get(saved.id) == replace(
        sample(), origin="staff", version=1, reviewed=date(2026, 12, 1), reviewed_by=AUTHOR
    )


def test_every_write_is_a_version_with_its_author_and_action(store):
    store.put(sample(), author="lan")
    store.put(sample(answer="Câu trả lời mới."), expected_version=1, author="minh")
    store.delete(sample().id, expected_version=2, author="lan")
    store.restore(sample().id, author="minh")

    history = store.history(sample().id)
    assert [(v.version, v.action, v.author) for v in history] == [
        (4, "restored", "minh"),
        (3, "deleted", "lan"),
        (2, "updated", "minh"),
        (1, "created", "lan"),
    ]
    assert history[2].data["answer"] == "Câu trả lời mới." and history[3].data["answer"] == "Câu trả lời."
    assert history[1].data["deleted"] is True
    assert history[0].at.tzinfo is not None and history[0].at <= datetime.now(UTC)
    assert store.get(sample().id).version == 4


def test_a_save_from_a_stale_version_is_a_conflict_and_changes_nothing(store):
    store.put(sample(), author="lan")
    store.put(sample(answer="Lần sửa thứ nhất."), expected_version=1, author="lan")
    with pytest.raises(Conflict) as raised:
        store.put(sample(answer="Lần sửa thứ hai, từ bản cũ."), expected_version=1, author="minh")
    assert raised.value.current == 2 and raised.value.id == sample().id
    assert store.get(sample().id).answer == "Lần sửa thứ nhất."
    with pytest.raises(Conflict):
        store.delete(sample().id, expected_version=1)
    with pytest.raises(Conflict) as taken:
        store.put(sample(), expected_version=0)  # 0: a new entry, but the id is taken
    assert taken.value.current == 2


def test_a_write_that_changes_nothing_records_nothing(store):
    store.put(sample(), author="lan")
    again = store.put(sample(), expected_version=1, author="minh")
    assert again.version == 1 and len(store.history(sample().id)) == 1


def test_delete_is_a_tombstone_that_can_be_restored(store):
    store.put(sample())
    assert store.delete(sample().id)
    assert store.get(sample().id) is None
    assert sample().id not in {e.id for e in store.entries()}
    tombstone = store.get(sample().id, include_deleted=True)
    assert tombstone.deleted and tombstone.answer == "Câu trả lời."
    assert [e.id for e in store.search_rows(deleted=True)] == [sample().id]
    assert not store.delete(sample().id)

    restored = store.restore(sample().id, author=AUTHOR)
    assert not restored.deleted and store.get(sample().id).answer == "Câu trả lời."
    with pytest.raises(NotFound):
        store.restore("dang-ky-khai-sinh/khong-co")


def test_revert_writes_a_new_version_equal_to_an_old_one(store):
    store.put(sample(), author="lan")
    store.put(sample(answer="Sai: 50.000 đồng."), author="minh")
    store.delete(sample().id, author="minh")

    reverted = store.revert(sample().id, 1, expected_version=3, author="lan")

    assert reverted.answer == "Câu trả lời." and reverted.version == 4 and not reverted.deleted
    assert store.history(sample().id)[0].action == "reverted"
    with pytest.raises(Conflict):
        store.revert(sample().id, 2, expected_version=3)
    with pytest.raises(NotFound):
        store.revert(sample().id, 99)


def test_a_faq_entry_that_breaks_the_seed_schema_is_refused(store):
    with pytest.raises(ValidationError):
        store.put(sample(phrasings=("chỉ một cách hỏi",)))
    with pytest.raises(ValidationError):
        store.put(sample(source="http://khong-an-toan.vn"))
    with pytest.raises(ValidationError):
        store.put(sample(valid_from=date(2027, 3, 1)))  # after valid_until
    with pytest.raises(ValidationError):
        store.put(sample(slug="dang-ky-ket-hon"))  # the id belongs to another topic
    assert store.get(sample().id) is None


def test_put_many_is_all_or_nothing(store):
    first = sample()
    second = sample(id="dang-ky-khai-sinh/thu-nghiem-2")
    store.put(first, author="lan")
    with pytest.raises(Conflict):
        store.put_many([(second, 0), (replace(first, answer="Mới."), 0)], author="minh")
    assert store.get(second.id) is None and store.get(first.id).answer == "Câu trả lời."
    saved = store.put_many([(second, 0), (replace(first, answer="Mới."), 1)], author="minh")
    assert [(e.id, e.version) for e in saved] == [(second.id, 1), (first.id, 2)]


def test_search_rows_filters_for_the_console(seeded):
    birth = seeded.search_rows(slug="dang-ky-khai-sinh", kind="faq")
    assert birth and all(e.slug == "dang-ky-khai-sinh" and e.kind == "faq" for e in birth)

    # q matches on the normalised form: without tones, with an abbreviation.
    found = {e.id for e in seeded.search_rows(q="le phi khai sinh")}
    assert "dang-ky-khai-sinh/le-phi" in found
    assert {e.id for e in seeded.search_rows(q="lệ phí khai sinh")} == found
    assert "dang-ky-khai-sinh/le-phi" in {e.id for e in seeded.search_rows(q="ks")}
    assert "dang-ky-khai-sinh/le-phi" in {e.id for e in seeded.search_rows(q="dang-ky-khai-sinh/le-phi")}

    group = seeded.topic("dang-ky-khai-sinh").group
    in_group = seeded.search_rows(group=group)
    assert in_group and {seeded.topic(e.slug).group for e in in_group} == {group}

    seeded.put(replace(seeded.get("dang-ky-khai-sinh/le-phi"), answer="Đã sửa."), author=AUTHOR)
    assert [e.id for e in seeded.search_rows(origin="staff")] == ["dang-ky-khai-sinh/le-phi"]

    reviewed = seeded.get("dang-ky-khai-sinh/le-phi").reviewed
    due = seeded.search_rows(review_due_before=date(2027, 12, 31), interval_days=180)
    assert "dang-ky-khai-sinh/le-phi" in {e.id for e in due}
    assert not seeded.search_rows(review_due_before=reviewed, interval_days=180)


def test_seed_faq_entries_take_their_topic_review_date(seeded, seed):
    entry = seeded.get("dang-ky-khai-sinh/le-phi")
    assert entry.reviewed == seed.procedures["dang-ky-khai-sinh"].reviewed
    assert entry.reviewed_by is None


def test_mark_reviewed_records_reviewer_and_date(seeded):
    before = seeded.get("dang-ky-khai-sinh/le-phi")
    version = seeded.mark_reviewed("entry", before.id, author="lan", on=date(2026, 12, 10))
    after = seeded.get(before.id)
    assert (after.reviewed, after.reviewed_by, after.version) == (date(2026, 12, 10), "lan", version)
    assert version == before.version + 1 and after.answer == before.answer
    assert seeded.history(before.id)[0].action == "reviewed"


def test_seed_import_is_idempotent(store, seed):
    first = store.import_seed(seed)
    assert len(first.added) == len(seed_entries(seed))
    assert first.topics_added
    second = store.import_seed(seed)
    assert (second.added, second.updated, second.removed, second.topics_updated) == ([], [], [], [])
    assert second.unchanged == len(seed_entries(seed))
    assert store.topic("dang-ky-khai-sinh").name == "Đăng ký khai sinh"
    assert [v.action for v in store.history("dang-ky-khai-sinh/le-phi")] == ["seed"]


def test_seed_never_overwrites_a_staff_edit_or_revives_a_deletion(seeded, seed):
    edited_id, deleted_id = seed.faq[0].id, seed.faq[1].id
    edited = seeded.put(replace(seeded.get(edited_id), answer="Cán bộ đã sửa câu trả lời."), author=AUTHOR)
    seeded.delete(deleted_id, author=AUTHOR)
    topic = seeded.topic("dang-ky-khai-sinh")
    seeded.put_topic(topic.model_copy(update={"processing_time": "Trong ngày"}), author=AUTHOR)

    report = seeded.import_seed(seed)

    assert edited_id in report.kept_staff_edits and deleted_id in report.kept_staff_edits
    assert "dang-ky-khai-sinh" in report.topics_kept
    assert seeded.get(edited_id) == edited
    assert seeded.get(deleted_id) is None
    assert seeded.topic("dang-ky-khai-sinh").processing_time == "Trong ngày"


def test_changed_seed_updates_seed_entries_and_removes_what_left_it(seeded, seed):
    entry = seed.faq[0]
    changed = seed.__class__(
        catalog=seed.catalog,
        procedures=seed.procedures,
        guides=seed.guides,
        faq=[entry.model_copy(update={"answer": "Đã cập nhật theo quy định mới."}), *seed.faq[2:]],
        faq_slug=seed.faq_slug,
    )
    report = seeded.import_seed(changed)
    assert report.updated == [entry.id] and report.removed == [seed.faq[1].id]
    assert seeded.get(entry.id).answer == "Đã cập nhật theo quy định mới."
    assert seeded.get(entry.id).version == 2
    assert seeded.get(seed.faq[1].id) is None

    back = seeded.import_seed(seed)  # an entry the seed removed comes back with the seed
    assert seed.faq[1].id in back.updated and seeded.get(seed.faq[1].id) is not None
