"""The FAQ editor's JSON API on the real app (TestClient, real SQLite, the real knowledge base from the
seed, lexical search): every route with its roles and CSRF, ids with "/", a conflict, validation in
Vietnamese by field, history with diff and revert, delete and restore, "Thử câu hỏi", and the search
answering an edited entry's new text at once."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.staff import texts
from knowledge.search import SearchService
from tests.staff.conftest import ADDRESS, add_account, another, sign_in, staff_settings

ENTRY = "tach-ho/dieu-kien"  # an id with "/"
QUESTION = "Điều kiện để tách hộ là gì?"
NEW_ANSWER = "Anh/chị tách hộ được khi chủ hộ đồng ý và chỗ ở hợp pháp (nội dung thử của bài kiểm tra)."
SOURCE = "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html"
FIELDS = {
    "id", "slug", "kind", "group", "question", "phrasings", "answer", "source", "valid_from", "valid_until",
    "reviewed", "reviewed_by", "origin", "version", "deleted",
}  # fmt: skip


@pytest.fixture
def knowledge_today() -> date:
    return date(2026, 12, 5)


@pytest.fixture
def client(tmp_path, clock, knowledge):
    app = create_app(staff_settings(tmp_path / "var"), knowledge=knowledge, clock=clock)
    with TestClient(app, client=(ADDRESS, 40000)) as test_client:
        yield test_client


def signed_in(client: TestClient, role: str) -> dict[str, str]:
    add_account(client, role, role)
    return {"X-CSRF-Token": sign_in(client, role)}


def answered(knowledge: SearchService, question: str = QUESTION) -> str | None:
    found = knowledge.search(question).answer
    return found.text if found is not None and found.id == ENTRY else None


def audit_entries(client: TestClient, action: str) -> list:
    return [entry for entry in client.app.state.staff.audit.page().entries if entry.action == action]


# --- reading ------------------------------------------------------------------------------------


def test_signed_out_callers_get_401(client):
    assert client.get("/api/staff/entries").status_code == 401
    assert client.get(f"/api/staff/entries/{ENTRY}").status_code == 401


def test_a_viewer_lists_searches_and_filters_entries(client, knowledge):
    signed_in(client, "viewer")
    everything = client.get("/api/staff/entries").json()
    assert len(everything) == len(knowledge.store.entries())
    assert all(set(row) == FIELDS for row in everything)

    rows = client.get("/api/staff/entries", params={"q": "tach ho khau", "kind": "faq"}).json()
    assert ENTRY in [row["id"] for row in rows], "no tones typed, the tones stored: found"
    assert all(row["kind"] == "faq" for row in rows)

    by_slug = client.get("/api/staff/entries", params={"slug": "tach-ho"}).json()
    assert {row["slug"] for row in by_slug} == {"tach-ho"} and len(by_slug) == 10
    [row] = [row for row in by_slug if row["id"] == ENTRY]
    assert row["group"] == "Cư trú" and row["origin"] == "seed" and row["deleted"] is False
    assert row["question"] == QUESTION and len(row["phrasings"]) >= 3 and row["reviewed"] == "2026-12-04"

    group = client.get("/api/staff/entries", params={"group": "Cư trú", "kind": "topic"}).json()
    assert "tach-ho" in [row["id"] for row in group] and all(row["group"] == "Cư trú" for row in group)
    assert client.get("/api/staff/entries", params={"origin": "staff"}).json() == []
    assert client.get("/api/staff/entries", params={"deleted": "true"}).json() == []

    one = client.get(f"/api/staff/entries/{ENTRY}")
    assert one.status_code == 200 and one.json() == row


def test_an_unknown_id_is_a_404_in_vietnamese(client):
    headers = signed_in(client, "editor")
    missing = "tach-ho/khong-co-muc-nay"
    detail = texts.ENTRY_NOT_FOUND.format(id=missing)
    calls = [
        client.get(f"/api/staff/entries/{missing}"),
        client.get(f"/api/staff/entries/{missing}/history"),
        client.put(f"/api/staff/entries/{missing}", json={"answer": "x", "version": 1}, headers=headers),
        client.delete(f"/api/staff/entries/{missing}", params={"version": 1}, headers=headers),
        client.post(f"/api/staff/entries/{missing}/restore", json={"version": 1}, headers=headers),
        client.post(
            f"/api/staff/entries/{missing}/revert", json={"to_version": 1, "version": 1}, headers=headers
        ),
    ]
    assert [(call.status_code, call.json()["detail"]) for call in calls] == [(404, detail)] * len(calls)


@pytest.mark.parametrize("role", ["viewer", "agent"])
def test_viewers_and_agents_change_nothing(client, knowledge, role):
    headers = signed_in(client, role)
    before = knowledge.store.get(ENTRY)
    calls = [
        client.put(f"/api/staff/entries/{ENTRY}", json={"answer": NEW_ANSWER, "version": 1}, headers=headers),
        client.post("/api/staff/entries", json={"id": "tach-ho/moi", "question": "?"}, headers=headers),
        client.delete(f"/api/staff/entries/{ENTRY}", params={"version": 1}, headers=headers),
        client.post(f"/api/staff/entries/{ENTRY}/restore", json={"version": 1}, headers=headers),
        client.post(
            f"/api/staff/entries/{ENTRY}/revert", json={"to_version": 1, "version": 1}, headers=headers
        ),
    ]
    assert [(call.status_code, call.json()["detail"]) for call in calls] == [(403, texts.FORBIDDEN)] * 5
    assert knowledge.store.get(ENTRY) == before
    assert client.get(f"/api/staff/entries/{ENTRY}").status_code == 200, "they read"
    tried = client.post("/api/staff/try", json={"question": QUESTION}, headers=headers)
    assert tried.status_code == 200, "trying a question changes nothing: every role may"


def test_writes_need_the_csrf_token_and_the_session_cookie(client, knowledge):
    headers = signed_in(client, "editor")
    refused = client.put(f"/api/staff/entries/{ENTRY}", json={"answer": NEW_ANSWER, "version": 1})
    assert (refused.status_code, refused.json()["detail"]) == (403, texts.CSRF_FAILED)
    stranger = another(client).put(
        f"/api/staff/entries/{ENTRY}", json={"answer": NEW_ANSWER, "version": 1}, headers=headers
    )
    assert stranger.status_code == 401
    assert knowledge.store.get(ENTRY).version == 1


# --- editing ------------------------------------------------------------------------------------


def test_a_saved_answer_is_what_the_search_answers_at_once_and_is_audited(client, knowledge):
    headers = signed_in(client, "editor")
    old = knowledge.store.get(ENTRY)
    assert answered(knowledge) == old.answer

    response = client.put(
        f"/api/staff/entries/{ENTRY}", json={"answer": NEW_ANSWER, "version": 1}, headers=headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["answer"], body["version"], body["origin"]) == (NEW_ANSWER, 2, "staff")
    assert body["phrasings"] == list(old.phrasings) and body["reviewed"] == "2026-12-04", "the rest stays"
    assert answered(knowledge) == NEW_ANSWER, "live for the bot without a restart"

    [record] = audit_entries(client, "entry_updated")
    assert (record.actor, record.target_kind, record.target_id) == ("editor", "entry", ENTRY)
    assert record.before == {"answer": old.answer, "version": 1}
    assert record.after == {"answer": NEW_ANSWER, "version": 2}

    same = client.put(
        f"/api/staff/entries/{ENTRY}", json={"answer": NEW_ANSWER, "version": 2}, headers=headers
    )
    assert same.json()["version"] == 2, "a save that changes nothing writes no version"
    assert len(audit_entries(client, "entry_updated")) == 1


def test_the_second_of_two_saves_from_the_same_version_is_a_conflict(client, knowledge):
    headers = signed_in(client, "editor")
    first = client.put(
        f"/api/staff/entries/{ENTRY}", json={"answer": NEW_ANSWER, "version": 1}, headers=headers
    )
    assert first.status_code == 200
    second = client.put(
        f"/api/staff/entries/{ENTRY}",
        json={"answer": "Câu trả lời của người thứ hai.", "version": 1},
        headers=headers,
    )
    assert second.status_code == 409
    assert second.json() == {"detail": texts.ENTRY_CONFLICT.format(current=2), "current": 2}
    assert knowledge.store.get(ENTRY).answer == NEW_ANSWER, "the first save's text stays"
    assert answered(knowledge) == NEW_ANSWER


def test_fields_that_do_not_meet_the_schema_are_named_in_vietnamese(client, knowledge):
    headers = signed_in(client, "editor")
    url = f"/api/staff/entries/{ENTRY}"
    bad = {
        "question": "  ",
        "phrasings": ["một", "hai"],
        "source": "http://dichvucong.gov.vn",
        "valid_from": "2027-01-01",
        "valid_until": "31/13/2026",
        "version": 1,
    }
    response = client.put(url, json=bad, headers=headers)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == texts.ENTRY_INVALID
    assert body["errors"] == {
        "question": "Không được để trống.",
        "phrasings": "Cần ít nhất 3 mục.",
        "source": "Cần một địa chỉ đầy đủ bắt đầu bằng https:// (ví dụ https://dichvucong.gov.vn).",
        "valid_until": "Ngày không hợp lệ: viết theo dạng năm-tháng-ngày, ví dụ 2026-12-31.",
    }
    window = client.put(
        url, json={"valid_from": "2027-01-01", "valid_until": "2026-12-31", "version": 1}, headers=headers
    )
    assert window.status_code == 422 and set(window.json()["errors"]) == {"valid_from"}
    assert "ngày bắt đầu" in window.json()["errors"]["valid_from"]

    extra = client.put(url, json={"answer": "x", "slug": "dang-ky-xe", "version": 1}, headers=headers)
    assert (extra.status_code, extra.json()["errors"]) == (422, {"slug": texts.ENTRY_NOT_EDITABLE})
    unversioned = client.put(url, json={"answer": "x"}, headers=headers)
    assert unversioned.json()["errors"] == {"version": texts.ENTRY_VERSION_REQUIRED}
    topic = client.put("/api/staff/entries/tach-ho", json={"answer": "x", "version": 1}, headers=headers)
    assert (topic.status_code, topic.json()["detail"]) == (400, texts.ENTRY_IS_TOPIC)
    assert knowledge.store.get(ENTRY).version == 1, "nothing was written"


def test_a_new_entry_is_created_once_and_answered_at_once(client, knowledge):
    headers = signed_in(client, "editor")
    question = "Tách hộ có cần sổ hộ khẩu giấy không?"
    new = {
        "id": "tach-ho/so-ho-khau-giay",
        "question": question,
        "phrasings": [
            "tach ho co can so ho khau giay khong",
            "tách hộ có phải nộp sổ hộ khẩu",
            "so hk giay tach ho",
        ],
        "answer": "Không. Sổ hộ khẩu giấy không còn dùng; cơ quan đăng ký cư trú tra cứu dữ liệu về cư trú.",
        "source": SOURCE,
    }
    created = client.post("/api/staff/entries", json=new, headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["id"], body["slug"], body["group"], body["version"], body["origin"]) == (
        new["id"], "tach-ho", "Cư trú", 1, "staff",
    )  # fmt: skip
    found = knowledge.search(question).answer
    assert found is not None and found.id == new["id"] and found.text == new["answer"]
    assert audit_entries(client, "entry_created")[0].after["answer"] == new["answer"]

    again = client.post("/api/staff/entries", json=new, headers=headers)
    assert again.status_code == 409 and again.json()["current"] == 1
    assert again.json()["detail"] == texts.ENTRY_EXISTS.format(current=1)

    cases = [
        ({**new, "id": "tach-ho/history"}, {"id": texts.ENTRY_NAME_RESERVED}),
        ({**new, "id": "khong-co-thu-tuc/le-phi"}, {"slug": texts.ENTRY_UNKNOWN_SLUG}),
        ({**new, "id": "Tach Ho/le phi"}, None),
    ]
    for body_sent, errors in cases:
        refused = client.post("/api/staff/entries", json=body_sent, headers=headers)
        assert refused.status_code == 422, body_sent["id"]
        assert errors is None or refused.json()["errors"] == errors
    assert "Mã câu hỏi" in refused.json()["errors"]["id"]


# --- history, revert, delete, restore -----------------------------------------------------------


def test_history_shows_each_version_with_its_diff_and_revert_brings_the_old_text_back(client, knowledge):
    headers = signed_in(client, "editor")
    old = knowledge.store.get(ENTRY).answer
    client.put(f"/api/staff/entries/{ENTRY}", json={"answer": NEW_ANSWER, "version": 1}, headers=headers)

    versions = client.get(f"/api/staff/entries/{ENTRY}/history").json()
    assert [(v["version"], v["action"], v["author"]) for v in versions] == [
        (2, "updated", "editor"),
        (1, "seed", None),
    ]
    assert versions[0]["diff"] == []
    [change] = versions[1]["diff"]
    assert change["name"] == "answer" and change["label"] == texts.ENTRY_FIELDS["answer"]
    removed = "".join(text for kind, text in change["segments"] if kind != "added")
    added = "".join(text for kind, text in change["segments"] if kind != "removed")
    assert (removed, added) == (old, NEW_ANSWER), "the segments rebuild both texts"

    stale = client.post(
        f"/api/staff/entries/{ENTRY}/revert", json={"to_version": 1, "version": 1}, headers=headers
    )
    assert (stale.status_code, stale.json()["current"]) == (409, 2)
    missing = client.post(
        f"/api/staff/entries/{ENTRY}/revert", json={"to_version": 9, "version": 2}, headers=headers
    )
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        texts.ENTRY_NO_VERSION.format(id=ENTRY, version=9),
    )

    reverted = client.post(
        f"/api/staff/entries/{ENTRY}/revert", json={"to_version": 1, "version": 2}, headers=headers
    )
    assert reverted.status_code == 200 and (reverted.json()["answer"], reverted.json()["version"]) == (old, 3)
    assert answered(knowledge) == old
    [record] = audit_entries(client, "entry_reverted")
    assert record.before == {"answer": NEW_ANSWER, "version": 2}
    assert record.after == {"answer": old, "version": 3, "to_version": 1}
    assert client.get(f"/api/staff/entries/{ENTRY}/history").json()[0]["action"] == "reverted"


def test_a_deleted_entry_is_no_longer_answered_and_a_restored_one_is(client, knowledge):
    headers = signed_in(client, "editor")
    stale = client.delete(f"/api/staff/entries/{ENTRY}", params={"version": 7}, headers=headers)
    assert (stale.status_code, stale.json()["current"]) == (409, 1)
    deleted = client.delete(f"/api/staff/entries/{ENTRY}", params={"version": 1}, headers=headers)
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True and deleted.json()["version"] == 2
    assert answered(knowledge) is None, "a tombstone is not answered"
    assert [row["id"] for row in client.get("/api/staff/entries", params={"deleted": True}).json()] == [ENTRY]
    assert ENTRY not in [row["id"] for row in client.get("/api/staff/entries").json()]
    assert client.get(f"/api/staff/entries/{ENTRY}").json()["deleted"] is True, "still readable"
    edited = client.put(
        f"/api/staff/entries/{ENTRY}", json={"answer": NEW_ANSWER, "version": 2}, headers=headers
    )
    assert (edited.status_code, edited.json()["detail"]) == (409, texts.ENTRY_DELETED_NOTE), "restore first"

    restored = client.post(f"/api/staff/entries/{ENTRY}/restore", json={"version": 2}, headers=headers)
    assert (
        restored.status_code == 200
        and restored.json()["deleted"] is False
        and restored.json()["version"] == 3
    )
    assert answered(knowledge) == knowledge.store.get(ENTRY).answer
    actions = [entry.action for entry in client.app.state.staff.audit.page().entries][:2]
    assert actions == ["entry_restored", "entry_deleted"]
    assert audit_entries(client, "entry_deleted")[0].after == {"deleted": True, "version": 2}


def test_thu_cau_hoi_shows_the_answer_the_top_entries_and_their_scores(client):
    headers = signed_in(client, "viewer")
    sure = client.post("/api/staff/try", json={"question": "dieu kien tach ho khau"}, headers=headers).json()
    assert sure["sure"] is True and sure["answer"]["id"] == ENTRY
    top = sure["entries"][0]
    assert (top["id"], top["score"]) == (ENTRY, 1.0) and {"lexical", "dense", "kind"} <= set(top)
    assert sure["calibration"] == {"dense_weight": 0.0, "threshold": 0.5, "margin": 0.0}
    unsure = client.post("/api/staff/try", json={"question": "giá vàng hôm nay"}, headers=headers).json()
    assert unsure["sure"] is False and unsure["answer"] is None
    empty = client.post("/api/staff/try", json={"question": " "}, headers=headers)
    assert (empty.status_code, empty.json()["detail"]) == (422, texts.TRY_EMPTY)


def test_the_api_says_when_the_knowledge_base_is_not_open_yet(make_client):
    client = make_client()
    signed_in(client, "viewer")
    response = client.get("/api/staff/entries")
    assert (response.status_code, response.json()["detail"]) == (503, texts.KNOWLEDGE_NOT_READY)
