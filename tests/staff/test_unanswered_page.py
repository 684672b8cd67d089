"""The console's unanswered questions on the real app (TestClient, real SQLite, the real knowledge base
from the seed): the JSON API and the page with roles and CSRF, a group marked handled, a question
added as a phrasing that the search then answers, a conflict; and in Debian's Chromium against the
whole stack (Rasa and the app, as `make run` starts them), questions asked through /api/chat that
the bot could not answer, grouped, offered as a pre-filled new FAQ entry (the link), turned into a
phrasing on the page, then answered."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from actions.services import Candidate, UnansweredQuestion
from app.database import Database
from app.main import create_app
from app.staff import texts
from app.staff.accounts import Accounts
from tests.pages import needs_chromium
from tests.staff.conftest import ADDRESS, PASSWORD, add_account, another, sign_in, staff_settings
from tests.staff.test_console_browser import CONTRAST

# Asked by three people and not answered yet, by the seed's content searched lexically (the tests
# on the TestClient) nor by the whole stack (the browser test: the bot says "chưa chắc" and offers
# topics); ENTRY answers the subject. The first two normalise alike.
BIRTH = [
    "bé nhà em chưa có giấy chứng sinh thì sao",
    "be nha em chua co giay chung sinh thi sao",
    "bé nhà em chưa có giấy chứng sinh thì tính sao",
]
GOLD = ["giá vàng hôm nay bao nhiêu", "gia vang hom nay bao nhieu"]
ENTRY = "dang-ky-khai-sinh/khong-co-giay-chung-sinh"
ENTRY_SLUG = "dang-ky-khai-sinh"


@pytest.fixture
def knowledge_today() -> date:
    return date(2026, 12, 5)


@pytest.fixture
def client(tmp_path, clock, knowledge):
    from fastapi.testclient import TestClient

    app = create_app(staff_settings(tmp_path / "var"), knowledge=knowledge, clock=clock)
    with TestClient(app, client=(ADDRESS, 40000)) as test_client:
        yield test_client


def ask(client, texts_asked: list[str], outcome: str = "unsure") -> None:
    """Questions as the question action keeps them: the search's hits as candidates."""
    knowledge = client.app.state.services.knowledge
    store = client.app.state.stores.unanswered
    for number, text in enumerate(texts_asked):
        hits = knowledge.search(text).hits
        assert knowledge.search(text).answer is None, f"the seed answers {text!r}"
        candidates = tuple(Candidate(h.id, h.slug, h.title, h.score) for h in hits)
        store.add(UnansweredQuestion(f"zalo:{len(store.all())}{number}", "zalo", text, outcome, candidates))


def groups(client) -> list[dict]:
    response = client.get("/api/staff/unanswered", params={"refresh": 1})
    assert response.status_code == 200, response.text
    return response.json()["groups"]


def group_of(client, text: str) -> dict:
    [found] = [group for group in groups(client) if text in group["examples"]]
    return found


def signed_in(client, role: str) -> str:
    add_account(client, role, role)
    return sign_in(client, role)


# --- reading -----------------------------------------------------------------------------------


def test_the_api_lists_groups_with_counts_times_examples_and_candidates(client, clock):
    ask(client, BIRTH)
    clock.now += timedelta(hours=2)
    ask(client, GOLD, outcome="contact")
    signed_in(client, "viewer")

    body = client.get("/api/staff/unanswered", params={"refresh": 1}).json()
    assert body["fresh"] is True and body["grouped"] == 5 and body["waiting"] == 5
    assert body["method"] == "tfidf", "lexical knowledge base: no embedder, TF-IDF vectors"
    birth, gold = body["groups"]
    assert birth["count"] == 3
    assert birth["examples"] == [BIRTH[0], BIRTH[2]], "distinct once normalised; with its tones first"
    assert birth["id"] == "g1" and birth["first_seen"] == "2026-12-05T08:00:00+00:00"
    assert birth["candidates"][0]["id"] == ENTRY and birth["candidates"][0]["questions"] == 3
    assert set(birth["candidates"][0]) == {"id", "slug", "title", "questions", "score"}
    assert birth["outcomes"] == {"unsure": 3}
    assert gold["count"] == 2 and gold["outcomes"] == {"contact": 2}
    assert gold["last_seen"] == "2026-12-05T10:00:00+00:00"

    link = urlsplit(birth["new_entry"])
    assert link.path == "/staff/entries/new"
    query = parse_qs(link.query)
    assert query["slug"] == [ENTRY_SLUG]
    assert query["question"] == [birth["examples"][0]]
    assert query["phrasing"] == birth["examples"][1:]


