"""Coming back to the guide: after a question in between, a new session, the menu, an unclear reply.

A question the guide asked is shown at most twice in a row: an unclear reply gets one re-ask
(at "ready?" none), then the question's sensible default moves the guide on (``move_on``).
Shown again after a real answer in between, or on "continue", it does not count as a re-ask.
Starting over with progress to lose asks first; the walkthrough stays one tap away.
"""

from __future__ import annotations

from actions import replies
from actions.guide.base import GuideBase
from actions.state import (
    ADDRESS,
    CHOOSE,
    CONFIRM,
    PLACE,
    PROBLEM,
    QUESTIONS,
    RATING,
    READY,
    RESUME,
    START_OVER,
    STEPS,
    VNEID,
    GuideState,
)

# Shown this many times in a row, an unclear reply takes the question's default instead.
LIMIT = {READY: 1}
DEFAULT_LIMIT = 2


class ComingBack(GuideBase):
    def remind(self, state: GuideState) -> None:
        """After an answer to something else, carry on where the person was."""
        if state.stage in {STEPS, PROBLEM} and state.step:
            state.stage = STEPS
            self.show_step(state, intro="Tôi hướng dẫn tiếp anh/chị nhé.")
        elif state.stage == PLACE:
            state.stage, state.asks = None, 0  # a question came instead of the address: drop it
        elif state.stage in QUESTIONS:
            self.repeat(state, counted=False)

    def repeat(self, state: GuideState, intro: str = "", counted: bool = True) -> None:
        """Show again what the guide is waiting for (or say that no guide is under way).

        ``counted``: a re-ask; otherwise (after an answer in between, on "continue") the count stays.
        """
        stage, asks = state.stage, state.asks
        if stage == CONFIRM and self.procedure(state.procedure):
            self.ask_confirm(state, intro)
        elif stage == VNEID:
            self.ask_vneid(state, intro)
        elif stage in {ADDRESS, PLACE}:
            self.ask_address(state, again=stage == PLACE, stage=stage)
        elif stage == CHOOSE:
            self.ask_which(state, [], intro)
        elif stage == READY:
            self.ask_start(state, intro)
        elif stage == RATING:
            self.ask_rating(state, intro)
        elif stage == RESUME and self.procedure(state.procedure):
            self.offer_resume(state, intro, again=True)
        elif stage in {STEPS, PROBLEM, RESUME} and state.step:
            state.stage = STEPS
            self.show_step(state, intro)
        else:
            state.end()
            self.say(
                text="Hiện anh/chị chưa làm dở hướng dẫn nào. Anh/chị muốn làm thủ tục gì ạ?",
                buttons=replies.MENU_BUTTONS,
            )
        if not counted and state.stage == stage and stage in QUESTIONS:
            state.asks = max(asks, 1)

    def unclear(self, state: GuideState) -> None:
        """A reply that answers nothing: one re-ask, then the question's default."""
        if state.stage in QUESTIONS and max(state.asks, 1) >= LIMIT.get(state.stage, DEFAULT_LIMIT):
            return self.move_on(state)
        return self.repeat(state, intro=replies.UNCLEAR)

    def move_on(self, state: GuideState) -> None:
        """The sensible default of the question asked, instead of asking it a third time."""
        stage = state.stage
        procedure = self.procedure(state.procedure)
        if stage == CONFIRM and procedure is not None:
            self.say(
                text=f"Tôi hướng dẫn thủ tục “{procedure.name}” nhé; nếu anh/chị cần thủ tục khác, "
                "anh/chị nhắn tên thủ tục."
            )
            return self.confirmed(state)
        if stage == VNEID:
            self.say(text="Tôi hướng dẫn tiếp nhé. Anh/chị cần tài khoản VNeID mức 2 để đăng nhập Cổng.")
            return self.ready(state)
        if stage in {ADDRESS, PLACE}:
            return self.skip_address(state, replies.ADDRESS_UNREAD)
        if stage == READY and procedure is not None:
            state.stage, state.step = STEPS, 1
            intro = "Tôi bắt đầu hướng dẫn từng bước nhé; làm xong mỗi bước, anh/chị bấm “Tiếp theo”."
            return self.show_step(state, intro=intro)
        if stage == PROBLEM:
            return self.no_fix(state)
        if stage == RATING:
            return self.decline_rating(state)
        if stage == RESUME and procedure is not None:
            return self.next(state, intro="Tôi hướng dẫn tiếp anh/chị nhé.")
        return self.cannot_choose(state)

    def yes(self, state: GuideState) -> None:
        """Yes to the yes/no question asked."""
        if state.stage == CONFIRM:
            return self.confirmed(state)
        if state.stage == VNEID:
            return self.ready(state)
        return self.next(state)

    def no(self, state: GuideState) -> None:
        """No to the yes/no question asked."""
        if state.stage == CONFIRM:
            state.procedure = None
            return self.ask_which(state, [], intro="Vâng.")
        if state.stage == VNEID:
            return self.vneid_first(state)
        state.end()
        self.say(text="Vâng. Anh/chị cần tôi giúp gì ạ?", buttons=replies.MENU_BUTTONS)
        return None

    def offer_resume(self, state: GuideState, intro: str = "", again: bool = False) -> None:
        """ "Continue where you were?" (``again``: re-asked; otherwise a new session's offer)."""
        procedure = self.procedure(state.procedure)
        if procedure is None:
            return None
        where = f"đến Bước {state.step}/{len(procedure.steps)}" if state.step else "ở phần chuẩn bị giấy tờ"
        self.ask(state, RESUME, fresh=not again)
        self.say(
            text=f"{intro} Lần trước anh/chị đang làm thủ tục “{procedure.name}”, {where}. "
            "Anh/chị có muốn làm tiếp không?".strip(),
            buttons=[
                {"title": "Làm tiếp", "payload": "/affirm"},
                {"title": "Làm việc khác", "payload": "/deny"},
            ],
        )
        return None

    def menu(self, state: GuideState) -> None:
        buttons = list(replies.MENU_BUTTONS)
        procedure = self.procedure(state.procedure)
        if procedure is not None and state.stage in {READY, STEPS, PROBLEM, RESUME}:
            title = f"Tiếp tục: {replies.short_name(procedure.name, 40)}"
            title += f" (bước {state.step})" if state.step else ""
            buttons.insert(0, {"title": title, "payload": "/guide_next"})
            state.stage, state.asks = RESUME, 0
        self.say(
            text="Tôi có thể giúp anh/chị những việc sau, hoặc anh/chị cứ nhắn câu hỏi:", buttons=buttons
        )

    # --- starting over --------------------------------------------------------------------
    def confirm_start_over(self, state: GuideState) -> None:
        """Progress would be lost: ask first; the answer is read at the next reply only."""
        procedure = self.procedure(state.procedure)
        name = f" thủ tục “{procedure.name}”" if procedure is not None else ""
        state.pending = START_OVER
        self.say(
            text=f"Anh/chị muốn dừng hướng dẫn{name} và làm lại từ đầu?",
            buttons=replies.START_OVER_BUTTONS,
        )

    def start_over(self, state: GuideState) -> None:
        state.end(forget=True)
        self.say(text=replies.STARTED_OVER, buttons=replies.MENU_BUTTONS)
