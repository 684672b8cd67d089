"""What the guide says, built from a procedure's structured fields.

Short lines for a phone screen, Vietnamese, "tôi" for the assistant and "anh/chị" for the
person. Nothing here is written per procedure: every fact comes from the knowledge base.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from knowledge.models import Guide, Procedure

KIND = {
    "original": "bản chính",
    "copy": "bản sao hoặc ảnh chụp",
    "certified_copy": "bản sao có chứng thực",
    "electronic": "khai trực tuyến / bản điện tử",
    "show": "xuất trình khi được yêu cầu",
}
ONLINE = {
    "full": "Làm được hoàn toàn trực tuyến",
    "partial": "Nộp được trực tuyến một phần (có bước phải đến nơi tiếp nhận hoặc nhận kết quả trực tiếp)",
    "none": "Chưa nộp trực tuyến được; anh/chị nộp trực tiếp",
}
LEVEL = {"commune": "cấp xã", "province": "cấp tỉnh"}
LOOKUP_GUIDE = "dvc-tra-cuu-ho-so"
SUPPLEMENT_GUIDE = "dvc-bo-sung-ho-so"
SCAN_GUIDE = "dvc-so-hoa-giay-to"
DATA_STORE_GUIDE = "dvc-kho-du-lieu-ca-nhan"

STAFF_BUTTON = {"title": "Gặp cán bộ hỗ trợ", "payload": "/request_human"}
STEP_BUTTONS = [
    {"title": "Tiếp theo", "payload": "/guide_next"},
    {"title": "Quay lại", "payload": "/guide_back"},
    {"title": "Tôi gặp lỗi ở bước này", "payload": "/guide_problem"},
    {"title": "Gặp cán bộ", "payload": "/request_human"},
]
YES_NO = [{"title": "Đúng", "payload": "/affirm"}, {"title": "Không phải", "payload": "/deny"}]
RATING_BUTTONS = [
    {"title": f"{score} - {label}", "payload": f'/rate{{"rating": {score}}}'}
    for score, label in enumerate(
        ["Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"], start=1
    )
]
MENU_BUTTONS = [
    {"title": "Hướng dẫn nộp hồ sơ trực tuyến", "payload": "/start_guide"},
    {"title": "Tra cứu hồ sơ đã nộp", "payload": "/check_dossier"},
    STAFF_BUTTON,
]
START_OVER_BUTTONS = [
    {"title": "Làm lại từ đầu", "payload": "/start_over"},
    {"title": "Tiếp tục hướng dẫn", "payload": "/guide_next"},
]
START_BUTTON = {"title": "Bắt đầu", "payload": "/guide_next"}

# Said in more than one place.
UNCLEAR = "Tôi chưa hiểu ý anh/chị."
STARTED_OVER = "Vâng, tôi sẽ hướng dẫn lại từ đầu. Anh/chị cần tôi giúp việc gì ạ?"
BY_NEW_NAME = "Khi nộp, anh/chị chọn đúng xã/phường nơi cư trú theo tên mới (từ 1/7/2025)."
ADDRESS_UNREAD = f"Tôi vẫn chưa xác định được đơn vị hành chính. {BY_NEW_NAME}"
ASK_RATING = "Anh/chị chọn mức hài lòng giúp tôi:"
NO_RATING = "Vâng ạ, không sao. Cảm ơn anh/chị đã làm theo hướng dẫn! Khi cần, anh/chị cứ nhắn cho tôi."

# Handing the conversation to a person (README "Handoff"): "Gặp cán bộ" (request), the question
# ladder's last rung (ladder), a second "Tôi gặp lỗi" on the same step (problem). The bot says
# one lead sentence; the app replaces the marker after it with the outcome (place in the queue,
# when staff are back, the centre's contact lines).
HandoffReason = Literal["request", "ladder", "problem"]
HANDOFF_LEAD: dict[str, str] = {
    "request": "Vâng, tôi chuyển anh/chị sang cán bộ hỗ trợ.",
    "ladder": "Xin lỗi, tôi vẫn chưa tìm được câu trả lời chắc chắn. Tôi chuyển câu hỏi của anh/chị "
    "sang cán bộ hỗ trợ.",
    "problem": "Bước này có vẻ khó làm qua tin nhắn. Tôi chuyển anh/chị sang cán bộ hỗ trợ.",
}


def start_handoff(say: Callable[..., Any], reason: HandoffReason) -> None:
    """The lead sentence, then the marker the app turns into the handoff's outcome (always last)."""
    say(text=HANDOFF_LEAD[reason])
    say(json_message={"handoff": {"reason": reason}})


def topic_button(hit: Any) -> dict[str, str]:
    """A button for one entry of the knowledge base (a suggestion, a related question): pressing
    it answers that entry, whatever its words would say to the classifier."""
    return {"title": hit.title, "payload": f'/ask_question{{"entry": "{hit.id}"}}'}


