"""The neutral outgoing message built from Rasa's REST channel replies."""

from __future__ import annotations

from connectors.message import Button, Link, OutgoingMessage, from_bot_replies


def test_text_buttons_and_image_are_kept():
    [message] = from_bot_replies(
        [
            {
                "recipient_id": "web:1",
                "text": "Chọn một mục",
                "buttons": [{"title": "Gặp cán bộ", "payload": "/request_human"}],
                "image": "https://example.gov.vn/a.png",
            }
        ]
    )
    assert message == OutgoingMessage(
        text="Chọn một mục",
        buttons=[Button(title="Gặp cán bộ", payload="/request_human")],
        image="https://example.gov.vn/a.png",
    )


def test_custom_links_join_the_message_before_them():
    messages = from_bot_replies(
        [
            {"recipient_id": "web:1", "text": "Liên hệ:"},
            {
                "recipient_id": "web:1",
                "custom": {"links": [{"title": "Cổng DVC", "url": "https://dichvucong.gov.vn"}]},
            },
        ]
    )
    assert [m.text for m in messages] == ["Liên hệ:"]
    assert messages[0].links == [Link(title="Cổng DVC", url="https://dichvucong.gov.vn")]


def test_malformed_parts_are_dropped_not_fatal():
    messages = from_bot_replies(
        [
            {"recipient_id": "web:1", "text": "Xin chào", "buttons": [{"payload": "/x"}, "oops", None]},
            {"recipient_id": "web:1", "custom": {"links": [{"title": "no url"}]}},
            {"recipient_id": "web:1"},
        ]
    )
    assert [m.text for m in messages] == ["Xin chào"]
    assert messages[0].buttons == [] and messages[0].links == []


def test_a_link_without_title_shows_its_address():
    [message] = from_bot_replies([{"custom": {"text": "Xem", "links": [{"url": "https://a.gov.vn"}]}}])
    assert message.links == [Link(title="https://a.gov.vn", url="https://a.gov.vn")]
