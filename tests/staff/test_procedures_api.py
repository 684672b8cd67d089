"""The procedures' JSON API on the real app (TestClient, real SQLite, the real knowledge base from
the seed, lexical search): roles and CSRF, an edit live for search and for the actions' own
replies, a conflict, validation errors by field, history with diffs and revert, the audit log,
and the ``make train`` notice when the name or aliases change."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from actions.facts import fact_text
from app.main import create_app
from app.staff import texts
from app.staff.audit import AuditFilter
from tests.staff.conftest import ADDRESS, add_account, sign_in, staff_settings

SLUG = "dang-ky-khai-sinh"
TODAY = date(2026, 12, 4)
NEW_FEE = "Lệ phí đăng ký khai sinh đúng hạn: 0 đồng (mức thử nghiệm 2026)."


@pytest.fixture
def client(tmp_path, clock, knowledge):
    clock.now = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
    app = create_app(staff_settings(tmp_path / "var"), knowledge=knowledge, clock=clock)
    with TestClient(app, client=(ADDRESS, 40000)) as test_client:
        yield test_client


def signed_in(client: TestClient, role: str) -> str:
    add_account(client, role, role)
    return sign_in(client, role)


def audit(client: TestClient, **where: str) -> list:
    return client.app.state.staff.audit.page(AuditFilter(**where)).entries


def put(client: TestClient, csrf: str, path_slug: str, **body):
    return client.put(f"/api/staff/procedures/{path_slug}", json=body, headers={"X-CSRF-Token": csrf})


def test_a_viewer_reads_but_cannot_write(client):
    csrf = signed_in(client, "viewer")
    listed = client.get("/api/staff/procedures", params={"q": "khai sinh"})
    assert listed.status_code == 200
    row = next(row for row in listed.json() if row["slug"] == SLUG)
    assert row["name"] == "Đăng ký khai sinh" and row["origin"] == "seed" and row["version"] >= 1
    assert row["reviewed"] == "2026-12-04"
    one = client.get(f"/api/staff/procedures/{SLUG}").json()
    assert one["version"] == row["version"] and one["data"]["fees"]
    refused = put(client, csrf, SLUG, version=one["version"], processing_time="Trong ngày.")
    assert refused.status_code == 403 and refused.json()["detail"] == texts.FORBIDDEN
    assert client.get(f"/api/staff/procedures/{SLUG}").json()["version"] == one["version"]


def test_signed_out_and_without_csrf_are_refused(client):
    assert client.get("/api/staff/procedures").status_code == 401
    signed_in(client, "editor")
    version = client.get(f"/api/staff/procedures/{SLUG}").json()["version"]
    response = client.put(f"/api/staff/procedures/{SLUG}", json={"version": version, "who": "Ai cũng được."})
    assert response.status_code == 403 and response.json()["detail"] == texts.CSRF_FAILED
    response = client.post(f"/api/staff/procedures/{SLUG}/revert", json={"to_version": 1, "version": version})
    assert response.status_code == 403


def test_a_fee_edit_is_live_for_search_and_the_actions(client, knowledge):
    csrf = signed_in(client, "editor")
    current = client.get(f"/api/staff/procedures/{SLUG}").json()
    old_text = current["data"]["fees"][0]["text"]
    fees = [{**current["data"]["fees"][0], "text": NEW_FEE}, *current["data"]["fees"][1:]]
    response = put(client, csrf, SLUG, version=current["version"], fees=fees)
    assert response.status_code == 200, response.text
    saved = response.json()
    assert saved["version"] == current["version"] + 1 and saved["changed"] == ["fees"]
    assert saved["retrain"] is False and saved["notice"] == ""
    # Live: the service's copy the actions read, and the actions' own reply.
    assert knowledge.topic(SLUG).fees[0].text.endswith("(mức thử nghiệm 2026).")
    reply = fact_text("ask_fee", knowledge.topic(SLUG), TODAY, None)
    assert "0 đồng (mức thử nghiệm 2026)" in reply and reply.startswith("Lệ phí thủ tục Đăng ký khai sinh")
    # Recorded: who and what, before and after.
    [record] = audit(client, action="procedure_updated")
    assert record.actor == "editor" and record.target_id == SLUG
    assert record.after["fees"][0]["text"].endswith("(mức thử nghiệm 2026).")
    assert record.before["fees"][0]["text"] == old_text


def test_the_second_of_two_saves_gets_a_conflict(client, knowledge):
    csrf = signed_in(client, "editor")
    version = client.get(f"/api/staff/procedures/{SLUG}").json()["version"]
    first = put(client, csrf, SLUG, version=version, processing_time="Trong ngày làm việc.")
    assert first.status_code == 200
    second = put(client, csrf, SLUG, version=version, processing_time="Trong 3 ngày làm việc.")
    assert second.status_code == 409
    assert second.json()["current"] == version + 1
    assert str(version + 1) in second.json()["detail"]
    assert knowledge.topic(SLUG).processing_time == "Trong ngày làm việc."


def test_invalid_fields_get_vietnamese_messages_and_change_nothing(client, knowledge):
    csrf = signed_in(client, "editor")
    current = client.get(f"/api/staff/procedures/{SLUG}").json()
    fees = [{**current["data"]["fees"][0], "applies": "sometimes", "valid_until": "31-12-2026"}]
    response = put(client, csrf, SLUG, version=current["version"], fees=fees, name="  ")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["name"] == "Không được để trống."
    assert errors["fees.0.applies"].startswith("Chỉ nhận một trong các giá trị")
    assert errors["fees.0.valid_until"].startswith("Ngày không hợp lệ")
    assert client.get(f"/api/staff/procedures/{SLUG}").json()["version"] == current["version"]
    assert put(client, csrf, SLUG, name="Đăng ký khai sinh").status_code == 422  # no version
    renamed = put(client, csrf, SLUG, version=current["version"], slug="khai-sinh")
    assert renamed.status_code == 422 and renamed.json()["detail"] == texts.PROCEDURE_SLUG_FIXED
    assert client.get("/api/staff/procedures/khong-co").status_code == 404


def test_a_new_alias_says_the_nlu_follows_at_the_next_training(client, knowledge):
    csrf = signed_in(client, "editor")
    current = client.get(f"/api/staff/procedures/{SLUG}").json()
    aliases = [*current["data"]["aliases"], "làm giấy khai sinh cho bé mới đẻ"]
    saved = put(client, csrf, SLUG, version=current["version"], aliases=aliases).json()
    assert saved["retrain"] is True and saved["notice"] == texts.PROCEDURE_TRAIN_NOTICE
    assert "make train" in saved["notice"]
    # Search sees the new alias at once (the topic's overview entry).
    assert knowledge.search("làm giấy khai sinh cho bé mới đẻ").hits[0].slug == SLUG


def test_history_shows_a_diff_and_revert_brings_the_old_text_back(client, knowledge):
    csrf = signed_in(client, "editor")
    before = client.get(f"/api/staff/procedures/{SLUG}").json()
    old_time = before["data"]["processing_time"]
    saved = put(
        client, csrf, SLUG, version=before["version"], processing_time="Trong 2 ngày làm việc."
    ).json()
    history = client.get(f"/api/staff/procedures/{SLUG}/history").json()
    newest = history[0]
    assert newest["version"] == saved["version"] and newest["author"] == "editor"
    assert newest["action"] == "updated" and list(newest["changes"]) == ["processing_time"]
    lines = newest["changes"]["processing_time"]
    assert {"kind": "add", "text": "Trong 2 ngày làm việc."} in lines
    assert any(line["kind"] == "remove" for line in lines)

    stale = client.post(
        f"/api/staff/procedures/{SLUG}/revert",
        json={"to_version": before["version"], "version": before["version"]},
        headers={"X-CSRF-Token": csrf},
    )
    assert stale.status_code == 409 and stale.json()["current"] == saved["version"]
    reverted = client.post(
        f"/api/staff/procedures/{SLUG}/revert",
        json={"to_version": before["version"], "version": saved["version"]},
        headers={"X-CSRF-Token": csrf},
    )
    assert reverted.status_code == 200, reverted.text
    assert reverted.json()["version"] == saved["version"] + 1
    assert knowledge.topic(SLUG).processing_time == old_time
    assert client.get(f"/api/staff/procedures/{SLUG}/history").json()[0]["action"] == "reverted"
    missing = client.post(
        f"/api/staff/procedures/{SLUG}/revert",
        json={"to_version": 999, "version": saved["version"] + 1},
        headers={"X-CSRF-Token": csrf},
    )
    assert missing.status_code == 404 and missing.json()["detail"] == texts.NO_VERSION
    assert [r.action for r in audit(client, target=f"topic:{SLUG}")][:2] == [
        "procedure_reverted",
        "procedure_updated",
    ]


def test_filters_by_origin_and_review_due(client, knowledge):
    csrf = signed_in(client, "editor")
    version = client.get(f"/api/staff/procedures/{SLUG}").json()["version"]
    put(client, csrf, SLUG, version=version, reviewed="2026-01-02")
    staff_made = client.get("/api/staff/procedures", params={"origin": "staff"}).json()
    assert [row["slug"] for row in staff_made] == [SLUG]
    due = client.get("/api/staff/procedures", params={"due": "true"}).json()
    row = next(row for row in due if row["slug"] == SLUG)
    assert row["review_due"] is True and row["next_review"] == "2026-07-01"
    assert all(row["review_due"] for row in due)
