"""Zalo events in, OA message bodies out: signature, parsing and rendering within Zalo's limits."""

from __future__ import annotations

import json

import pytest

from connectors.message import Button, Link, OutgoingMessage, split_text
from connectors.zalo import (
    BUTTONS_MAX,
    MORE_CHOICES_TEXT,
    PAYLOAD_MAX,
    TEXT_MAX,
    TITLE_MAX,
    parse_event,
    render,
    signature,
    text_of,
    verify_signature,
)

BODY = b'{"app_id":"4321","event_name":"user_send_text","timestamp":"1700000000000"}'
# sha256sum of "4321" + BODY + "1700000000000" + "oa-secret", computed outside Python.
KNOWN = "8264f4e50e20c8d84fa1bfe657b98da36b83c2734adfff96e36dbdfecfe3630e"


def verify(header: str | None, body: bytes = BODY, key: str = "oa-secret", app_id: str = "4321") -> bool:
    return verify_signature(header, app_id=app_id, body=body, oa_secret_key=key)


def test_signature_is_the_documented_plain_hash():
    assert signature("4321", BODY, "1700000000000", "oa-secret") == KNOWN


@pytest.mark.parametrize("header", [f"mac={KNOWN}", KNOWN, f"MAC={KNOWN.upper()}", f" mac={KNOWN} "])
def test_good_signatures_with_or_without_the_mac_prefix(header):
    assert verify(header)


@pytest.mark.parametrize(
    ("header", "body", "secret", "app_id"),
    [
        (None, BODY, "oa-secret", "4321"),
        ("", BODY, "oa-secret", "4321"),
        ("mac=", BODY, "oa-secret", "4321"),
        (f"mac={KNOWN}", BODY, "other-secret", "4321"),
        (f"mac={KNOWN}", BODY, "oa-secret", "9999"),
        (f"mac={KNOWN}", BODY.replace(b"user_send_text", b"user_send_file"), "oa-secret", "4321"),
        (f"mac={KNOWN}", BODY, "", "4321"),
        (f"mac={KNOWN}", b"not json", "oa-secret", "4321"),
        (f"mac={KNOWN}", b'{"app_id":"4321"}', "oa-secret", "4321"),
        ("mac=đ" + KNOWN[1:], BODY, "oa-secret", "4321"),
    ],
)
def test_anything_else_is_refused(header, body, secret, app_id):
    assert not verify(header, body, secret, app_id)


def test_a_numeric_timestamp_is_signed_as_its_digits():
    body = b'{"event_name":"follow","timestamp":1700000000000}'
    header = signature("4321", body, "1700000000000", "oa-secret")
    assert verify(header, body)


def test_text_event():
    event = parse_event(
        {
            "app_id": "4321",
            "sender": {"id": "2468013579"},
            "recipient": {"id": "oa"},
            "event_name": "user_send_text",
            "message": {"msg_id": "m-1", "text": "xin chào"},
            "timestamp": "1700000000000",
        }
    )
    assert (event.kind, event.user_id, event.text, event.key) == ("text", "2468013579", "xin chào", "msg:m-1")


def test_follow_names_the_follower_and_has_a_key_without_msg_id():
    event = parse_event({"event_name": "follow", "follower": {"id": "77"}, "timestamp": "5"})
    assert (event.kind, event.user_id, event.key) == ("follow", "77", "follow:77:5")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("user_send_sticker", "attachment"),
        ("user_send_image", "attachment"),
        ("user_send_location", "attachment"),
        ("user_seen_message", "quiet"),
        ("oa_send_text", "quiet"),
        ("unfollow", "quiet"),
        ("user_reacted_message", "unknown"),
    ],
)
def test_event_kinds(name, kind):
    assert parse_event({"event_name": name, "sender": {"id": "1"}}).kind == kind


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"sender": {"id": "1"}},
        {"event_name": "user_send_text"},
        {"event_name": "user_send_text", "sender": {"id": "../etc"}},
        {"event_name": "user_send_text", "sender": "1"},
    ],
)
def test_malformed_events_are_refused(data):
    with pytest.raises(ValueError):
        parse_event(data)