def guide_payload(slug: str) -> str:
    return f'/start_guide{{"procedure": "{slug}"}}'


def short_name(name: str, limit: int = 60) -> str:
    """A procedure's name short enough for a button: details in brackets go first, then words."""
    if len(name) <= limit:
        return name
    name = " ".join(re.sub(r"\([^)]*\)", " ", name).split())
    if len(name) <= limit:
        return name
    return name[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;–-") + "…"


def portal_link(procedure: Procedure) -> dict[str, Any]:
    return {"links": [{"title": procedure.online.portal, "url": procedure.online.url}]}


def sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?", ":")) else text + "."


def step_text(topic: Procedure | Guide, step: int) -> str:
    current = topic.steps[step - 1]
    lines = [f"Bước {step}/{len(topic.steps)}: {sentence(current.instruction)}"]
    if current.screen:
        lines.append(f"Trên màn hình: {sentence(current.screen)}")
    return "\n".join(lines)


def first_sentence(text: str) -> str:
    text = " ".join(text.split())
    end = text.find(". ")
    return sentence(text[: end + 1] if end > 0 else text)


def documents_text(procedure: Procedure, brief: bool = False) -> str:
    """The checklist; ``brief`` keeps one sentence of how to get each paper (for a phone screen)."""
    lines = [f"Giấy tờ cần chuẩn bị cho thủ tục {procedure.name}:"]
    for document in procedure.documents:
        line = f"• {document.name} ({KIND[document.kind]})"
        if document.how_to_get:
            line += f" — {first_sentence(document.how_to_get) if brief else sentence(document.how_to_get)}"
        lines.append(line)
    return "\n".join(lines)


def scan_tips(scan: Guide | None, store: Guide | None) -> str:
    lines = []
    if scan is not None:
        lines.append(
            "Chụp hoặc quét giấy tờ: ảnh rõ nét, đủ trang, thấy đủ bốn góc; nhiều trang thì gộp một tệp PDF."
        )
    if store is not None:
        lines.append(
            "Giấy tờ đã có trong Kho dữ liệu cá nhân trên Cổng Dịch vụ công thì chọn lại từ kho, "
            "không cần chụp lại."
        )
    return "\n".join(lines)


def fees_text(procedure: Procedure, today: date, online_only: bool = False) -> str:
    """The fees in force today; ``online_only`` keeps those that apply to online submission."""
    fees = [fee for fee in procedure.fees if fee.valid_on(today)] or list(procedure.fees)
    if online_only:
        fees = [fee for fee in fees if fee.applies != "in_person"] or fees
    return " ".join(sentence(fee.text) for fee in fees)


def agency_text(procedure: Procedure, address: str | None) -> str:
    text = sentence(procedure.agency.receiving)
    if address and procedure.agency.depends_on_residence and procedure.agency.level:
        unit = address if procedure.agency.level == "commune" else address.split(", ")[-1]
        text += f" Với địa chỉ của anh/chị: {LEVEL[procedure.agency.level]} — {unit}."
    return text


def essentials_text(procedure: Procedure, today: date, address: str | None) -> str:
    """Fee, processing time and receiving agency in three lines."""
    return "\n".join(
        [
            f"Lệ phí khi nộp trực tuyến: {fees_text(procedure, today, online_only=True)}",
            f"Thời hạn giải quyết: {sentence(procedure.processing_time)}",
            f"Nơi tiếp nhận: {agency_text(procedure, address)}",
        ]
    )


def caveats_text(procedure: Procedure, today: date) -> str:
    notes = [sentence(caveat.text) for caveat in procedure.caveats if caveat.valid_on(today)]
    return "Lưu ý: " + " ".join(notes[:1]) if notes else ""


def finish_text(procedure: Procedure, lookup_url: str) -> str:
    return "\n".join(
        [
            f"Anh/chị đã đi hết các bước nộp hồ sơ {procedure.name}. Việc cần làm tiếp theo:",
            "• Ghi lại mã hồ sơ hiện ra sau khi nộp (cũng được gửi qua thư điện tử/tin nhắn): "
            "cần mã này để tra cứu.",
            f'• Theo dõi hồ sơ: nhập mã hồ sơ tại {lookup_url}, hoặc đăng nhập và vào mục "Quản lý hồ sơ".',
            f"• Nhận kết quả: {sentence(procedure.result_delivery)} "
            f"Thời hạn: {sentence(procedure.processing_time)}",
            "• Nếu được yêu cầu bổ sung: sửa và gửi lại ngay trong hồ sơ đó trên Cổng, không mất thêm phí, "
            "và làm đúng hạn ghi trong thông báo.",
        ]
    )
