"""The procedures' pages on the real app (TestClient, the seed's knowledge base): the list and its
filters, the edit form as a browser would submit it (its fields read from the page itself), a fee
changed and live, errors beside their fields, the "add a row" button, the preview built by the
actions' own wording, the ``make train`` notice, a conflict that keeps what was typed, the
history with its diff and a revert; a viewer only reads."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from app.staff import texts
from tests.staff import test_procedures_api as shared
from tests.staff.test_procedures_api import NEW_FEE, SLUG, signed_in

# The shared fixtures: the seed's knowledge base (a copy per test) and the app on it.
client = shared.client

EDIT = f"/staff/procedures/{SLUG}/edit"


class FormFields(HTMLParser):
    """The values a browser would submit from the page's form that posts to ``action``."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}
        self.textarea: str | None = None
        self.select: str | None = None
        self.ids: dict[str, dict[str, str]] = {}

    def handle_starttag(self, tag, attrs):
        a = {key: value or "" for key, value in attrs}
        if "id" in a:
            self.ids[a["id"]] = a
        if tag == "form":
            self.inside = a.get("action") == self.action
        if not self.inside:
            return
        if tag == "input" and a.get("type") not in {"submit", "button"}:
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self.textarea = a["name"]
            self.fields[self.textarea] = ""
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and ("selected" in a or self.select not in self.fields):
            self.fields[self.select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += data


def page_form(html: str, action: str = EDIT) -> FormFields:
    parser = FormFields(action)
    parser.feed(html)
    return parser


def edit_form(browser) -> dict[str, str]:
    page = browser.get(EDIT)
    assert page.status_code == 200, page.text
    return page_form(page.text).fields


def test_the_list_searches_and_filters(client):
    signed_in(client, "viewer")
    page = client.get("/staff/procedures", params={"q": "ho chieu"})
    assert page.status_code == 200
    assert "Cấp hộ chiếu phổ thông" in page.text and "Đăng ký khai sinh" not in page.text
    assert 'href="/staff/procedures/cap-ho-chieu-pho-thong/edit"' in page.text
    assert "Xem" in page.text and ">Sửa<" not in page.text  # a viewer reads
    staff_only = client.get("/staff/procedures", params={"origin": "staff"})
    assert "0 thủ tục." in staff_only.text


def test_a_fee_edited_in_the_form_is_saved_live_and_audited(client, knowledge):
    csrf = signed_in(client, "editor")
    fields = edit_form(client)
    assert fields["csrf"] == csrf and fields["name"] == "Đăng ký khai sinh"
    assert fields["fee_0_text"].startswith("Miễn lệ phí")
    # The last fee row is empty (adds a fee); the nested lists are in the seed's YAML.
    last = int(fields["fee_rows"]) - 1
    assert fields[f"fee_{last}_text"] == "" and "- instruction:" in fields["steps"]
    response = client.post(
        EDIT, data={**fields, "fee_0_text": NEW_FEE, "action": "save"}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"].endswith("done=procedure_saved")
    assert knowledge.topic(SLUG).fees[0].text == NEW_FEE
    page = client.get(response.headers["location"])
    assert texts.DONE["procedure_saved"] in page.text and 'role="status"' in page.text
    assert NEW_FEE in page.text  # the preview shows what the bot now says
    assert client.get("/staff/procedures", params={"origin": "staff"}).text.count("/edit") == 1


def test_an_unchanged_form_saves_no_version(client, knowledge):
    signed_in(client, "editor")
    version = knowledge.store.topic_version(SLUG)
    response = client.post(EDIT, data={**edit_form(client), "action": "save"}, follow_redirects=False)
    assert response.headers["location"].endswith("done=procedure_unchanged")
    assert knowledge.store.topic_version(SLUG) == version


def test_errors_are_shown_beside_their_fields(client, knowledge):
    signed_in(client, "editor")
    version = knowledge.store.topic_version(SLUG)
    fields = {
        **edit_form(client),
        "name": "",
        "fee_1_valid_from": "2027-01-01",
        "fee_1_valid_until": "2026-01-01",
        "steps": "- instruction: [chưa đóng",
        "documents": "- name: Giấy chứng sinh\n  kind: photo\n",
        "action": "save",
    }
    response = client.post(EDIT, data=fields)
    assert response.status_code == 422
    assert texts.PROCEDURE_INVALID in response.text
    form = page_form(response.text)
    assert form.ids["name"]["aria-invalid"] == "true"
    assert "name-error" in form.ids["name"]["aria-describedby"]
    assert "name-error" in form.ids and "fee_1_valid_from-error" in form.ids
    assert "steps-error" in form.ids and "documents-error" in form.ids
    assert (
        re.search(r'id="documents-error">Mục 2, kind: Chỉ nhận một trong các giá trị', response.text) is None
    )
    assert re.search(r'id="documents-error">Mục 1, kind: Chỉ nhận một trong các giá trị', response.text)
    assert "Ngày bắt đầu hiệu lực sau ngày hết hiệu lực" in response.text
    assert form.fields["steps"] == "- instruction: [chưa đóng"  # what was typed stays
    assert knowledge.store.topic_version(SLUG) == version


def test_add_a_fee_row_then_preview_then_save(client, knowledge):
    signed_in(client, "editor")
    fields = edit_form(client)
    rows = int(fields["fee_rows"])
    added = page_form(client.post(EDIT, data={**fields, "action": "add_fee"}).text).fields
    assert int(added["fee_rows"]) == rows + 1
    new_fee = {
        f"fee_{rows}_text": "Phí thử nghiệm cấp bản sao điện tử: 5.000 đồng.",
        f"fee_{rows}_applies": "online",
    }
    preview = client.post(EDIT, data={**added, **new_fee, "action": "preview"})
    assert preview.status_code == 200
    assert "Xem trước (chưa lưu)" in preview.text and "5.000 đồng" in preview.text
    assert "5.000 đồng" not in " ".join(fee.text for fee in knowledge.topic(SLUG).fees)
    saved = client.post(
        EDIT, data={**page_form(preview.text).fields, "action": "save"}, follow_redirects=False
    )
    assert saved.status_code == 303
    assert knowledge.topic(SLUG).fees[-1].text == "Phí thử nghiệm cấp bản sao điện tử: 5.000 đồng."
    assert knowledge.topic(SLUG).fees[-1].applies == "online"


def test_a_new_name_says_make_train_beside_the_field_and_after_saving(client, knowledge):
    signed_in(client, "editor")
    fields = edit_form(client)
    page = client.get(EDIT)
    form = page_form(page.text)
    assert (
        "nlu-hint" in form.ids["name"]["aria-describedby"]
        and "nlu-hint" in form.ids["aliases"]["aria-describedby"]
    )
    assert "make train" in page.text
    fields["aliases"] += "\nkhai sinh cho bé"
    response = client.post(EDIT, data={**fields, "action": "save"}, follow_redirects=True)
    assert texts.DONE["procedure_saved_train"] in response.text
    assert "khai sinh cho bé" in knowledge.topic(SLUG).aliases


def test_a_stale_form_gets_a_conflict_and_keeps_what_was_typed(client, knowledge):
    signed_in(client, "editor")
    mine, theirs = edit_form(client), edit_form(client)
    first = client.post(EDIT, data={**theirs, "processing_time": "Trong ngày.", "action": "save"})
    assert first.status_code == 200  # followed the redirect
    second = client.post(EDIT, data={**mine, "processing_time": "Trong 5 ngày.", "action": "save"})
    assert second.status_code == 409
    version = knowledge.store.topic_version(SLUG)
    assert texts.PROCEDURE_CONFLICT.format(current=version, version=int(mine["version"])) in second.text
    assert page_form(second.text).fields["processing_time"] == "Trong 5 ngày."
    assert knowledge.topic(SLUG).processing_time == "Trong ngày."


def test_history_diff_and_revert_on_the_page(client, knowledge):
    signed_in(client, "editor")
    old = knowledge.topic(SLUG).processing_time
    client.post(
        EDIT, data={**edit_form(client), "processing_time": "Trong 4 ngày làm việc.", "action": "save"}
    )
    page = client.get(f"/staff/procedures/{SLUG}/history")
    assert page.status_code == 200
    assert '<span class="add">+ Trong 4 ngày làm việc.</span>' in page.text
    assert "Thời gian giải quyết" in page.text and '<span class="remove">− ' in page.text
    version = knowledge.store.topic_version(SLUG)
    revert = page_form(
        page.text, f"/staff/procedures/{SLUG}/revert"
    ).fields  # the first form: newest older version
    assert revert["to_version"] == str(version - 1) and revert["version"] == str(version)
    response = client.post(f"/staff/procedures/{SLUG}/revert", data=revert, follow_redirects=True)
    assert texts.DONE["procedure_reverted"] in response.text
    assert knowledge.topic(SLUG).processing_time == old


def test_a_viewer_sees_the_form_disabled_and_cannot_post(client, knowledge):
    signed_in(client, "viewer")
    page = client.get(EDIT)
    assert "<fieldset disabled>" in page.text and 'value="save"' not in page.text
    fields = page_form(page.text).fields
    response = client.post(EDIT, data={**fields, "name": "Khai sinh", "action": "save"})
    assert response.status_code == 403 and texts.FORBIDDEN in response.text
    assert knowledge.topic(SLUG).name == "Đăng ký khai sinh"
    missing = client.post(EDIT, data={k: v for k, v in fields.items() if k != "csrf"})
    assert missing.status_code == 403
