"""Facts on demand: documents, fee, processing time, where to submit, whether it is online.

Answered from the procedure's structured fields, never from free text. The procedure is the
one named in the message, else the one the person is working on or asked about last, else
the one the knowledge search is sure of; otherwise the person is asked which.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rasa_sdk import Tracker

from actions import replies
from actions.guide import Guide, GuideAction
from actions.state import PLACE, GuideState

FACTS = {"ask_documents", "ask_fee", "ask_duration", "ask_place", "ask_online"}


def fact_text(intent: str, procedure, today: date, address: str | None) -> str:
    if intent == "ask_documents":
        return replies.documents_text(procedure)
    if intent == "ask_fee":
        return f"Lệ phí thủ tục {procedure.name}: {replies.fees_text(procedure, today)}"
    if intent == "ask_duration":
        return f"Thời hạn giải quyết thủ tục {procedure.name}: {replies.sentence(procedure.processing_time)}"
    if intent == "ask_place":
        return f"Nơi tiếp nhận hồ sơ {procedure.name}: {replies.agency_text(procedure, address)}"
    online = procedure.online
    return (
        f"{replies.ONLINE[online.level]} — thủ tục {procedure.name}. "
        f"Nộp trên: {online.portal} ({online.url})."
    )


class ActionProcedureFact(GuideAction):
    def name(self) -> str:
        return "action_procedure_fact"

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]] | None:
        intent = (tracker.latest_message or {}).get("intent", {}).get("name") or ""
        named = next(
            (slug for slug in tracker.get_latest_entity_values("procedure") if guide.procedure(slug)), None
        )
        slug = named or state.procedure
        if slug is None:
            slug, candidates = await guide.resolve(tracker)
            if slug is None:
                guide.say(
                    text="Anh/chị hỏi về thủ tục nào ạ? Anh/chị nhắn kèm tên thủ tục, "
                    'ví dụ "đăng ký tạm trú cần giấy tờ gì".',
                    buttons=[
                        {"title": hit.title, "payload": replies.guide_payload(hit.slug)} for hit in candidates
                    ]
                    + [replies.STAFF_BUTTON],
                )
                return None
        procedure = guide.procedure(slug)
        if procedure is None:
            return None
        if not state.active:
            state.procedure = procedure.slug
        buttons = []
        if not state.active:
            buttons.append(
                {"title": "Hướng dẫn nộp trực tuyến", "payload": replies.guide_payload(procedure.slug)}
            )
        asks_address = (
            intent == "ask_place"
            and procedure.agency.depends_on_residence
            and not state.address
            and not state.active
        )
        text = fact_text(intent, procedure, date.today(), state.address)
        if asks_address:
            text += (
                "\nAnh/chị nhắn địa chỉ nơi cư trú (tên cũ hay mới đều được), tôi sẽ cho biết xã/phường mới."
            )
            state.stage = PLACE
        guide.say(
            text=text, buttons=[*buttons, replies.STAFF_BUTTON], json_message=replies.portal_link(procedure)
        )
        if state.active and not asks_address:
            guide.remind(state)
        return None