def test_signed_out_callers_are_sent_to_sign_in(client):
    assert client.get("/api/staff/unanswered").status_code == 401
    response = client.get("/staff/unanswered", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/staff/login")


def test_a_viewer_sees_the_groups_but_changes_nothing(client):
    ask(client, BIRTH)
    csrf = signed_in(client, "viewer")
    group = group_of(client, BIRTH[0])
    page = client.get("/staff/unanswered")
    assert page.status_code == 200 and BIRTH[0] in page.text
    assert "Đánh dấu đã xử lý" not in page.text and "chỉ xem" in page.text
    for path, body in (("handled", None), ("phrasing", {"entry_id": ENTRY, "version": 1})):
        response = client.post(
            f"/api/staff/unanswered/{group['id']}/{path}", json=body, headers={"X-CSRF-Token": csrf}
        )
        assert (response.status_code, response.json()["detail"]) == (403, texts.FORBIDDEN)
    assert all(row.handled_at is None for row in client.app.state.stores.unanswered.all())


def test_the_home_page_counts_the_groups(client):
    ask(client, BIRTH + GOLD)
    signed_in(client, "viewer")
    client.get("/api/staff/unanswered", params={"refresh": 1})
    home = client.get("/staff").text
    assert re.search(
        rf"{texts.UNANSWERED_HOME}:</span> <strong>2</strong> {texts.UNANSWERED_HOME_UNIT}</a>", home
    )
    assert 'href="/staff/unanswered"' in home


# --- handled -----------------------------------------------------------------------------------


def test_an_editor_marks_a_group_handled_with_its_csrf_token_and_it_is_audited(client):
    ask(client, BIRTH + GOLD)
    csrf = signed_in(client, "editor")
    birth = group_of(client, BIRTH[0])

    refused = client.post(f"/api/staff/unanswered/{birth['id']}/handled")
    assert (refused.status_code, refused.json()["detail"]) == (403, texts.CSRF_FAILED)
    assert len(groups(client)) == 2

    done = client.post(f"/api/staff/unanswered/{birth['id']}/handled", headers={"X-CSRF-Token": csrf})
    assert done.json() == {"group": birth["id"], "handled": 3}
    assert [g["examples"] for g in groups(client)] == [group_of(client, GOLD[0])["examples"]]
    rows = client.app.state.stores.unanswered.all()
    assert {(row.text, row.handled_by) for row in rows if row.handled_at} == {(t, "editor") for t in BIRTH}

    [entry] = client.app.state.staff.audit.page().entries[:1]
    assert (entry.actor, entry.action, entry.target_kind, entry.target_id) == (
        "editor",
        "unanswered_handled",
        "unanswered",
        birth["id"],
    )
    assert entry.after == {"questions": 3, "question_ids": [1, 2, 3]}
    assert BIRTH[0] not in str(entry.after), "the audit log, kept for good, holds no citizen's text"

    again = client.post(f"/api/staff/unanswered/{birth['id']}/handled", headers={"X-CSRF-Token": csrf})
    assert (again.status_code, again.json()["detail"]) == (404, texts.UNANSWERED_NO_GROUP)

    ask(client, BIRTH[:1])
    fresh = group_of(client, BIRTH[0])
    assert fresh["count"] == 1 and fresh["id"] != birth["id"], "asked again later: a new group"


def test_the_page_marks_a_group_handled_from_its_form(client):
    ask(client, BIRTH)
    csrf = signed_in(client, "admin")
    birth = group_of(client, BIRTH[0])
    page = client.get("/staff/unanswered").text
    assert f'action="/staff/unanswered/{birth["id"]}/handled"' in page
    assert client.post(f"/staff/unanswered/{birth['id']}/handled", data={}).status_code == 403
    response = client.post(
        f"/staff/unanswered/{birth['id']}/handled", data={"csrf": csrf}, follow_redirects=True
    )
    assert response.status_code == 200 and texts.DONE["unanswered_handled"] in response.text
    assert "Không có câu hỏi nào đang chờ xử lý." in response.text


# --- a phrasing of an existing entry -----------------------------------------------------------


def test_a_question_added_as_a_phrasing_is_answered_by_the_search_at_once(client, knowledge):
    ask(client, BIRTH)
    csrf = signed_in(client, "editor")
    birth = group_of(client, BIRTH[0])
    entry = knowledge.store.get(ENTRY)

    response = client.post(
        f"/api/staff/unanswered/{birth['id']}/phrasing",
        json={"entry_id": ENTRY, "version": entry.version},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["handled"] == 3 and body["entry"]["version"] == entry.version + 1
    assert body["entry"]["phrasings"] == [*entry.phrasings, birth["examples"][0]]
    for question in BIRTH:  # the group's question, and the others like it
        answer = knowledge.search(question).answer
        assert answer is not None and answer.id == ENTRY, question
    assert groups(client) == []

    [record] = [
        e for e in client.app.state.staff.audit.page().entries if e.action == "unanswered_phrasing_added"
    ]
    assert (record.actor, record.target_kind, record.target_id) == ("editor", "entry", ENTRY)
    assert record.before == {"version": entry.version, "phrasings": list(entry.phrasings)}
    assert record.after["phrasings"] == body["entry"]["phrasings"] and record.after["group"] == birth["id"]
    [version] = knowledge.store.history(ENTRY)[:1]
    assert version.author == "editor"


def test_a_phrasing_at_an_old_version_is_a_conflict_and_changes_nothing(client, knowledge):
    ask(client, BIRTH)
    csrf = signed_in(client, "editor")
    birth = group_of(client, BIRTH[0])
    entry = knowledge.store.get(ENTRY)

    response = client.post(
        f"/api/staff/unanswered/{birth['id']}/phrasing",
        json={
            "entry_id": ENTRY,
            "version": entry.version - 1 if entry.version > 1 else entry.version + 5,
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 409
    assert response.json()["detail"] == texts.UNANSWERED_CONFLICT.format(current=entry.version)
    assert knowledge.store.get(ENTRY) == entry
    assert group_of(client, BIRTH[0])["count"] == 3, "the group stays for another try"


def test_only_the_groups_own_questions_and_existing_faq_entries_are_accepted(client, knowledge):
    ask(client, BIRTH)
    csrf = signed_in(client, "editor")
    birth = group_of(client, BIRTH[0])
    headers = {"X-CSRF-Token": csrf}
    url = f"/api/staff/unanswered/{birth['id']}/phrasing"
    version = knowledge.store.get(ENTRY).version
    cases = [
        (
            {"entry_id": ENTRY, "version": version, "questions": ["câu khác"]},
            400,
            texts.UNANSWERED_NOT_AN_EXAMPLE,
        ),
        ({"entry_id": "khong-co/muc-nay", "version": 1}, 404, texts.UNANSWERED_NO_ENTRY),
        ({"entry_id": "dang-ky-khai-sinh", "version": 1}, 404, texts.UNANSWERED_NO_ENTRY),  # a topic overview
    ]
    for body, status, detail in cases:
        response = client.post(url, json=body, headers=headers)
        assert (response.status_code, response.json()["detail"]) == (status, detail), body
    missing = client.post("/api/staff/unanswered/g999/phrasing", json=cases[1][0], headers=headers)
    assert (missing.status_code, missing.json()["detail"]) == (404, texts.UNANSWERED_NO_GROUP)
    assert client.post(url, json={"version": 1}, headers=headers).status_code == 422


def test_the_page_adds_the_chosen_examples_to_a_candidate(client, knowledge):
    ask(client, BIRTH)
    csrf = signed_in(client, "editor")
    birth = group_of(client, BIRTH[0])
    version = knowledge.store.get(ENTRY).version
    page = client.get("/staff/unanswered").text
    assert f'value="{version}:{ENTRY}"' in page, "the candidate's button carries the version seen"
    assert f'href="/staff/entries/new?slug={ENTRY_SLUG}&amp;question=' in page

    chosen = birth["examples"][:2]
    response = client.post(
        f"/staff/unanswered/{birth['id']}/phrasing",
        data={"csrf": csrf, "target": f"{version}:{ENTRY}", "question": chosen},
        follow_redirects=True,
    )
    assert response.status_code == 200 and texts.DONE["unanswered_phrasing"] in response.text
    assert list(knowledge.store.get(ENTRY).phrasings[-2:]) == chosen


def test_the_page_shows_a_conflict_beside_the_groups(client, knowledge):
    ask(client, BIRTH)
    csrf = signed_in(client, "editor")
    birth = group_of(client, BIRTH[0])
    response = client.post(
        f"/staff/unanswered/{birth['id']}/phrasing",
        data={"csrf": csrf, "target": f"99:{ENTRY}", "question": birth["examples"][0]},
    )
    assert response.status_code == 409
    version = knowledge.store.get(ENTRY).version
    assert texts.UNANSWERED_CONFLICT.format(current=version) in response.text
    assert BIRTH[0] in response.text


# --- in the browser, against the whole stack ---------------------------------------------------


@needs_chromium
@pytest.mark.rasa
def test_unanswered_questions_turned_into_a_phrasing_are_answered_in_the_chat(
    stack, api, new_sender, browser
):
    from playwright.sync_api import expect

    def chat(text: str) -> str:
        response = api.post("/api/chat", json={"sender": new_sender(), "text": text})
        assert response.status_code == 200, response.text
        return "\n".join(message.get("text") or "" for message in response.json()["messages"])

    for question in BIRTH:
        assert "chưa chắc" in chat(question), f"the bot cannot answer {question!r} yet"

    database = Database(stack.settings.app_db, stack.settings.app_secret_key)
    Accounts(database, lambda: datetime.now(UTC)).create("bientap-unanswered", PASSWORD, "editor")
    database.close()
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    page = context.new_page()
    base = f"http://127.0.0.1:{stack.settings.app_port}"
    page.goto(f"{base}/staff/login?next=/staff/unanswered%3Frefresh%3D1")
    page.get_by_label("Tên đăng nhập").fill("bientap-unanswered")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Câu hỏi chưa trả lời")).to_be_visible()

    # The three were kept and grouped together (the search's embeddings): one card.
    group = page.locator("section.card", has=page.get_by_text(BIRTH[2], exact=True))
    expect(group).to_have_count(1)
    listed = context.request.get(f"{base}/api/staff/unanswered").json()["groups"]  # the page's cookie
    [found] = [g for g in listed if BIRTH[2] in g["examples"]]
    assert found["count"] == 3 and found["examples"] == [BIRTH[0], BIRTH[2]], found
    [candidate] = [c for c in found["candidates"] if c["id"] == ENTRY]

    # One branch: a new FAQ entry, pre-filled (the content editor's page opens it).
    link = group.get_by_role("link", name="Tạo mục hỏi đáp mới từ nhóm này").get_attribute("href")
    assert link == found["new_entry"]
    query = parse_qs(urlsplit(link).query)
    assert urlsplit(link).path == "/staff/entries/new"
    assert query == {
        "slug": [found["candidates"][0]["slug"]],
        "question": [BIRTH[0]],
        "phrasing": [BIRTH[2]],
    }

    # The other: both ways of asking become phrasings of the entry that answers the subject.
    for question in (BIRTH[0], BIRTH[2]):
        group.get_by_label(question, exact=True).check()
    assert page.evaluate(CONTRAST) == [], "WCAG AA contrast"
    page.screenshot(path=str(screenshots() / "staff-unanswered.png"), full_page=True)
    add = re.compile(rf"^Thêm làm cách hỏi của mục này\s*:\s*{re.escape(candidate['title'])}$")
    group.get_by_role("button", name=add).click()  # the candidate's title is in the button's name
    expect(page.get_by_role("status")).to_have_text(texts.DONE["unanswered_phrasing"])
    expect(page.get_by_text(BIRTH[2], exact=True)).to_have_count(0)
    context.close()

    answer = api.get("/api/search", params={"q": BIRTH[0]}).json()["answer"]
    assert answer is not None and answer["id"] == ENTRY
    for question in BIRTH:
        reply = chat(question)
        assert answer["text"][:60] in reply and "Nguồn:" in reply, (question, reply)
        assert "chưa chắc" not in reply, (question, reply)


def screenshots():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "var" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_another_browser_without_the_cookie_cannot_act(client):
    ask(client, BIRTH)
    csrf = signed_in(client, "editor")
    birth = group_of(client, BIRTH[0])
    stranger = another(client)
    response = stranger.post(f"/api/staff/unanswered/{birth['id']}/handled", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 401
    assert len(groups(client)) == 1
