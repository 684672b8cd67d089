"""The guided online submission, as a volunteer at the centre would walk a person through it.

Which procedure → ready? (VNeID account, documents, fee/time/agency, where to submit) →
"Bước k/N" with Tiếp theo · Quay lại · Tôi gặp lỗi · Gặp cán bộ → finish and rating. Every
step and fact comes from the knowledge base; where the person stands lives in slots
(``actions.state``) so a question, a menu or a new session can come in between.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING, Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.services import Services
from actions.state import ADDRESS, CHOOSE, CONFIRM, PROBLEM, RATING, READY, RESUME, STEPS, VNEID, GuideState
from actions.troubleshooting import troubleshoot

if TYPE_CHECKING:
    from knowledge.models import Procedure
    from knowledge.search import Hit

logger = logging.getLogger(__name__)
VNEID_SLUG = "tai-khoan-dinh-danh-dien-tu"
# Offered when a person asks for the guide without naming a procedure.
COMMON = ["dang-ky-khai-sinh", "dang-ky-tam-tru", "cap-phieu-ly-lich-tu-phap", "cap-doi-giay-phep-lai-xe"]


def is_payload(text: str) -> bool:
    return text.startswith("/")


class Guide:
    """The guide's moves; each writes its replies and updates the state it is given."""

    def __init__(self, services: Services, dispatcher: CollectingDispatcher) -> None:
        self.services = services
        self.say = dispatcher.utter_message
        self._topics: dict[str, Any] = {}

    # --- knowledge -------------------------------------------------------------------
    def procedure(self, slug: str | None) -> Procedure | None:
        topic = self.topic(slug) if slug else None
        return topic if topic is not None and topic.kind == "procedure" else None

    def topic(self, slug: str):
        """A topic from the knowledge store, read once per turn (each read is a query and a parse)."""
        if slug not in self._topics:
            knowledge = self.services.knowledge
            self._topics[slug] = knowledge.topic(slug) if knowledge is not None else None
        return self._topics[slug]

    async def resolve(self, tracker: Tracker) -> tuple[str | None, list[Hit]]:
        """The procedure a message names: its entity, else a confident search answer.

        When unsure, the best procedures among the search hits are returned instead.
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
        candidates = [hit for hit in result.hits if self.procedure(hit.slug) is not None]
        return None, candidates[:3]

    # --- choosing the procedure ----------------------------------------------------------
    def ask_which(self, state: GuideState, candidates: list[Hit], intro: str = "") -> None:
        state.stage, state.step = CHOOSE, None
        if candidates:
            text = (
                intro
                or "Tôi chưa chắc anh/chị cần thủ tục nào. Có phải một trong các thủ tục dưới đây không?"
            )
            buttons = [{"title": hit.title, "payload": replies.guide_payload(hit.slug)} for hit in candidates]
            text += "\nNếu không phải, anh/chị nhắn tên thủ tục cần làm."
        else:
            text = (intro or "Anh/chị cần nộp hồ sơ thủ tục nào ạ?") + (
                ' Anh/chị nhắn tên thủ tục (ví dụ "đăng ký tạm trú") hoặc chọn một thủ tục hay làm:'
            )
            buttons = [
                {"title": procedure.name, "payload": replies.guide_payload(slug)}
                for slug in COMMON
                if (procedure := self.procedure(slug)) is not None
            ]
        self.say(text=text, buttons=[*buttons, replies.STAFF_BUTTON])

    def begin(self, state: GuideState, slug: str, confirm: bool) -> None:
        procedure = self.procedure(slug)
        assert procedure is not None
        state.procedure, state.step, state.back_to = slug, None, None
        state.failures, state.human_help, state.address_attempts = 0, False, 0
        if confirm:
            state.stage = CONFIRM
            self.say(
                text=f"Anh/chị cần nộp hồ sơ thủ tục “{procedure.name}” trực tuyến, đúng không ạ?",
                buttons=replies.YES_NO,
            )
        else:
            self.confirmed(state)

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
            state.stage = None
            return None
        if procedure.slug == VNEID_SLUG:
            return self.ready(state)
        state.stage = VNEID
        self.say(
            text=(
                "Để nộp trực tuyến, anh/chị cần tài khoản định danh điện tử mức 2 (ứng dụng VNeID) "
                "để đăng nhập Cổng Dịch vụ công. Anh/chị đã có tài khoản mức 2 chưa?"
            ),
            buttons=[{"title": "Đã có", "payload": "/affirm"}, {"title": "Chưa có", "payload": "/deny"}],
        )
        return None

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

    # --- ready? ----------------------------------------------------------------------------
    def ask_address(self, state: GuideState) -> None:
        state.stage = ADDRESS
        self.say(
            text=(
                "Nơi nhận hồ sơ tùy nơi anh/chị cư trú. Từ 1/7/2025 không còn cấp huyện và nhiều xã, tỉnh "
                "đã sáp nhập. Anh/chị nhắn địa chỉ nơi cư trú (xã/phường, tỉnh/thành phố; tên cũ hay mới "
                "đều được), tôi sẽ cho biết tên đơn vị mới."
            ),
            buttons=[{"title": "Bỏ qua", "payload": "/deny"}],
        )

    def ready(self, state: GuideState) -> None:
        procedure = self.procedure(state.procedure)
        if procedure is None:
            return self.ask_which(state, [])
        if procedure.agency.depends_on_residence and not state.address and state.address_attempts < 2:
            return self.ask_address(state)
        state.stage, state.step = READY, None
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
            buttons=[{"title": "Bắt đầu", "payload": "/guide_next"}, replies.STAFF_BUTTON],
            json_message=replies.portal_link(procedure),
        )
        return None

    # --- the walkthrough --------------------------------------------------------------------
    def show_step(self, state: GuideState, intro: str = "") -> None:
        procedure = self.procedure(state.procedure)
        if procedure is None or state.step is None:
            return self.ask_which(state, [])
        text = replies.step_text(procedure, state.step)
        self.say(
            text=f"{intro}\n{text}".strip(),
            buttons=replies.STEP_BUTTONS,
            json_message=replies.portal_link(procedure) if state.step == 1 else None,
        )
        return None

    def next(self, state: GuideState) -> None:
        procedure = self.procedure(state.procedure)
        if state.stage in {STEPS, PROBLEM} and procedure is not None and state.step:
            if state.step >= len(procedure.steps):
                return self.finish(state)
            state.stage, state.step, state.failures = STEPS, state.step + 1, 0
            return self.show_step(state)
        if state.stage in {READY, RESUME} and procedure is not None:
            if state.step is None and state.stage == RESUME:
                return self.ready(state)
            state.stage, state.step = STEPS, state.step or 1
            return self.show_step(state)
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
        self.say(
            text="Anh/chị thấy hướng dẫn này thế nào? Anh/chị chọn mức hài lòng giúp tôi:",
            buttons=replies.RATING_BUTTONS,
        )
        state.stage, state.step, state.failures = RATING, None, 0
        return None

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
        state.stage = PROBLEM
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
        fix = troubleshoot(text, procedure.steps[state.step - 1].problems, self._guide_topics(), date.today())
        if fix is None:
            return False
        state.stage = STEPS
        self.say(
            text=f"Cách xử lý: {replies.sentence(fix)}\nAnh/chị thử lại rồi bấm “Tiếp theo”. "
            "Nếu vẫn lỗi, bấm “Tôi gặp lỗi ở bước này”.",
            buttons=replies.STEP_BUTTONS,
        )
        return True

    def no_fix(self, state: GuideState) -> None:
        state.stage = STEPS
        self.say(
            text=(
                "Tôi chưa có cách xử lý chắc chắn cho lỗi này. Anh/chị kiểm tra lại thông tin vừa nhập "
                "và thử lại; nếu vẫn không được, anh/chị nên nhờ cán bộ hỗ trợ."
            ),
            buttons=replies.STEP_BUTTONS,
        )

    def offer_person(self, state: GuideState) -> None:
        state.stage = STEPS
        centre = self.services.centre
        self.say(
            text="\n".join(
                [
                    "Bước này có vẻ khó làm qua tin nhắn. Anh/chị có thể nhờ cán bộ hỗ trợ trực tiếp:",
                    *centre.lines(),
                ]
            ),
            buttons=[replies.STAFF_BUTTON, *replies.STEP_BUTTONS[:2]],
        )

    def _guide_topics(self) -> list:
        knowledge = self.services.knowledge
        return knowledge.topics("guide") if knowledge is not None else []

    # --- coming back ---------------------------------------------------------------------
    def remind(self, state: GuideState) -> None:
        """After a question mid-guide, carry on where the person was."""
        if state.stage in {STEPS, PROBLEM} and state.step:
            state.stage = STEPS
            self.show_step(state, intro="Tôi hướng dẫn tiếp anh/chị nhé.")
        elif state.stage == READY:
            self.say(
                text='Khi đã chuẩn bị xong giấy tờ, anh/chị bấm "Bắt đầu" để làm từng bước.',
                buttons=[{"title": "Bắt đầu", "payload": "/guide_next"}],
            )
        elif state.stage == RESUME:
            self.offer_resume(state)

    def offer_resume(self, state: GuideState) -> None:
        procedure = self.procedure(state.procedure)
        if procedure is None:
            return None
        where = f"đến Bước {state.step}/{len(procedure.steps)}" if state.step else "ở phần chuẩn bị giấy tờ"
        state.stage = RESUME
        self.say(
            text=f"Lần trước anh/chị đang làm thủ tục “{procedure.name}”, {where}. "
            "Anh/chị có muốn làm tiếp không?",
            buttons=[
                {"title": "Làm tiếp", "payload": "/affirm"},
                {"title": "Làm việc khác", "payload": "/deny"},
            ],
        )
        return None

    def repeat(self, state: GuideState) -> None:
        """Say again what the guide is waiting for (or that no guide is under way)."""
        if state.stage == CONFIRM and state.procedure and self.procedure(state.procedure):
            return self.begin(state, state.procedure, confirm=True)
        if state.stage == VNEID:
            return self.confirmed(state)
        if state.stage == ADDRESS:
            return self.ask_address(state)
        if state.stage == CHOOSE:
            return self.ask_which(state, [])
        if state.stage == READY:
            return self.remind(state)
        if state.stage in {STEPS, PROBLEM, RESUME} and state.step:
            state.stage = STEPS
            return self.show_step(state)
        if state.stage == RATING:
            self.say(text="Anh/chị chọn mức hài lòng giúp tôi:", buttons=replies.RATING_BUTTONS)
            return None
        self.say(
            text="Hiện anh/chị chưa làm dở hướng dẫn nào. Anh/chị muốn làm thủ tục gì ạ?",
            buttons=replies.MENU_BUTTONS,
        )
        return None

    def menu(self, state: GuideState) -> None:
        buttons = list(replies.MENU_BUTTONS)
        procedure = self.procedure(state.procedure)
        if procedure is not None and state.stage in {READY, STEPS, PROBLEM, RESUME}:
            title = f"Tiếp tục: {procedure.name}" + (f" (bước {state.step})" if state.step else "")
            buttons.insert(0, {"title": title[:60], "payload": "/guide_next"})
            state.stage = RESUME
        self.say(
            text="Tôi có thể giúp anh/chị những việc sau, hoặc anh/chị cứ nhắn câu hỏi:", buttons=buttons
        )


class GuideAction(Action):
    """One turn of the guide: read the state, make a move, write back what changed."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]] | None:
        """Make the move; return events other than the guide state's, if any."""
        raise NotImplementedError

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        state = GuideState.read(tracker)
        before = state.copy()
        extra = await self.move(Guide(self._services, dispatcher), state, tracker) or []
        return [*extra, *state.events(before)]


