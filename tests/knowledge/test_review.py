""" "Cần rà soát": what the store (not the seed) has due, on fixed days (never the real clock)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from knowledge.review import due_items
from knowledge.seed import load_seed
from knowledge.store import Entry, Store

TODAY = date(2026, 12, 5)


def faq(name: str, **extra) -> Entry:
    return Entry(
        id=f"dang-ky-khai-sinh/{name}", slug="dang-ky-khai-sinh", kind="faq", question=f"Câu hỏi {name}?",
        phrasings=("một", "hai", "ba"), answer="Trả lời.", source="https://dichvucong.gov.vn", **extra,
    )  # fmt: skip


@pytest.fixture
def store(tmp_path):
    seed = load_seed()
    opened = Store(f"sqlite:///{tmp_path / 'knowledge.db'}")
    procedure = seed.procedures["dang-ky-khai-sinh"].model_dump(mode="json")
    procedure.update(
        reviewed="2026-06-01",  # next review 2026-11-28: overdue
        fees=[
            {"text": "Miễn lệ phí khi nộp trực tuyến", "applies": "online", "valid_until": "2026-12-31"},
            {"text": "Lệ phí 8.000 đồng", "applies": "online", "valid_from": "2027-01-01"},
            {"text": "Lệ phí 8.000 đồng khi nộp trực tiếp", "applies": "in_person"},
        ],
        caveats=[{"text": "Áp dụng đến hết quý 1 năm 2027", "valid_until": "2027-03-31"}],
    )
    guide = seed.guides["dvc-tra-cuu-ho-so"].model_dump(mode="json")
    guide["reviewed"] = "2026-11-01"  # next review 2027-04-30: not due
    guide["troubleshooting"][0]["valid_until"] = "2026-12-20"
    opened.put_topic(procedure, author="lan")
    opened.put_topic(guide, author="lan")
    opened.put(faq("moi-ra-soat", reviewed=date(2026, 11, 27)))
    opened.put(faq("qua-han", reviewed=date(2026, 5, 1)))
    opened.put(faq("chua-ra-soat"))
    opened.put(faq("het-hieu-luc", reviewed=date(2026, 11, 27), valid_until=date(2026, 12, 20)))
    opened.put(faq("da-het", reviewed=date(2026, 11, 27), valid_until=date(2026, 11, 30)))
    opened.put(faq("da-xoa"))
    opened.delete("dang-ky-khai-sinh/da-xoa")
    yield opened
    opened.close()


def summary(items) -> set[tuple]:
    return {(item.due, item.reason, item.kind, item.id, item.field) for item in items}


def test_lists_reviews_due_and_validity_windows_within_the_horizon(store):
    items = due_items(store, TODAY, interval_days=180, horizon_days=30)
    assert summary(items) == {
        (TODAY, "never_reviewed", "entry", "dang-ky-khai-sinh/chua-ra-soat", ""),
        (date(2026, 10, 28), "review", "entry", "dang-ky-khai-sinh/qua-han", ""),
        (date(2026, 12, 20), "validity_ends", "entry", "dang-ky-khai-sinh/het-hieu-luc", ""),
        (date(2026, 11, 28), "review", "topic", "dang-ky-khai-sinh", ""),
        (date(2026, 12, 31), "validity_ends", "topic", "dang-ky-khai-sinh", "fees.0"),
        (date(2027, 1, 1), "validity_starts", "topic", "dang-ky-khai-sinh", "fees.1"),
        (date(2026, 12, 20), "validity_ends", "topic", "dvc-tra-cuu-ho-so", "troubleshooting.0"),
    }
    assert items == sorted(items), "soonest first"
    fee = next(item for item in items if item.field == "fees.0")
    assert fee.text == "Miễn lệ phí khi nộp trực tuyến" and fee.title == "Đăng ký khai sinh"
    assert fee.reviewed == date(2026, 6, 1) and fee.version == store.topic_version("dang-ky-khai-sinh")


def test_the_interval_and_the_horizon_are_parameters(store):
    longer = summary(due_items(store, TODAY, interval_days=400, horizon_days=30))
    assert not any(reason == "review" for _, reason, *_ in longer)
    wider = summary(due_items(store, TODAY, interval_days=180, horizon_days=120))
    assert (date(2027, 3, 31), "validity_ends", "topic", "dang-ky-khai-sinh", "caveats.0") in wider


def test_reads_what_staff_wrote_and_their_review_marks(store):
    store.put(
        replace(store.get("dang-ky-khai-sinh/moi-ra-soat"), valid_until=date(2026, 12, 24)), author="lan"
    )
    store.mark_reviewed("entry", "dang-ky-khai-sinh/qua-han", author="minh", on=TODAY)
    store.mark_reviewed("topic", "dang-ky-khai-sinh", author="minh", on=TODAY)

    found = summary(due_items(store, TODAY, interval_days=180))

    assert (date(2026, 12, 24), "validity_ends", "entry", "dang-ky-khai-sinh/moi-ra-soat", "") in found
    assert not any(item_id == "dang-ky-khai-sinh/qua-han" for *_, item_id, _ in found)
    assert not any(reason == "review" and kind == "topic" for _, reason, kind, *_ in found)