def test_buttons_become_query_show_and_links_open_url():
    message = OutgoingMessage(
        text="Chọn thủ tục:",
        buttons=[Button(title="Đăng ký khai sinh", payload='/start_guide{"procedure": "dang-ky-khai-sinh"}')],
        links=[Link(title="Cổng Dịch vụ công", url="https://dichvucong.gov.vn")],
    )
    [body] = render(message)
    assert body == {
        "text": "Chọn thủ tục:",
        "attachment": {
            "type": "template",
            "payload": {
                "buttons": [
                    {
                        "title": "Đăng ký khai sinh",
                        "type": "oa.query.show",
                        "payload": "Đăng ký khai sinh",  # shown as the person's message: readable
                    },
                    {
                        "title": "Cổng Dịch vụ công",
                        "type": "oa.open.url",
                        "payload": {"url": "https://dichvucong.gov.vn"},
                    },
                ]
            },
        },
    }


def test_more_buttons_than_zalo_takes_go_in_a_follow_up_message():
    buttons = [Button(title=f"Mục {i}", payload=f"/p{i}") for i in range(BUTTONS_MAX + 2)]
    first, second = render(OutgoingMessage(text="Chọn:", buttons=buttons))
    assert [b["payload"] for b in first["attachment"]["payload"]["buttons"]] == [
        f"Mục {i}" for i in range(BUTTONS_MAX)
    ]
    assert second["text"] == MORE_CHOICES_TEXT
    assert [b["payload"] for b in second["attachment"]["payload"]["buttons"]] == ["Mục 5", "Mục 6"]


def test_long_titles_are_shortened_on_the_button_and_sent_back_whole():
    title = "Thủ tục " * 30
    long_payload = "/start_guide" + json.dumps({"procedure": "x" * (PAYLOAD_MAX + 10)})
    [body] = render(OutgoingMessage(text="a", buttons=[Button(title=title, payload=long_payload)]))
    [button] = body["attachment"]["payload"]["buttons"]
    assert len(button["title"]) <= TITLE_MAX and button["title"].endswith("…")
    assert button["payload"] == title.strip(), "the whole title comes back, which the app maps to the payload"


def test_long_text_is_split_at_line_breaks_and_buttons_go_with_the_last_piece():
    paragraph = "Bước chuẩn bị giấy tờ cho hồ sơ. " * 40  # about 1300 characters
    text = f"{paragraph}\n{paragraph}\n{paragraph}"
    bodies = render(OutgoingMessage(text=text, buttons=[Button(title="Tiếp theo", payload="/guide_next")]))
    assert len(bodies) == 3
    assert all(len(b["text"]) <= TEXT_MAX for b in bodies)
    assert "attachment" not in bodies[0] and "attachment" in bodies[-1]
    assert " ".join(b["text"] for b in bodies).split() == text.split()


def test_split_without_spaces_cuts_hard():
    assert [len(p) for p in split_text("x" * 4500, TEXT_MAX)] == [2000, 2000, 500]


def test_image_and_unsafe_urls():
    message = OutgoingMessage(
        text="Ảnh mẫu",
        links=[Link(title="x", url="javascript:alert(1)")],
        image="https://example.org/mau.png",
    )
    text, image = render(message)
    assert text == {"text": "Ảnh mẫu"}
    assert image["attachment"]["payload"]["elements"] == [
        {"media_type": "image", "url": "https://example.org/mau.png"}
    ]
    assert text_of(image) == "[ảnh] https://example.org/mau.png"


def test_buttons_without_text_get_a_prompt_and_empty_messages_nothing():
    [body] = render(OutgoingMessage(buttons=[Button(title="Menu", payload="/menu")]))
    assert body["text"]
    assert render(OutgoingMessage()) == []