class ActionGuideStart(GuideAction):
    def name(self) -> str:
        return "action_guide_start"

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]] | None:
        text = (tracker.latest_message or {}).get("text") or ""
        slug, candidates = await guide.resolve(tracker)
        if slug is not None:
            # A button (the walkthrough after an answer, a suggestion) is already a choice.
            guide.begin(state, slug, confirm=not is_payload(text))
        else:
            guide.ask_which(state, candidates)


class ActionGuideAnswer(GuideAction):
    """Yes or no: what it means depends on the question the guide asked."""

    def name(self) -> str:
        return "action_guide_answer"

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]] | None:
        yes = (tracker.latest_message or {}).get("intent", {}).get("name") == "affirm"
        stage = state.stage
        if stage == CONFIRM:
            if yes:
                guide.confirmed(state)
            else:
                state.procedure = None
                guide.ask_which(state, [], intro="Vâng. Vậy anh/chị cần nộp hồ sơ thủ tục nào ạ?")
        elif stage == VNEID:
            guide.ready(state) if yes else guide.vneid_first(state)
        elif stage == ADDRESS and not yes:
            state.address_attempts = 2  # the person prefers not to say: carry on without it
            guide.say(text="Vâng, khi nộp anh/chị chọn đúng xã/phường nơi anh/chị cư trú theo tên mới.")
            guide.ready(state)
        elif stage in {READY, RESUME, STEPS, PROBLEM} and yes:
            guide.next(state)
        elif stage == RESUME:
            state.end()
            guide.say(text="Vâng. Anh/chị cần tôi giúp gì ạ?", buttons=replies.MENU_BUTTONS)
        elif stage == READY:
            guide.say(
                text='Vâng, khi chuẩn bị xong giấy tờ, anh/chị bấm "Bắt đầu" hoặc nhắn "bắt đầu" nhé.',
                buttons=[{"title": "Bắt đầu", "payload": "/guide_next"}],
            )
        elif stage is not None:
            guide.repeat(state)
        else:
            guide.say(text="Vâng ạ. Anh/chị cần tôi giúp gì thêm cứ nhắn nhé.")


