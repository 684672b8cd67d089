"""Answer an informational question about a procedure."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.services import Services


class ActionAnswerQuestion(Action):
    """Say honestly that no reviewed answer is at hand, and where the official one is."""

    def __init__(self, services: Services) -> None:
        self._centre = services.centre

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(
            text=(
                "Tôi chưa có câu trả lời đã được kiểm duyệt cho câu hỏi này. Thông tin chính thức "
                "về từng thủ tục (giấy tờ, lệ phí, thời hạn, nơi nộp) có trên Cổng Dịch vụ công, "
                f"mục tra cứu thủ tục: {self._centre.portal_url}\n"
                f"Hoặc anh/chị gọi đường dây nóng {self._centre.hotline} để được cán bộ hướng dẫn."
            ),
            buttons=[{"title": "Gặp cán bộ hỗ trợ", "payload": "/request_human"}],
        )
        return []
