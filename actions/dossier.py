"""Status of a submitted dossier: check the code, then the province's service or the portal.

The assistant never pretends: without DOSSIER_STATUS_URL it says it cannot see the status
and explains how to look it up on the portal.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.dossier_status import (
    DossierNotFound,
    DossierStatus,
    DossierStatusError,
    find_dossier_code,
    looks_like_dossier_code,
)
from actions.services import Services

logger = logging.getLogger(__name__)
EXAMPLE = "000.00.31.H56-250714-0012"


def status_text(status: DossierStatus) -> str:
    lines = [f"Hồ sơ {status.code}: {replies.sentence(status.status)}"]
    if status.updated_at:
        lines.append(f"Cập nhật lúc: {status.updated_at:%H:%M ngày %d/%m/%Y}.")
    if status.agency:
        lines.append(f"Cơ quan đang xử lý: {status.agency}.")
    if status.due_date:
        lines.append(f"Ngày hẹn trả kết quả: {status.due_date:%d/%m/%Y}.")
    if status.note:
        lines.append(f"Ghi chú: {replies.sentence(status.note)}")
    return "\n".join(lines)


class ActionDossierStatus(Action):
    def __init__(self, services: Services) -> None:
        self._services = services

    def name(self) -> str:
        return "action_dossier_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = (tracker.latest_message or {}).get("text") or ""
        lookup = self._services.dossier_lookup_url
        link = {"links": [{"title": "Tra cứu hồ sơ trên Cổng Dịch vụ công", "url": lookup}]}
        how = (
            f"Anh/chị tra cứu tại {lookup}: nhập mã hồ sơ vào ô Tra cứu hồ sơ. Hoặc đăng nhập bằng tài khoản "
            'VNeID và vào mục "Quản lý hồ sơ" để xem từng bước xử lý và yêu cầu bổ sung (nếu có).'
        )
        code = find_dossier_code(text)
        if code is None:
            if looks_like_dossier_code(text):
                opening = (
                    f"Mã này chưa đúng định dạng mã hồ sơ. Mã hồ sơ có dạng {EXAMPLE} "
                    "(mã cơ quan - ngày nộp dạng năm tháng ngày - số thứ tự), in trên Giấy tiếp nhận hồ sơ "
                    "và hẹn trả kết quả."
                )
            else:
                opening = (
                    "Anh/chị nhắn mã hồ sơ (mã số biên nhận) để tôi hướng dẫn tra cứu, ví dụ "
                    f"{EXAMPLE}. Mã này có trên Giấy tiếp nhận hồ sơ và trong thư điện tử/tin nhắn "
                    "gửi khi nộp."
                )
            dispatcher.utter_message(text=f"{opening}\n{how}", json_message=link)
            return []
        client = self._services.dossier_status
        if client is None:
            dispatcher.utter_message(
                text=(
                    f"Mã hồ sơ {code} đúng định dạng. Tôi không xem được tình trạng hồ sơ của anh/chị. {how}"
                ),
                json_message=link,
            )
            return []
        if not await self._services.dossier_allowed(tracker.sender_id):
            dispatcher.utter_message(
                text=f"Anh/chị đã tra cứu nhiều lần trong ít phút, vui lòng thử lại sau ít phút. {how}",
                json_message=link,
            )
            return []
        try:
            status = await client.status(code)
        except DossierNotFound:
            reply = (
                f"Hệ thống của tỉnh không tìm thấy hồ sơ {code}. Hồ sơ có thể được nộp trên Cổng của bộ, "
                f"ngành; anh/chị kiểm tra lại mã. {how}"
            )
        except DossierStatusError:
            logger.warning("dossier status service failed")
            reply = f"Hệ thống tra cứu hồ sơ của tỉnh đang gián đoạn, tôi chưa xem được hồ sơ {code}. {how}"
        else:
            reply = status_text(status)
        dispatcher.utter_message(text=reply, buttons=[replies.STAFF_BUTTON], json_message=link)
        return []
