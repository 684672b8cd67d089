"""The centre's contact lines (given by the app with a handoff's outcome): what the deployment
configured, the hours from HANDOFF_HOURS, and the national helpline under its own name. The
action behind "Gặp cán bộ" now starts a handoff: tests/actions/test_handoff.py."""

from __future__ import annotations

import pytest

from actions.services import CentreContact
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
        "HANDOFF_HOURS",
        "HANDOFF_HOLIDAYS",
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
        hours=settings.working_hours().describe(),
        portal_url=settings.portal_url,
        phone=settings.centre_phone,
    )


def test_a_configured_centre_is_given_whole_with_the_helpline_named():
    lines = CONFIGURED.lines()
    for line in (
        CONFIGURED.name,
        "Điện thoại của Trung tâm: 0203 3 123 456",
        "Địa chỉ: Số 1 Đường Thử, phường Một, tỉnh Thử Nghiệm",
        "Giờ làm việc của Trung tâm: 7:30–17:00, thứ Hai – thứ Sáu",
        HELPLINE,
        "Cổng Dịch vụ công: https://dichvucong.example.gov.vn",
    ):
        assert line in lines


def test_the_centre_has_no_invented_default_and_the_helpline_is_the_national_one(defaults):
    assert (defaults.centre_name, defaults.centre_address, defaults.centre_phone) == ("", "", "")
    assert defaults.centre_hotline == "1800 1096"


def test_the_hours_are_those_of_handoff_hours(defaults, monkeypatch):
    assert from_settings(defaults).hours == "7:30–11:30 và 13:30–17:00, thứ Hai – thứ Sáu"
    monkeypatch.setenv("HANDOFF_HOURS", "Mon-Sat 08:00-17:00")
    monkeypatch.setenv("HANDOFF_HOLIDAYS", "2026-09-02")
    monkeypatch.setenv("CENTRE_PHONE", "0203 3 123 456")
    lines = from_settings(Settings(_env_file=None)).lines()
    assert "Giờ làm việc của Trung tâm: 8:00–17:00, thứ Hai – thứ Bảy (trừ ngày lễ)" in lines


def test_an_unconfigured_centre_is_left_out_and_the_person_pointed_to_the_desk(defaults):
    text = "\n".join(from_settings(defaults).lines())
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
        (
            {"hours": "7:30–17:00", "name": "Trung tâm X"},
            ["Trung tâm X", "Giờ làm việc của Trung tâm: 7:30–17:00"],
            ["Điện thoại", "Địa chỉ", "bộ phận tiếp nhận"],
        ),
        ({"hours": "7:30–17:00"}, ["bộ phận tiếp nhận hồ sơ"], ["Giờ làm việc", "Trung tâm:"]),  # no centre
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
