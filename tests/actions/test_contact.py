"""The contact reply: what the deployment configured, and the national helpline under its own name."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.contact import ActionCentreContact
from actions.services import CentreContact, Services
from app.settings import Settings
from app.texts import unavailable

HELPLINE = "Tổng đài hỗ trợ Cổng Dịch vụ công quốc gia: 1800 1096"
CONFIGURED = CentreContact(
    name="Trung tâm Phục vụ hành chính công tỉnh Thử Nghiệm",
    address="Số 1 Đường Thử, phường Một, tỉnh Thử Nghiệm",
    hotline="1800 1096",
    hours="7:30–17:00, thứ Hai – thứ Sáu",
    portal_url="https://dichvucong.example.gov.vn",
    phone="0203 3 123 456",
)


@pytest.fixture
def defaults(monkeypatch) -> Settings:
    """The settings of a deployment that configured nothing about its centre."""
    for name in (
        "CENTRE_NAME",
        "CENTRE_ADDRESS",
        "CENTRE_PHONE",
        "CENTRE_HOURS",
        "CENTRE_HOTLINE",
        "PORTAL_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    return Settings(_env_file=None)


def from_settings(settings: Settings) -> CentreContact:
    return CentreContact(
        name=settings.centre_name,
        address=settings.centre_address,
        hotline=settings.centre_hotline,
        hours=settings.centre_hours,
        portal_url=settings.portal_url,
        phone=settings.centre_phone,
    )


async def contact_reply(centre: CentreContact, load_tracker) -> tuple[list[dict], dict]:
    dispatcher = CollectingDispatcher()
    action = ActionCentreContact(Services(centre=centre))
    assert action.name() == "action_centre_contact"
    events = await action.run(dispatcher, load_tracker("tracker_request_human"), {})
    [message] = dispatcher.messages
    return events, message


async def test_a_configured_centre_is_given_whole_with_the_helpline_named(load_tracker):
    events, message = await contact_reply(CONFIGURED, load_tracker)

    assert events == [{"event": "slot", "timestamp": None, "name": "human_help", "value": True}]
    lines = message["text"].splitlines()
    for line in (
        CONFIGURED.name,
        "Điện thoại của Trung tâm: 0203 3 123 456",
        "Địa chỉ: Số 1 Đường Thử, phường Một, tỉnh Thử Nghiệm",
        "Giờ làm việc của Trung tâm: 7:30–17:00, thứ Hai – thứ Sáu",
        HELPLINE,
        "Cổng Dịch vụ công: https://dichvucong.example.gov.vn",
    ):
        assert line in lines
    assert message["custom"]["links"] == [{"title": "Mở Cổng Dịch vụ công", "url": CONFIGURED.portal_url}]


def test_the_centre_has_no_invented_default_and_the_helpline_is_the_national_one(defaults):
    assert (defaults.centre_name, defaults.centre_address, defaults.centre_phone, defaults.centre_hours) == (
        "",
        "",
        "",
        "",
    )
    assert defaults.centre_hotline == "1800 1096"


async def test_an_unconfigured_centre_is_left_out_and_the_person_pointed_to_the_desk(defaults, load_tracker):
    _, message = await contact_reply(from_settings(defaults), load_tracker)

    text = message["text"]
    assert "bộ phận tiếp nhận hồ sơ" in text
    assert HELPLINE in text.splitlines()
    for left_out in ("Điện thoại", "Địa chỉ", "Giờ làm việc", "Đường dây nóng", "Trung tâm Phục vụ"):
        assert left_out not in text
    assert "Cổng Dịch vụ công: https://dichvucong.gov.vn" in text


@pytest.mark.parametrize(
    ("configured", "shown", "left_out"),
    [
        (
            {"phone": "0203 3 123 456"},
            ["Điện thoại của Trung tâm: 0203 3 123 456"],
            ["Giờ làm việc", "Địa chỉ"],
        ),
        ({"hours": "7:30–17:00"}, ["Giờ làm việc của Trung tâm: 7:30–17:00"], ["Điện thoại", "Địa chỉ"]),
        ({"address": "Số 1 Đường Thử"}, ["Địa chỉ: Số 1 Đường Thử"], ["Điện thoại", "Giờ làm việc"]),
        ({"hotline": ""}, ["bộ phận tiếp nhận hồ sơ"], ["Tổng đài", "1800 1096"]),
    ],
)
def test_each_detail_is_shown_only_when_configured(configured, shown, left_out):
    blank = {
        "name": "",
        "address": "",
        "hotline": "1800 1096",
        "hours": "",
        "portal_url": "https://dichvucong.gov.vn",
    }
    text = "\n".join(CentreContact(**{**blank, **configured}).lines())

    assert all(part in text for part in shown), text
    assert not any(part in text for part in left_out), text


def test_the_unavailable_reply_names_the_helpline_and_the_centre_only_when_configured():
    bare = unavailable("1800 1096", "")
    assert bare.splitlines()[1:] == [HELPLINE]
    assert "Trung tâm" not in bare and "Giờ làm việc" not in bare

    full = unavailable("1800 1096", "7:30–17:00, thứ Hai – thứ Sáu", phone="0203 3 123 456")
    assert full.splitlines()[1:] == [
        "Điện thoại của Trung tâm: 0203 3 123 456",
        "Giờ làm việc của Trung tâm: 7:30–17:00, thứ Hai – thứ Sáu",
        HELPLINE,
    ]

    hours_without_a_number = unavailable("", "7:30–17:00")
    assert hours_without_a_number == (
        "Xin lỗi anh/chị, hệ thống trợ lý đang bận hoặc tạm gián đoạn nên chưa trả lời được. "
        "Anh/chị vui lòng thử lại sau ít phút."
    )
