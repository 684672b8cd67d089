"""Choosing the procedure: from the message's entity or a confident search, confirmed in one question.

When the search is unsure, the procedures among its best hits are offered by name; hits much
weaker than the best one are dropped rather than padding the choice to three. A second miss at
the choice offers the menu and the centre's contact instead of asking once more.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from rasa_sdk import Tracker

from actions import replies
from actions.guide.base import VNEID_SLUG, GuideBase, is_payload
from actions.state import CHOOSE, CONFIRM, STEPS, VNEID, GuideState

if TYPE_CHECKING:
    from knowledge.search import Hit

logger = logging.getLogger(__name__)
# Offered when a person asks for the guide without naming a procedure.
COMMON = ["dang-ky-khai-sinh", "dang-ky-tam-tru", "cap-phieu-ly-lich-tu-phap", "cap-doi-giay-phep-lai-xe"]
MAX_CHOICES = 3
# A procedure is offered only if its hit scores at least this share of the best hit's score.
RELATED = 0.85


class Choosing(GuideBase):
    async def resolve(self, tracker: Tracker) -> tuple[str | None, list[Hit]]:
        """The procedure a message names: its entity, else a confident search answer.

        When unsure, the procedures related to the request are returned instead, each as a hit
        titled with the procedure's (shortened) name.
        """
        for slug in tracker.get_latest_entity_values("procedure"):
            if self.procedure(slug) is not None:
                return slug, []
        text = (tracker.latest_message or {}).get("text") or ""
        knowledge = self.services.knowledge
        if knowledge is None or not text.strip() or is_payload(text):
            return None, []
        try:
            result = await self.services.run_compute(knowledge.search, text, 10)
        except Exception:  # the knowledge base failing must not end the conversation
            logger.exception("knowledge search failed")
            return None, []
        if result.answer is not None and self.procedure(result.answer.slug) is not None:
            return result.answer.slug, []
        return None, self.related(result.hits)

    def related(self, hits: list[Hit]) -> list[Hit]:
        """The procedures among the hits (one per slug, best first) that score close to the best hit."""
        if not hits or hits[0].score <= 0:
            return []
        floor = RELATED * hits[0].score
        choices = []
        for hit in hits:
            procedure = self.procedure(hit.slug)
            if procedure is not None and hit.score >= floor:
                choices.append(replace(hit, title=replies.short_name(procedure.name)))
        return choices[:MAX_CHOICES]

    def ask_which(self, state: GuideState, candidates: list[Hit], intro: str = "") -> None:
        self.ask(state, CHOOSE)
        state.step = None
        if candidates:
            text = (
                intro
                or "Tôi chưa chắc anh/chị cần thủ tục nào. Có phải một trong các thủ tục dưới đây không?"
            )
            buttons = [{"title": hit.title, "payload": replies.guide_payload(hit.slug)} for hit in candidates]
            text += "\nNếu không phải, anh/chị nhắn tên thủ tục cần làm."
        else:
            text = (
                f"{intro} Anh/chị cần nộp hồ sơ thủ tục nào ạ? Anh/chị nhắn tên thủ tục "
                '(ví dụ "đăng ký tạm trú") hoặc chọn một thủ tục hay làm:'
            ).strip()
            buttons = [
                {"title": replies.short_name(procedure.name), "payload": replies.guide_payload(slug)}
                for slug in COMMON
                if (procedure := self.procedure(slug)) is not None
            ]
        self.say(text=text, buttons=[*buttons, replies.STAFF_BUTTON])

    def choose_again(self, state: GuideState, candidates: list[Hit]) -> None:
        """Nothing chosen yet: offer the choices, or after a second miss the menu and the centre."""
        if state.stage != CHOOSE:
            return self.ask_which(state, candidates)
        if state.asks >= 2:
            return self.cannot_choose(state)
        intro = "" if candidates else "Tôi chưa nhận ra thủ tục anh/chị cần."
        return self.ask_which(state, candidates, intro=intro)

    def cannot_choose(self, state: GuideState) -> None:
        state.end()
        self.say(
            text="\n".join(
                [
                    "Tôi chưa xác định được thủ tục anh/chị cần. Anh/chị chọn một việc dưới đây, "
                    "hoặc hỏi trực tiếp cán bộ:",
                    *self.services.centre.lines(),
                ]
            ),
            buttons=replies.MENU_BUTTONS,
        )

    def no_procedure(self, state: GuideState) -> None:
        """ "No" to "which procedure?": nothing to guide."""
        state.end()
        self.say(text="Vâng. Anh/chị cần tôi giúp gì ạ?", buttons=replies.MENU_BUTTONS)

    def begin(self, state: GuideState, slug: str, confirm: bool) -> None:
        procedure = self.procedure(slug)
        assert procedure is not None
        state.procedure, state.step, state.back_to = slug, None, None
        state.failures, state.human_help, state.address_attempts = 0, False, 0
        if confirm:
            self.ask_confirm(state, fresh=True)
        else:
            self.confirmed(state)

    def ask_confirm(self, state: GuideState, intro: str = "", fresh: bool = False) -> None:
        procedure = self.procedure(state.procedure)
        if procedure is None:
            return self.ask_which(state, [])
        self.ask(state, CONFIRM, fresh=fresh)
        question = f"Anh/chị cần nộp hồ sơ thủ tục “{procedure.name}” trực tuyến, đúng không ạ?"
        self.say(text=f"{intro} {question}".strip(), buttons=replies.YES_NO)
        return None

    def confirmed(self, state: GuideState) -> None:
        procedure = self.procedure(state.procedure)
        if procedure is None:
            return self.ask_which(state, [])
        if procedure.online.level == "none":
            self.say(
                text="\n".join(
                    [
                        f"Thủ tục {procedure.name} hiện chưa nộp trực tuyến được; anh/chị nộp trực tiếp.",
                        replies.essentials_text(procedure, date.today(), state.address),
                    ]
                ),
                buttons=[replies.STAFF_BUTTON],
            )
            self.say(text=replies.documents_text(procedure))
            state.end()
            return None
        self.note("guide_started", procedure.slug)
        if procedure.slug == VNEID_SLUG:
            return self.ready(state)
        return self.ask_vneid(state)

    def ask_vneid(self, state: GuideState, intro: str = "") -> None:
        self.ask(state, VNEID)
        self.say(
            text=(
                f"{intro} Để nộp trực tuyến, anh/chị cần tài khoản định danh điện tử mức 2 (ứng dụng VNeID) "
                "để đăng nhập Cổng Dịch vụ công. Anh/chị đã có tài khoản mức 2 chưa?"
            ).strip(),
            buttons=[{"title": "Đã có", "payload": "/affirm"}, {"title": "Chưa có", "payload": "/deny"}],
        )

    def vneid_first(self, state: GuideState) -> None:
        account = self.procedure(VNEID_SLUG)
        returning = self.procedure(state.procedure)
        if account is None or returning is None:
            return self.ready(state)
        self.say(
            text=(
                "Anh/chị cần làm tài khoản định danh điện tử mức 2 trước; xong phần này tôi sẽ hướng dẫn "
                f"tiếp thủ tục {returning.name}. {replies.sentence(account.summary)}"
            )
        )
        state.back_to, state.procedure = returning.slug, VNEID_SLUG
        state.stage, state.step, state.failures = STEPS, 1, 0
        return self.show_step(state)
