""" "Cần rà soát" on the real app (TestClient, the seed's knowledge base) with the app's clock
pinned to 4/12/2026: the items whose validity ends on 31/12/2026 (the fee halvings of Thông tư
64/2025) and those starting on 1/1/2027 are listed, soonest first, from the store; one click
marks an item reviewed and its review line leaves the list; the interval is the
REVIEW_INTERVAL_DAYS setting; the home page shows the count. The clock is the app's, so these
tests do not depend on the real date."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.staff import texts
from app.staff.audit import AuditFilter
from tests.staff.conftest import ADDRESS, staff_settings
from tests.staff.test_procedures_api import signed_in
from tests.staff.test_procedures_pages import page_form

ENDING = {  # what the seed has ending on 31/12/2026
    ("topic", "cap-the-can-cuoc", "fees.1"),
    ("topic", "cap-the-can-cuoc", "fees.2"),
    ("topic", "cap-the-can-cuoc", "fees.3"),
    ("topic", "cap-ho-chieu-pho-thong", "fees.3"),
    ("topic", "dang-ky-thanh-lap-doanh-nghiep", "fees.1"),
    ("entry", "cap-the-can-cuoc/le-phi-2026", ""),
    ("entry", "dang-ky-thanh-lap-doanh-nghiep/le-phi", ""),
}
FAQ = "tach-ho/dieu-kien"


@pytest.fixture
def make(tmp_path, clock, knowledge):
    """``make(**settings)``: the app on the seed's knowledge base, its clock at 4/12/2026 10:00 (Vietnam)."""
    clock.now = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
    opened: list[TestClient] = []

    def build(**settings) -> TestClient:
        app = create_app(
            staff_settings(tmp_path / f"var{len(opened)}", **settings), knowledge=knowledge, clock=clock
        )
        client = TestClient(app, client=(ADDRESS, 40000))
        client.__enter__()
        opened.append(client)
        return client

    yield build
    for client in opened:
        client.__exit__(None, None, None)


def listed(app_client) -> dict:
    response = app_client.get("/api/staff/review")
    assert response.status_code == 200, response.text
    return response.json()


def test_the_items_ending_on_31_12_2026_are_listed_soonest_first(make):
    client = make()
    signed_in(client, "viewer")
    body = listed(client)
    assert body["today"] == "2026-12-04" and body["interval_days"] == 180 and body["horizon_days"] == 30
    items = body["items"]
    ending = {(i["kind"], i["id"], i["field"]) for i in items if i["due"] == "2026-12-31"}
    assert ending >= ENDING
    assert all(i["reason"] == "validity_ends" for i in items if i["due"] == "2026-12-31")
    assert [i["due"] for i in items] == sorted(i["due"] for i in items)
    halving = next(i for i in items if (i["id"], i["field"]) == ("cap-the-can-cuoc", "fees.1"))
    assert halving["reason_label"] == "Hết hiệu lực" and halving["text"]
    assert halving["edit"] == "/staff/procedures/cap-the-can-cuoc/edit"
    starting = {i["id"] for i in items if i["due"] == "2027-01-01"}
    assert {"cap-the-can-cuoc", "cap-the-can-cuoc/le-phi-dau-2027"} <= starting

    page = client.get("/staff/review")
    assert page.status_code == 200 and "31/12/2026" in page.text and "Hôm nay 04/12/2026" in page.text
    assert 'href="/staff/procedures/cap-the-can-cuoc/edit"' in page.text
    assert "/staff/review/mark" not in page.text  # a viewer marks nothing


def test_the_day_after_they_are_gone(make, clock):
    client = make()
    clock.now = datetime(2027, 1, 1, 3, 0, tzinfo=UTC)
    signed_in(client, "viewer")
    items = listed(client)["items"]
    assert listed(client)["today"] == "2027-01-01"
    assert not [i for i in items if i["due"] == "2026-12-31"]


