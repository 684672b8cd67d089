"""Hybrid search on a real SQLite store, real BM25 and real FAISS with the bundled model."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from knowledge.embedder import Embedder
from knowledge.search import Calibration, SearchService
from knowledge.store import Conflict, Entry, Store


def entry(entry_id: str, question: str, *phrasings: str, **extra) -> Entry:
    slug = entry_id.split("/")[0]
    return Entry(
        id=entry_id, slug=slug, kind="faq", question=question, phrasings=phrasings,
        answer=f"Trả lời cho: {question}", source="https://dichvucong.gov.vn", **extra,
    )  # fmt: skip


ENTRIES = [
    entry(
        "dang-ky-khai-sinh/giay-to",
        "Đăng ký khai sinh cần giấy tờ gì?",
        "làm giấy khai sinh cần gì",
        "ks can j",
        "hồ sơ khai sinh gồm những gì",
    ),
    entry(
        "dang-ky-khai-sinh/le-phi",
        "Đăng ký khai sinh có mất phí không?",
        "khai sinh mất bao nhiêu tiền",
        "lệ phí khai sinh",
        "khai sinh có tốn tiền không",
    ),
    entry(
        "cap-ho-chieu-pho-thong/giay-to",
        "Làm hộ chiếu cần giấy tờ gì?",
        "làm passport cần gì",
        "hồ sơ làm hộ chiếu",
        "xin hộ chiếu cần mang gì",
    ),
    entry(
        "dang-ky-tam-tru/noi-nop",
        "Đăng ký tạm trú ở đâu?",
        "dk tam tru o dau",
        "nộp hồ sơ tạm trú ở đâu",
        "tạm trú đăng ký chỗ nào",
    ),
    entry(
        "cap-the-can-cuoc/mien-phi",
        "Làm căn cước có được miễn phí không?",
        "cccd mien phi",
        "làm căn cước mất tiền không",
        "phí làm thẻ căn cước",
        valid_until=date(2026, 12, 31),
    ),
]


@pytest.fixture
def store(tmp_path):
    opened = Store(f"sqlite:///{tmp_path / 'knowledge.db'}")
    for item in ENTRIES:
        opened.put(item, origin="seed")
    yield opened
    opened.close()


def lexical(store, tmp_path, today=date(2026, 11, 27)) -> SearchService:
    service = SearchService(store, None, tmp_path / "index", today=lambda: today)
    service.open()
    return service


def test_finds_the_entry_typed_without_tones_or_in_teencode(store, tmp_path):
    service = lexical(store, tmp_path)
    for query in [
        "đăng ký khai sinh cần những giấy tờ gì",
        "dang ky khai sinh can giay to gi",
        "đk ks cần j",
    ]:
        result = service.search(query)
        assert result.hits[0].slug == "dang-ky-khai-sinh", query
        assert result.answer is not None and result.answer.id == "dang-ky-khai-sinh/giay-to"


def test_hits_are_one_per_slug_and_related_entries_come_with_the_answer(store, tmp_path):
    result = lexical(store, tmp_path).search("khai sinh cần giấy tờ gì", k=5)
    slugs = [hit.slug for hit in result.hits]
    assert len(slugs) == len(set(slugs))
    assert [hit.id for hit in result.related] == ["dang-ky-khai-sinh/le-phi"]


def test_out_of_scope_gets_no_answer(store, tmp_path):
    result = lexical(store, tmp_path).search("giá vàng hôm nay bao nhiêu")
    assert result.answer is None


def test_never_states_a_fact_outside_its_validity_window(store, tmp_path):
    before = lexical(store, tmp_path, today=date(2026, 12, 31)).search("làm căn cước có được miễn phí không")
    after = lexical(store, tmp_path, today=date(2027, 1, 1)).search("làm căn cước có được miễn phí không")
    assert before.answer is not None and before.answer.id == "cap-the-can-cuoc/mien-phi"
    assert all(hit.id != "cap-the-can-cuoc/mien-phi" for hit in after.hits)
    assert after.answer is None or after.answer.id != "cap-the-can-cuoc/mien-phi"


def test_add_replace_delete_are_visible_to_the_next_search(store, tmp_path):
    service = lexical(store, tmp_path)
    new = entry(
        "dang-ky-ket-hon/giay-to",
        "Đăng ký kết hôn cần giấy tờ gì?",
        "dkkh can gi",
        "hồ sơ kết hôn",
        "cưới cần gì",
    )
    service.put(new)
    assert service.search("đăng ký kết hôn cần giấy tờ gì").answer.id == new.id

    service.put(replace(new, answer="Câu trả lời đã sửa."))
    assert service.search("đăng ký kết hôn cần giấy tờ gì").answer.text == "Câu trả lời đã sửa."

    assert service.delete(new.id)
    assert all(hit.slug != "dang-ky-ket-hon" for hit in service.search("đăng ký kết hôn cần giấy tờ gì").hits)


@pytest.fixture(scope="module")
def bundled() -> Embedder:
    return Embedder("bundled")


def test_dense_index_persists_and_rebuilds_only_on_manifest_mismatch(store, tmp_path, bundled):
    folder = tmp_path / "index"
    first = SearchService(store, bundled, folder)
    assert first.open() is True
    assert (folder / "manifest.json").exists()

    assert SearchService(store, bundled, folder).open() is False, "same content and model: load, no rebuild"

    store.put(
        entry("tach-ho/dieu-kien", "Điều kiện tách hộ là gì?", "tach ho can dk gi", "tách hộ", "ra hộ riêng")
    )
    assert SearchService(store, bundled, folder).open() is True, "content changed behind the index"


def test_dense_index_follows_incremental_changes(store, tmp_path, bundled):
    service = SearchService(store, bundled, tmp_path / "index")
    service.open()
    service.calibration = Calibration(dense_weight=1.0, threshold=0.0)
    new = entry(
        "dang-ky-ket-hon/giay-to",
        "Đăng ký kết hôn cần giấy tờ gì?",
        "dkkh can gi",
        "hồ sơ kết hôn",
        "cưới cần gì",
    )
    service.put(new)
    assert service.search("đăng ký kết hôn cần giấy tờ gì").hits[0].id == new.id
    service.delete(new.id)
    assert all(hit.id != new.id for hit in service.search("đăng ký kết hôn cần giấy tờ gì").hits)
    # What was saved after the change is what the next start loads.
    reopened = SearchService(store, bundled, tmp_path / "index")
    assert reopened.open() is False


# --- staff writes are live --------------------------------------------------------------


@pytest.fixture(scope="module")
def seed():
    from knowledge.seed import load_seed

    return load_seed()


@pytest.fixture
def seeded_service(tmp_path, seed):
    opened = Store(f"sqlite:///{tmp_path / 'seeded.db'}")
    opened.import_seed(seed)
    service = lexical(opened, tmp_path)
    yield service
    opened.close()


def test_an_edit_revert_delete_and_restore_reach_the_next_answer(seeded_service):
    service = seeded_service
    question = "đăng ký khai sinh có mất phí không"
    before = service.search(question).answer
    assert before is not None and before.id == "dang-ky-khai-sinh/le-phi"
    version = service.store.get(before.id).version

    service.put(
        replace(service.store.get(before.id), answer="Miễn lệ phí (đã sửa)."),
        expected_version=version,
        author="lan",
    )
    assert service.search(question).answer.text == "Miễn lệ phí (đã sửa)."

    with pytest.raises(Conflict):
        service.put(replace(service.store.get(before.id), answer="Bản cũ."), expected_version=version)
    assert service.search(question).answer.text == "Miễn lệ phí (đã sửa)."

    service.revert(before.id, version, author="lan")
    assert service.search(question).answer.text == before.text

    assert service.delete(before.id, author="lan")
    assert all(hit.id != before.id for hit in service.search(question).hits)
    service.restore(before.id, author="lan")
    assert service.search(question).answer.id == before.id


def test_a_topic_edit_reaches_the_actions_and_the_search_at_once(seeded_service):
    service = seeded_service
    slug = "dang-ky-khai-sinh"
    original = service.topic(slug)
    data = original.model_dump(mode="json")
    data["processing_time"] = "Trong ngày làm việc (đã sửa)"
    data["aliases"] = [*data["aliases"], "giấy chào đời quokka"]

    _, version = service.put_topic(data, expected_version=service.store.topic_version(slug), author="lan")

    assert service.topic(slug).processing_time == "Trong ngày làm việc (đã sửa)"
    assert next(t for t in service.topics("procedure") if t.slug == slug).processing_time.endswith("(đã sửa)")
    assert service.search("quokka").hits[0].id == slug

    service.revert_topic(slug, 1, expected_version=version, author="lan")
    assert service.topic(slug) == original
    assert service.search("quokka").hits == []


def test_a_review_mark_through_the_service_is_seen_at_once(seeded_service):
    service = seeded_service
    service.mark_reviewed("entry", "dang-ky-khai-sinh/le-phi", author="lan", on=date(2026, 12, 10))
    assert service.store.get("dang-ky-khai-sinh/le-phi").reviewed_by == "lan"
    service.mark_reviewed("topic", "dang-ky-khai-sinh", author="lan", on=date(2026, 12, 10))
    assert service.topic("dang-ky-khai-sinh").reviewed == date(2026, 12, 10)


def test_put_many_through_the_service_is_searchable(seeded_service):
    service = seeded_service
    new = entry(
        "dang-ky-khai-sinh/ten-con",
        "Đặt tên con có dấu được không?",
        "đặt tên cho bé",
        "tên khai sinh",
        "ten con",
    )
    service.put_many([(new, 0)], author="lan")
    assert service.search("đặt tên con có dấu được không").answer.id == new.id


def test_try_question_shows_both_halves_of_every_score(store, tmp_path, bundled):
    service = SearchService(store, bundled, tmp_path / "index", today=lambda: date(2026, 11, 27))
    service.open()
    service.calibration = Calibration(dense_weight=0.4, threshold=0.3, margin=0.0)

    trial = service.try_question("đăng ký khai sinh cần giấy tờ gì", k=5)

    assert trial.result == service.search("đăng ký khai sinh cần giấy tờ gì", k=5)
    assert len(trial.entries) == 5 and trial.entries[0].id == "dang-ky-khai-sinh/giay-to"
    # Every entry, not one per topic: the console sees what competes inside a topic too.
    assert [e.slug for e in trial.entries].count("dang-ky-khai-sinh") == 2
    for hit in trial.entries:
        assert hit.score == pytest.approx(0.4 * hit.dense + 0.6 * hit.lexical, abs=2e-4)
    assert trial.entries[0].lexical > 0 and trial.entries[0].dense > 0
    body = trial.as_dict()
    assert body["calibration"] == {"dense_weight": 0.4, "threshold": 0.3, "margin": 0.0}
    assert body["answer"]["id"] == "dang-ky-khai-sinh/giay-to" and body["entries"][0]["kind"] == "faq"
