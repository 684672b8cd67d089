"""action_dossier_status: format check, the province's service when configured, never a guess."""

from __future__ import annotations

from dataclasses import replace

from actions.dossier_status import DossierStatusClient
from tests.actions.test_dossier_status import BROKEN, KNOWN, SLOW, TIMEOUT, province  # noqa: F401


async def ask(conversation, text):
    messages = await conversation.run("action_dossier_status", text, "check_dossier")
    return conversation.text(messages), messages


async def test_without_a_service_the_assistant_says_it_cannot_see_the_status(conversation):
    text, messages = await ask(conversation, f"hồ sơ {KNOWN} của tôi đến đâu rồi")
    assert f"Mã hồ sơ {KNOWN} đúng định dạng" in text
    assert "không xem được tình trạng hồ sơ" in text
    assert messages[-1]["custom"]["links"][0]["url"] == "https://dichvucong.gov.vn/tra-cuu-ho-so"


async def test_a_malformed_code_is_explained(conversation):
    text, _ = await ask(conversation, "ma ho so G22.99-2510-7")
    assert "chưa đúng định dạng" in text and "000.00.31.H56-250714-0012" in text


async def test_no_code_asks_for_it(conversation):
    text, _ = await ask(conversation, "tra cứu hồ sơ")
    assert "nhắn mã hồ sơ" in text


async def test_status_from_the_province_service(conversation, province):  # noqa: F811
    client = DossierStatusClient(province.url, timeout=TIMEOUT)
    conversation.services = replace(conversation.services, dossier_status=client)
    conversation.actions["action_dossier_status"]._services = conversation.services
    try:
        text, _ = await ask(conversation, KNOWN.lower())
        assert text.startswith(f"Hồ sơ {KNOWN}: Đang xử lý.")
        assert "25/07/2025" in text and "Sở Tư pháp tỉnh Thử Nghiệm" in text
        text, _ = await ask(conversation, "000.00.31.H56-250714-9999")
        assert "không tìm thấy hồ sơ" in text
        for code in (BROKEN, SLOW):
            text, _ = await ask(conversation, code)
            assert "đang gián đoạn" in text and "tra-cuu-ho-so" in text
    finally:
        await client.aclose()


async def test_lookups_are_limited_per_person(conversation, province):  # noqa: F811
    """The app's per-person limit on dossier lookups (DOSSIER_RATE_LIMIT per 10 minutes) holds."""
    from app.limits import Limits
    from app.settings import Settings

    limits = Limits(Settings(_env_file=None, dossier_rate_limit=2))
    client = DossierStatusClient(province.url, timeout=TIMEOUT)
    conversation.services = replace(
        conversation.services, dossier_status=client, dossier_allowed=limits.dossier
    )
    conversation.actions["action_dossier_status"]._services = conversation.services
    try:
        for _ in range(2):
            text, _ = await ask(conversation, KNOWN)
            assert text.startswith(f"Hồ sơ {KNOWN}: Đang xử lý.")
        text, messages = await ask(conversation, KNOWN)
        assert "tra cứu nhiều lần" in text and "Đang xử lý" not in text
        assert messages[-1]["custom"]["links"][0]["url"].endswith("tra-cuu-ho-so"), (
            "the portal is still there"
        )
        conversation.sender = "web:someone-else"
        text, _ = await ask(conversation, KNOWN)
        assert text.startswith(f"Hồ sơ {KNOWN}: Đang xử lý."), "another person is not affected"
    finally:
        await client.aclose()