def test_marking_reviewed_removes_the_review_line(make, knowledge):
    entry = knowledge.store.get(FAQ)
    knowledge.put(
        replace(entry, reviewed=date(2026, 1, 2)), expected_version=entry.version, author="seed-test"
    )
    client = make()
    csrf = signed_in(client, "editor")
    [due] = [i for i in listed(client)["items"] if i["id"] == FAQ]
    assert (
        due["reason"] == "review"
        and due["due"] == "2026-07-01"
        and due["edit"] == f"/staff/entries/{FAQ}/edit"
    )
    stale = client.post(
        "/api/staff/review/mark",
        json={"kind": "entry", "id": FAQ, "version": due["version"] - 1},
        headers={"X-CSRF-Token": csrf},
    )
    assert stale.status_code == 409
    marked = client.post(
        "/api/staff/review/mark",
        json={"kind": "entry", "id": FAQ, "version": due["version"]},
        headers={"X-CSRF-Token": csrf},
    )
    assert marked.status_code == 200, marked.text
    assert marked.json() == {
        "kind": "entry",
        "id": FAQ,
        "version": due["version"] + 1,
        "reviewed": "2026-12-04",
    }
    assert not [i for i in listed(client)["items"] if i["id"] == FAQ]
    stored = knowledge.store.get(FAQ)
    assert (stored.reviewed, stored.reviewed_by) == (date(2026, 12, 4), "editor")
    [record] = client.app.state.staff.audit.page(AuditFilter(action="content_reviewed")).entries
    assert (record.actor, record.target_kind, record.target_id) == ("editor", "entry", FAQ)
    missing = client.post(
        "/api/staff/review/mark", json={"kind": "topic", "id": "khong-co"}, headers={"X-CSRF-Token": csrf}
    )
    assert missing.status_code == 404 and missing.json()["detail"] == texts.REVIEW_NOT_FOUND


def test_one_click_on_the_page_marks_a_procedure_reviewed(make, knowledge):
    slug = "dang-ky-ket-hon"
    topic, version = knowledge.store.topic(slug), knowledge.store.topic_version(slug)
    knowledge.put_topic(topic.model_copy(update={"reviewed": date(2026, 5, 1)}), expected_version=version)
    client = make()
    signed_in(client, "editor")
    page = client.get("/staff/review")
    assert "Đến hạn rà soát định kỳ" in page.text and "28/10/2026" in page.text
    form = form_of(page.text, slug)
    response = client.post("/staff/review/mark", data=form, follow_redirects=True)
    assert response.status_code == 200 and texts.DONE["content_reviewed"] in response.text
    assert "28/10/2026" not in response.text
    assert knowledge.topic(slug).reviewed == date(2026, 12, 4)
    without_token = client.post("/staff/review/mark", data={**form, "csrf": ""})
    assert without_token.status_code == 403


def form_of(html: str, item_id: str) -> dict:
    """The mark form of the row for ``item_id``."""
    start = html.index(f'data-id="{item_id}"')
    return page_form(html[start:], "/staff/review/mark").fields


def test_the_interval_is_a_setting(make):
    client = make(review_interval_days=20)  # reviewed 4/12, due again 24/12: within 30 days
    signed_in(client, "viewer")
    body = listed(client)
    assert body["interval_days"] == 20
    review = {i["id"] for i in body["items"] if i["reason"] == "review"}
    assert {"dang-ky-khai-sinh", FAQ} <= review
    assert (
        next(i for i in body["items"] if i["id"] == "dang-ky-khai-sinh" and i["reason"] == "review")["due"]
        == "2026-12-24"
    )


def test_the_home_page_shows_the_count(make):
    client = make()
    signed_in(client, "viewer")
    count = len(listed(client)["items"])
    home = client.get("/staff")
    assert f'<span class="label">{texts.REVIEW_HOME}:</span> <strong>{count}</strong>' in home.text
    assert 'href="/staff/review"' in home.text
