"""Procedures and guide topics in the store: validated writes with versions, optimistic locking,
history, revert, review marks, and the overview entry that search sees."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from knowledge.seed import load_seed
from knowledge.store import Conflict, NotFound, Store

SLUG = "dang-ky-khai-sinh"


@pytest.fixture(scope="module")
def seed():
    return load_seed()


@pytest.fixture
def store(tmp_path, seed):
    opened = Store(f"sqlite:///{tmp_path / 'knowledge.db'}")
    opened.import_seed(seed)
    yield opened
    opened.close()


def edited(store: Store, **changes) -> dict:
    data = store.topic(SLUG).model_dump(mode="json")
    data.update(changes)
    return data


def test_put_topic_validates_versions_and_rewrites_the_overview_entry(store):
    version = store.topic_version(SLUG)
    topic, new_version = store.put_topic(
        edited(store, name="Đăng ký khai sinh (sửa)", aliases=["làm giấy khai sinh", "khai sinh cho bé"]),
        expected_version=version,
        author="lan",
    )
    assert new_version == version + 1 == store.topic_version(SLUG)
    assert store.topic(SLUG) == topic and topic.name == "Đăng ký khai sinh (sửa)"
    overview = store.get(SLUG)
    assert (overview.question, overview.phrasings, overview.origin) == (
        "Đăng ký khai sinh (sửa)",
        ("làm giấy khai sinh", "khai sinh cho bé"),
        "staff",
    )
    assert store.history(SLUG)[0].author == "lan"
    record = store.topic_record(SLUG)
    assert (record.origin, record.version) == ("staff", new_version)
    history = store.topic_history(SLUG)
    assert [(v.version, v.action, v.author) for v in history[:2]] == [
        (new_version, "updated", "lan"),
        (1, "seed", None),
    ]
    assert history[0].data["name"] == "Đăng ký khai sinh (sửa)"


def test_a_topic_that_breaks_the_schema_is_refused_and_nothing_changes(store):
    before = store.topic(SLUG)
    bad_fee = {
        "text": "Miễn phí",
        "applies": "online",
        "valid_from": "2027-01-01",
        "valid_until": "2026-01-01",
    }
    with pytest.raises(ValidationError):
        store.put_topic(edited(store, fees=[bad_fee]))
    with pytest.raises(ValidationError):
        store.put_topic(edited(store, steps=[]))
    assert store.topic(SLUG) == before and store.topic_version(SLUG) == 1


def test_a_stale_topic_save_is_a_conflict(store):
    store.put_topic(edited(store, processing_time="Trong ngày"), expected_version=1, author="lan")
    with pytest.raises(Conflict) as raised:
        store.put_topic(edited(store, processing_time="03 ngày"), expected_version=1, author="minh")
    assert raised.value.current == 2
    assert store.topic(SLUG).processing_time == "Trong ngày"


def test_revert_topic_brings_back_an_old_version(store):
    original = store.topic(SLUG)
    store.put_topic(edited(store, processing_time="Sai: 30 ngày"), author="minh")
    topic, version = store.revert_topic(SLUG, 1, expected_version=2, author="lan")
    assert topic == original and version == 3
    assert store.topic_history(SLUG)[0].action == "reverted"
    with pytest.raises(NotFound):
        store.revert_topic("khong-co-thu-tuc", 1)
    with pytest.raises(NotFound):
        store.revert_topic(SLUG, 42)


def test_mark_reviewed_sets_the_topic_date_and_reviewer(store):
    version = store.mark_reviewed("topic", SLUG, author="lan", on=date(2026, 12, 10))
    record = store.topic_record(SLUG)
    assert (record.topic.reviewed, record.reviewed_by, record.version) == (date(2026, 12, 10), "lan", version)
    assert store.topic_history(SLUG)[0].action == "reviewed"
    overview = store.get(SLUG)
    assert (overview.reviewed, overview.reviewed_by) == (date(2026, 12, 10), "lan")
    with pytest.raises(NotFound):
        store.mark_reviewed("topic", "khong-co-thu-tuc", author="lan", on=date(2026, 12, 10))


def test_search_topics_filters_for_the_console(store):
    found = [record.topic.slug for record in store.search_topics(q="khai sinh", kind="procedure")]
    assert SLUG in found and all(store.topic(slug).kind == "procedure" for slug in found)
    assert SLUG in [record.topic.slug for record in store.search_topics(q="ks")]
    group = store.topic(SLUG).group
    assert {record.topic.group for record in store.search_topics(group=group)} == {group}
    store.put_topic(edited(store, processing_time="Trong ngày"), author="lan")
    assert [record.topic.slug for record in store.search_topics(origin="staff")] == [SLUG]
    assert not store.search_topics(review_due_before=store.topic("dvc-tra-cuu-ho-so").reviewed)
