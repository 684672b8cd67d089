"""The walkthrough: "Bước k/N" with Tiếp theo · Quay lại · Tôi gặp lỗi · Gặp cán bộ, then the finish.

"Tôi gặp lỗi" asks what went wrong and answers from the step's and the guide topics'
troubleshooting; a second failure at the same step hands over to a person. The finish asks for a
rating (1–5).
"""

from __future__ import annotations

from datetime import date

from actions import replies
from actions.guide.base import GuideBase, is_payload
from actions.state import PROBLEM, RATING, READY, RESUME, STEPS, GuideState
from actions.troubleshooting import troubleshoot


class Walkthrough(GuideBase):
    def show_step(self, state: GuideState, intro: str = "") -> None:
        procedure = self.procedure(state.procedure)
        if procedure is None or state.step is None:
            return self.ask_which(state, [])
        state.asks = 0  # a step is not a question: moving on is always one tap away
        self.note("guide_step", procedure.slug, state.step)
        text = replies.step_text(procedure, state.step)
        self.say(
            text=f"{intro}\n{text}".strip(),
            buttons=replies.STEP_BUTTONS,
            json_message=replies.portal_link(procedure) if state.step == 1 else None,
        )
        return None

    def next(self, state: GuideState, intro: str = "") -> None:
        procedure = self.procedure(state.procedure)
        if state.stage in {STEPS, PROBLEM} and procedure is not None and state.step:
            if state.step >= len(procedure.steps):
                return self.finish(state)
            state.stage, state.step, state.failures = STEPS, state.step + 1, 0
            return self.show_step(state, intro)
        if state.stage in {READY, RESUME} and procedure is not None:
            if state.step is None and state.stage == RESUME:
                return self.ready(state)
            state.stage, state.step = STEPS, state.step or 1
            return self.show_step(state, intro)
        return self.repeat(state)

    def back(self, state: GuideState) -> None:
        if state.stage in {STEPS, PROBLEM, RESUME} and state.step:
            if state.step == 1:
                state.stage = STEPS
                return self.show_step(state, intro="Đây là bước đầu tiên.")
            state.stage, state.step, state.failures = STEPS, state.step - 1, 0
            return self.show_step(state)
        return self.repeat(state)

    def finish(self, state: GuideState) -> None:
        procedure = self.procedure(state.procedure)
        if procedure is None:
            return self.ask_which(state, [])
        if state.back_to:
            returning = self.procedure(state.back_to)
            self.say(
                text=(
                    "Khi tài khoản đã lên mức 2, anh/chị đăng nhập được Cổng Dịch vụ công. "
                    f"Bây giờ tôi hướng dẫn tiếp thủ tục {returning.name if returning else ''}."
                ).replace(" .", ".")
            )
            state.procedure, state.back_to, state.step = state.back_to, None, None
            return self.ready(state)
        self.say(text=replies.finish_text(procedure, self.services.dossier_lookup_url))
        self.note("guide_completed", procedure.slug)
        state.step, state.failures = None, 0
        self.ask_rating(state, intro="Anh/chị thấy hướng dẫn này thế nào?", fresh=True)
        return None

    def ask_rating(self, state: GuideState, intro: str = "", fresh: bool = False) -> None:
        self.ask(state, RATING, fresh=fresh)
        self.say(text=f"{intro} {replies.ASK_RATING}".strip(), buttons=replies.RATING_BUTTONS)

    def decline_rating(self, state: GuideState) -> None:
        """No rating (declined, or unclear twice): end politely, nothing stored."""
        state.end()
        self.say(text=replies.NO_RATING, buttons=replies.MENU_BUTTONS)

    def problem(self, state: GuideState, text: str) -> None:
        """'Tôi gặp lỗi': ask what went wrong, answer from troubleshooting; twice offers a person."""
        procedure = self.procedure(state.procedure)
        if procedure is None or state.step is None:
            return self.repeat(state)
        state.failures += 1
        if state.failures >= 2:
            return self.offer_person(state)
        if not is_payload(text) and self.troubleshoot(state, text):
            return None
        self.ask(state, PROBLEM)
        known = procedure.steps[state.step - 1].problems
        hint = ("\nỞ bước này người làm hay gặp:\n" + "\n".join(f"• {p}" for p in known)) if known else ""
        self.say(
            text=(
                f"Anh/chị gặp lỗi gì ở bước {state.step}? Anh/chị nhắn ngắn gọn thông báo lỗi hoặc điều đang "
                f"xảy ra (ví dụ: không nhận được mã OTP).{hint}"
            ),
            buttons=[replies.STAFF_BUTTON],
        )
        return None

    def troubleshoot(self, state: GuideState, text: str) -> bool:
        """Answer a described problem from this step's and the guide topics' troubleshooting."""
        procedure = self.procedure(state.procedure)
        if procedure is None or state.step is None:
            return False
        fix = troubleshoot(text, procedure.steps[state.step - 1].problems, self.guide_topics(), date.today())
        if fix is None:
            return False
        state.stage, state.asks = STEPS, 0
        self.say(
            text=f"Cách xử lý: {replies.sentence(fix)}\nAnh/chị thử lại rồi bấm “Tiếp theo”. "
            "Nếu vẫn lỗi, bấm “Tôi gặp lỗi ở bước này”.",
            buttons=replies.STEP_BUTTONS,
        )
        return True

    def no_fix(self, state: GuideState) -> None:
        state.stage, state.asks = STEPS, 0
        self.say(
            text=(
                "Tôi chưa có cách xử lý chắc chắn cho lỗi này. Anh/chị kiểm tra lại thông tin vừa nhập "
                "và thử lại; nếu vẫn không được, anh/chị nên nhờ cán bộ hỗ trợ."
            ),
            buttons=replies.STEP_BUTTONS,
        )

    def offer_person(self, state: GuideState) -> None:
        """A second failure at the same step: hand over to a person (the marker ends the replies)."""
        state.stage, state.asks = STEPS, 0
        replies.start_handoff(self.say, "problem")
