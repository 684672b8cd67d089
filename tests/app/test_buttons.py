"""A typed button title acts as pressing the button (app/buttons.py, and the pipeline with the real bot)."""

from __future__ import annotations

import pytest

from app.buttons import dump, forms, load, match, offered_in
from connectors.message import Button, OutgoingMessage

YES_NO = [Button(title="Đúng", payload="/affirm"), Button(title="Không phải", payload="/deny")]
RATING = [
    Button(title=f"{score} - {label}", payload=f'/rate{{"rating": {score}}}')
    for score, label in enumerate(
        ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"], start=1
    )
]
STEPS = [
    Button(title="Tiếp theo", payload="/guide_next"),
    Button(title="Quay lại", payload="/guide_back"),
    Button(title="Tôi gặp lỗi ở bước này", payload="/guide_problem"),
    Button(title="Gặp cán bộ", payload="/request_human"),
]


@pytest.mark.parametrize(
    ("typed", "payload"),
    [
        ("Đúng", "/affirm"),
        ("đúng", "/affirm"),
        ("ĐÚNG", "/affirm"),
        ("Đúng.", "/affirm"),
        ("  đúng  ", "/affirm"),
        ("dung", "/affirm"),  # typed without tones: the folded form decides
        ("dạ đúng ạ", "/affirm"),
        ("khong phai", "/deny"),
        ("Không phải ạ", "/deny"),
        ("tiep theo", "/guide_next"),
        ("Tôi gặp lỗi ở bước này", "/guide_problem"),
    ],
)
def test_a_typed_title_is_the_button(typed, payload):
    assert match(typed, [*YES_NO, *STEPS]).payload == payload


@pytest.mark.parametrize(
    "typed", ["dừng", "Dừng", "dừng lại", "đúng rồi", "không", "tiếp", "/affirm", "", "."]
)
def test_anything_else_is_left_to_the_classifier(typed):
    assert match(typed, [*YES_NO, *STEPS]) is None


@pytest.mark.parametrize(
    ("typed", "score"),
    [
        ("5 - Rất hài lòng", 5),
        ("Rất hài lòng", 5),
        ("rat hai long", 5),
        ("5", 5),
        ("1 - rat khong hai long", 1),
    ],
)
def test_a_leading_number_is_optional(typed, score):
    assert match(typed, RATING).payload == f'/rate{{"rating": {score}}}'


def test_toned_replies_are_compared_with_tones():
    assert match("hài lòng", RATING).payload == '/rate{"rating": 4}'
    assert match("không hài lòng", RATING).payload == '/rate{"rating": 2}'
    assert match("hai long", RATING).payload == '/rate{"rating": 4}'


def test_two_buttons_naming_one_reply_differently_name_neither():
    offered = [Button(title="Tiếp tục", payload="/guide_next"), Button(title="Tiếp tục", payload="/affirm")]
    assert match("tiếp tục", offered) is None
    same = [
        Button(title="Gặp cán bộ", payload="/request_human"),
        Button(title="gặp cán bộ", payload="/request_human"),
    ]
    assert match("gặp cán bộ", same).payload == "/request_human"


def test_forms_and_storage():
    assert forms("5 - Rất hài lòng") == {"5 - rất hài lòng", "5", "rất hài lòng"}
    messages = [
        OutgoingMessage(text="a", buttons=YES_NO),
        OutgoingMessage(text="b"),
        OutgoingMessage(buttons=STEPS),
    ]
    shown = offered_in(messages)
    assert shown == [*YES_NO, *STEPS]
    assert load(dump(shown)) == shown
    assert load(None) == [] and load("not json") == []


@pytest.mark.rasa
def test_typing_the_titles_walks_the_guide_like_pressing_them(api, rasa_api, token, new_sender):
    """Through /api/chat and the real bot: the yes/no confirmation typed as its title ("Đúng") goes on
    to the VNeID question, where "Đã có" typed goes on again; "dừng" typed is not "Đúng"."""
    sender = new_sender()

    def say(text: str) -> list[dict]:
        response = api.post("/api/chat", json={"sender": sender, "text": text})
        assert response.status_code == 200, response.text
        return response.json()["messages"]

    def slots() -> dict:
        return rasa_api.get(f"/conversations/{sender}/tracker", params={"token": token}).json()["slots"]

    first = say("tôi muốn đăng ký tạm trú online")
    assert "Đúng" in [b["title"] for m in first for b in m["buttons"]]
    assert slots()["guide_stage"] == "confirm"
    say("Đúng")
    assert slots()["guide_stage"] == "vneid"
    say("da co")  # "Đã có" typed without tones
    assert slots()["guide_stage"] in ("address", "ready")
    events = rasa_api.get(f"/conversations/{sender}/tracker", params={"token": token}).json()["events"]
    typed = [e["text"] for e in events if e["event"] == "user"]
    assert typed[1:] == ["/affirm", "/affirm"], "the titles reached Rasa as the buttons' payloads"
    history = api.get("/api/history", params={"sender": sender}).json()["messages"]
    assert [m["text"] for m in history if m["role"] == "user"][1:] == ["Đúng", "Đã có"]
