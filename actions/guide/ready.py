"""Getting ready: where to submit (the address, when it decides), the documents and the essentials.

The address is asked for once, and once more if what came back cannot be read; "ok", "tiếp
theo", "bỏ qua" or "không biết" go on without it. The guide then says where to submit in
general terms. "Bắt đầu" starts the walkthrough.
"""

from __future__ import annotations

from datetime import date

from actions import replies
from actions.guide.base import GuideBase
from actions.state import ADDRESS, PLACE, READY, GuideState

GIVEN_UP = 2  # address_attempts once the address question was given up


class GettingReady(GuideBase):
    def ask_address(self, state: GuideState, again: bool = False, stage: str = ADDRESS) -> None:
        """The address question (``again``: what came back could not be read; ``stage``: PLACE outside
        the guide)."""
        self.ask(state, stage)
        if again:
            text = (
                "Tôi chưa nhận ra địa chỉ này. Anh/chị nhắn lại gồm xã/phường và tỉnh/thành phố "
                "(tên cũ thì thêm quận/huyện), ví dụ: phường Bến Nghé, quận 1, TP Hồ Chí Minh."
            )
        else:
            text = (
                "Nơi nhận hồ sơ tùy nơi anh/chị cư trú. Từ 1/7/2025 không còn cấp huyện và nhiều xã, tỉnh "
                "đã sáp nhập. Anh/chị nhắn địa chỉ nơi cư trú (xã/phường, tỉnh/thành phố; tên cũ hay mới "
                "đều được), tôi sẽ cho biết tên đơn vị mới."
            )
        self.say(text=text, buttons=[{"title": "Bỏ qua", "payload": "/deny"}])

    def skip_address(self, state: GuideState, text: str = "") -> None:
        """Go on without the address: say where to submit in general terms, then what comes next."""
        state.address_attempts = GIVEN_UP
        self.say(text=text or f"Vâng. {replies.BY_NEW_NAME}")
        self.after_address(state)

    def after_address(self, state: GuideState) -> None:
        """The address question is answered (or given up): on to "ready" in a guide, else done."""
        if state.stage == ADDRESS and state.step is None and self.procedure(state.procedure) is not None:
            return self.ready(state)
        if state.stage in {ADDRESS, PLACE}:
            state.stage, state.asks = None, 0
            return None
        return self.remind(state)

    def ready(self, state: GuideState) -> None:
        procedure = self.procedure(state.procedure)
        if procedure is None:
            return self.ask_which(state, [])
        if procedure.agency.depends_on_residence and not state.address and state.address_attempts < GIVEN_UP:
            return self.ask_address(state)
        self.ask(state, READY, fresh=True)
        state.step = None
        tips = replies.scan_tips(self.topic(replies.SCAN_GUIDE), self.topic(replies.DATA_STORE_GUIDE))
        checklist = replies.documents_text(procedure, brief=True)
        self.say(
            text="\n".join(part for part in [checklist, tips] if part),
            buttons=[{"title": "Xem chi tiết giấy tờ", "payload": "/ask_documents"}],
        )
        self.say(
            text="\n".join(
                part
                for part in [
                    replies.essentials_text(procedure, date.today(), state.address),
                    replies.caveats_text(procedure, date.today()),
                    f'Khi đã chuẩn bị xong giấy tờ, anh/chị bấm "Bắt đầu" để làm từng bước trên '
                    f"{procedure.online.portal}.",
                ]
                if part
            ),
            buttons=[replies.START_BUTTON, replies.STAFF_BUTTON],
            json_message=replies.portal_link(procedure),
        )
        return None

    def ask_start(self, state: GuideState, intro: str = "") -> None:
        """The short form of "ready?" once the checklist was shown."""
        self.ask(state, READY)
        self.say(
            text=f'{intro} Khi đã chuẩn bị xong giấy tờ, anh/chị bấm "Bắt đầu" để làm từng bước.'.strip(),
            buttons=[replies.START_BUTTON],
        )

    def not_ready(self, state: GuideState) -> None:
        """ "No" to "ready?": wait; after the question was shown twice, without asking it again."""
        if state.asks >= 2:
            self.say(text='Vâng ạ. Anh/chị cứ chuẩn bị, xong thì nhắn "bắt đầu" cho tôi.')
            return
        self.ask_start(state, intro="Vâng.")
