"""The FAQ editor's pages on the real app (TestClient, real SQLite, the real knowledge base from the
seed): the list with its search and filters, the edit form (save, preview, a conflict, messages
beside the fields), a new entry pre-filled from the unanswered questions' link, the history with
its diff and revert, delete with its confirmation and restore, "Thử câu hỏi", roles and CSRF."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlencode

import pytest

from app.staff import texts
from tests.staff.test_entries_api import (
    ENTRY,
    NEW_ANSWER,
    QUESTION,
    SOURCE,
    answered,
    client,
    knowledge_today,
    signed_in,
)

__all__ = ["client", "knowledge_today"]  # the fixtures, shared with the API's tests
EDIT = f"/staff/entries/{ENTRY}/edit"


def csrf_of(client) -> str:
    return client.get("/api/staff/me").json()["csrf"]


def form_of(client, knowledge, **changes: str) -> dict[str, str]:
    """The edit form as the page fills it, with ``changes``."""
    entry = knowledge.store.get(ENTRY)
    return {
        "csrf": csrf_of(client),
        "version": str(entry.version),
        "question": entry.question,
        "phrasings": "\n".join(entry.phrasings),
        "answer": entry.answer,
        "source": entry.source,
        "valid_from": "",
        "valid_until": "",
        "action": "save",
        **changes,
    }


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_the_list_searches_and_filters_and_links_each_entry_by_its_id(client):
    signed_in(client, "viewer")
    home = client.get("/staff").text
    assert 'href="/staff/entries"' in home and 'href="/staff/try"' in home
    page = client.get("/staff/entries", params={"q": "tách hộ", "kind": "faq", "slug": "tach-ho"})
    assert page.status_code == 200
    assert (
        f'href="/staff/entries/{ENTRY}/edit"' in page.text
        and f'href="/staff/entries/{ENTRY}/history"' in page.text
    )
    assert QUESTION in page.text and "Nội dung gốc" in page.text
    count = re.search(r'id="entries-count">(\d+) mục', page.text)
    assert count and int(count.group(1)) >= 5
    assert "Thêm mục hỏi đáp mới" not in page.text, "a viewer adds nothing"
    none = client.get("/staff/entries", params={"origin": "staff"}).text
    assert 'id="entries-count">0 mục' in none
    capped = client.get("/staff/entries").text
    assert "Trang 1/" in capped and "Trang sau" in capped, "hundreds of entries: a page of 100"
    bad_date = client.get("/staff/entries", params={"due": "31/13/2026"}).text
    assert texts.ENTRY_BAD_DATE in bad_date and 'aria-describedby="filter-due-error"' in bad_date
    due = client.get("/staff/entries", params={"due": "2027-06-30", "kind": "faq", "slug": "tach-ho"}).text
    assert ENTRY in due, "reviewed 2026-12-04, due 180 days later: before 30/06/2027"


def test_a_viewer_reads_the_form_but_cannot_save(client, knowledge):
    signed_in(client, "viewer")
    page = client.get(EDIT)
    assert page.status_code == 200 and "chỉ xem" in page.text and ">Lưu<" not in page.text
    assert 'name="question"' in page.text and "readonly" in page.text
    refused = client.post(EDIT, data=form_of(client, knowledge, answer=NEW_ANSWER))
    assert refused.status_code == 403 and texts.FORBIDDEN in refused.text
    assert client.get("/staff/entries/new").status_code == 403


def test_the_form_shows_every_field_and_a_save_is_live_with_a_notice(client, knowledge):
    signed_in(client, "editor")
    page = client.get(EDIT).text
    for name in ("question", "phrasings", "answer", "source", "valid_from", "valid_until"):
        assert f'<label for="{name}">' in page and f'id="{name}" name="{name}"' in page, name
    assert '<input type="hidden" name="version" value="1">' in page
    assert "Cư trú" in page and "04/12/2026" in page, "the group and the reviewed date are shown"

    missing_csrf = client.post(EDIT, data={**form_of(client, knowledge, answer=NEW_ANSWER), "csrf": ""})
    assert missing_csrf.status_code == 403 and texts.CSRF_FAILED in missing_csrf.text

    saved = client.post(EDIT, data=form_of(client, knowledge, answer=NEW_ANSWER), follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == f"{EDIT}?done=entry_saved"
    shown = client.get(saved.headers["location"]).text
    assert f'<p class="notice" role="status">{texts.DONE["entry_saved"]}</p>' in shown
    assert answered(knowledge) == NEW_ANSWER
    unchanged = client.post(EDIT, data=form_of(client, knowledge), follow_redirects=False)
    assert unchanged.headers["location"] == f"{EDIT}?done=entry_unchanged"


def test_a_stale_version_shows_the_conflict_with_a_link_and_keeps_what_was_typed(client, knowledge):
    signed_in(client, "editor")
    first = form_of(client, knowledge, answer=NEW_ANSWER)
    second = form_of(client, knowledge, answer="Bản của người thứ hai, viết cùng lúc.")
    assert client.post(EDIT, data=first, follow_redirects=False).status_code == 303
    refused = client.post(EDIT, data=second)
    assert refused.status_code == 409
    assert texts.ENTRY_CONFLICT.format(current=2) in unescape(refused.text)
    assert f'<a href="{EDIT}">{texts.ENTRY_CONFLICT_LINK.format(current=2)}</a>' in refused.text
    assert "Bản của người thứ hai, viết cùng lúc." in refused.text, "the typed text stays in the form"
    assert knowledge.store.get(ENTRY).answer == NEW_ANSWER


def test_messages_stand_beside_their_fields_and_the_typed_values_stay(client, knowledge):
    signed_in(client, "editor")
    typed = form_of(
        client, knowledge, phrasings="chỉ một\nhai", source="dichvucong.gov.vn", valid_until="31/02/2027"
    )
    response = client.post(EDIT, data=typed)
    assert response.status_code == 422 and texts.ENTRY_INVALID in response.text
    page = response.text
    for name, message in (
        ("phrasings", "Cần ít nhất 3 mục."),
        ("source", "Cần một địa chỉ đầy đủ bắt đầu bằng https://"),
        ("valid_until", "Ngày không hợp lệ"),
    ):
        assert f'<p class="field-error" id="error-{name}">{message}' in page, name
        field = re.search(rf'<(?:input|textarea) id="{name}"[^>]*>', page).group(0)
        assert f"error-{name}" in field and 'aria-invalid="true"' in field, field
    assert 'value="dichvucong.gov.vn"' in page and 'value="31/02/2027"' in page and "chỉ một\nhai" in page
    assert knowledge.store.get(ENTRY).version == 1


def test_preview_shows_the_answer_as_the_bot_would_without_saving(client, knowledge):
    signed_in(client, "editor")
    response = client.post(EDIT, data=form_of(client, knowledge, answer=NEW_ANSWER, action="preview"))
    assert response.status_code == 200
    preview = text_of(response.text.split('id="preview"', 1)[1])
    assert NEW_ANSWER in preview and f"Nguồn: {knowledge.store.get(ENTRY).source}" in preview
    assert knowledge.store.get(ENTRY).version == 1 and answered(knowledge) != NEW_ANSWER


def test_a_new_entry_comes_pre_filled_from_the_unanswered_questions_link(client, knowledge):
    signed_in(client, "editor")
    query = urlencode(
        [
            ("slug", "tach-ho"),
            ("question", "tách hộ khi ly thân"),
            ("phrasing", "ly than tach ho"),
            ("phrasing", "b"),
        ],
    )
    page = client.get(f"/staff/entries/new?{query}").text
    assert '<option value="tach-ho" selected>' in page and 'value="tách hộ khi ly thân"' in page
    assert "ly than tach ho\nb</textarea>" in page
    form = {
        "csrf": csrf_of(client),
        "slug": "tach-ho",
        "name": "ly-than",
        "question": "Vợ chồng ly thân có tách hộ được không?",
        "phrasings": "ly than tach ho duoc ko\nvợ chồng ly thân tách hộ\ntach ho khi ly than",
        "answer": "Được, nếu đáp ứng điều kiện tách hộ; ly thân không phải điều kiện riêng.",
        "source": SOURCE,
    }
    created = client.post("/staff/entries/new", data=form, follow_redirects=False)
    assert created.status_code == 303, created.text
    assert created.headers["location"] == "/staff/entries/tach-ho/ly-than/edit?done=entry_created"
    assert knowledge.search("vợ chồng ly thân tách hộ").answer.id == "tach-ho/ly-than"
    taken = client.post("/staff/entries/new", data=form)
    assert taken.status_code == 409 and texts.ENTRY_EXISTS.format(current=1) in unescape(taken.text)
    reserved = client.post("/staff/entries/new", data={**form, "name": "edit"})
    assert f'id="error-id">{texts.ENTRY_NAME_RESERVED}' in unescape(reserved.text)


def test_history_diffs_a_version_and_reverts_to_it(client, knowledge):
    signed_in(client, "editor")
    old = knowledge.store.get(ENTRY).answer
    client.post(EDIT, data=form_of(client, knowledge, answer=NEW_ANSWER))
    page = client.get(f"/staff/entries/{ENTRY}/history", params={"compare": 1})
    assert page.status_code == 200
    assert (
        "Phiên bản 1 so với bản hiện tại (2)" in page.text and "<del>" in page.text and "<ins>" in page.text
    )
    assert re.search(r'<tr id="version-2">.*?editor.*?Sửa', page.text, re.S)
    assert 'name="to_version" value="1"' in page.text and 'name="version" value="2"' in page.text
    stale = client.post(
        f"/staff/entries/{ENTRY}/revert", data={"csrf": csrf_of(client), "to_version": 1, "version": 1}
    )
    assert stale.status_code == 409 and texts.ENTRY_CONFLICT.format(current=2) in unescape(stale.text)
    done = client.post(
        f"/staff/entries/{ENTRY}/revert", data={"csrf": csrf_of(client), "to_version": 1, "version": 2}
    )
    assert done.status_code == 200 and texts.DONE["entry_reverted"] in done.text
    assert answered(knowledge) == old and knowledge.store.get(ENTRY).version == 3


def test_delete_asks_for_confirmation_and_restore_brings_the_entry_back(client, knowledge):
    signed_in(client, "editor")
    confirm = client.get(f"/staff/entries/{ENTRY}/delete")
    assert confirm.status_code == 200 and 'for="confirm"' in confirm.text
    unconfirmed = client.post(f"/staff/entries/{ENTRY}/delete", data={"csrf": csrf_of(client), "version": 1})
    assert unconfirmed.status_code == 400 and texts.ENTRY_DELETE_CONFIRM in unconfirmed.text
    deleted = client.post(
        f"/staff/entries/{ENTRY}/delete", data={"csrf": csrf_of(client), "version": 1, "confirm": "1"}
    )
    assert deleted.status_code == 200 and texts.DONE["entry_deleted"] in unescape(deleted.text)
    assert answered(knowledge) is None
    assert f'action="/staff/entries/{ENTRY}/restore"' in deleted.text, "the deleted filter offers restore"
    assert texts.ENTRY_DELETED_NOTE in client.get(EDIT).text
    restored = client.post(f"/staff/entries/{ENTRY}/restore", data={"csrf": csrf_of(client), "version": 2})
    assert restored.status_code == 200 and texts.DONE["entry_restored"] in restored.text
    assert answered(knowledge) == knowledge.store.get(ENTRY).answer


@pytest.mark.parametrize(
    ("question", "verdict"),
    [("dieu kien tach ho khau", "Trợ lý trả lời chắc chắn"), ("giá vàng", "chưa chắc")],
)
def test_thu_cau_hoi_shows_the_verdict_and_the_scores(client, question, verdict):
    signed_in(client, "viewer")
    assert "Câu hỏi" in client.get("/staff/try").text
    page = client.get("/staff/try", params={"q": question}).text
    assert verdict in page and "Điểm từ ngữ" in page and "Điểm ngữ nghĩa" in page and "Điểm tổng hợp" in page
    if "chắc chắn" in verdict:
        assert f'href="/staff/entries/{ENTRY}/edit"' in page and "<strong>1.000</strong>" in page