class ActionGuideNext(GuideAction):
    def name(self) -> str:
        return "action_guide_next"

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]] | None:
        if state.stage == CONFIRM:
            guide.confirmed(state)
        else:
            guide.next(state)


class ActionGuideBack(GuideAction):
    def name(self) -> str:
        return "action_guide_back"

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]] | None:
        guide.back(state)


class ActionGuideProblem(GuideAction):
    def name(self) -> str:
        return "action_guide_problem"

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]] | None:
        text = (tracker.latest_message or {}).get("text") or ""
        if state.stage == PROBLEM:
            if not guide.troubleshoot(state, text):
                guide.no_fix(state)
        elif state.stage in {STEPS, RESUME} and state.step:
            guide.problem(state, text)
        else:
            # Not in a walkthrough: the problem is a question like any other.
            from actions.question import answer

            return await answer(self._services, guide, tracker, state)
        return None


class ActionStartOver(GuideAction):
    """'Làm lại từ đầu', 'thoát': forget the guide and any question under way, show the menu."""

    def name(self) -> str:
        return "action_start_over"

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]] | None:
        text = "Vâng, tôi sẽ hướng dẫn lại từ đầu. Anh/chị cần tôi giúp việc gì ạ?"
        guide.say(text=text, buttons=replies.MENU_BUTTONS)
        state.end(forget=True)
        return [SlotSet("question_misses", 0.0)]


class ActionMenu(GuideAction):
    def name(self) -> str:
        return "action_menu"

    async def move(self, guide: Guide, state: GuideState, tracker: Tracker) -> list[dict[str, Any]] | None:
        guide.menu(state)
