"""What the app layer says to citizens, in one place (the bot's own words live in bot/ and actions/).

Vietnamese, "tôi" for the assistant and "anh/chị" for the person, short enough for a phone.
"""

from __future__ import annotations

from actions.services import CentreContact  # one wording for the contact lines


def privacy_notice(days: int) -> str:
    """Shown before the first message on every channel (Nghị định 13/2023/NĐ-CP)."""
    return (
        "Thông báo về dữ liệu cá nhân: nội dung trò chuyện được lưu trên máy chủ của Trung tâm "
        f"trong {days} ngày để trả lời và cải thiện dịch vụ, sau đó tự động xóa; không chia sẻ ra ngoài. "
        "Anh/chị đừng gửi số CCCD, số điện thoại, mật khẩu hay mã OTP. "
        "Muốn xóa ngay, anh/chị nhắn “Xóa cuộc trò chuyện”."
    )


MASKED_NOTE = (
    "Để bảo vệ thông tin của anh/chị, tôi đã che các số giấy tờ, số điện thoại, email hoặc số tài khoản "
    "vừa gửi. Tôi không bao giờ cần những thông tin này để hướng dẫn."
)
TOO_FAST = "Anh/chị đang gửi tin nhắn hơi nhanh. Anh/chị vui lòng chờ khoảng một phút rồi gửi tiếp nhé."
BUSY = "Hệ thống đang có nhiều người dùng cùng lúc. Anh/chị vui lòng gửi lại tin nhắn sau ít phút."
EMPTY = "Tin nhắn đang trống. Anh/chị vui lòng nhập nội dung cần hỏi."
TEXT_ONLY = (
    "Xin lỗi, tôi chỉ đọc được tin nhắn chữ, chưa xem được ảnh, tệp, nhãn dán, tin nhắn thoại hay vị trí. "
    "Anh/chị vui lòng nhắn bằng chữ, hoặc chọn một mục bên dưới."
)
BUTTON_EXPIRED = "Nút này đã hết hạn. Anh/chị vui lòng chọn lại một mục bên dưới."
ERASE_CONFIRM = (
    "Anh/chị muốn xóa toàn bộ cuộc trò chuyện với tôi trên máy chủ của Trung tâm? "
    "Sau khi xóa, tôi không còn nhớ thủ tục hay bước anh/chị đang làm."
)
ERASE_YES = "Xóa hết"
ERASE_NO = "Không xóa"
ERASED = (
    "Tôi đã xóa toàn bộ cuộc trò chuyện của anh/chị trên máy chủ của Trung tâm. "
    "Khi cần, anh/chị cứ nhắn để bắt đầu lại."
)
ERASED_APP_NOTE = (
    "Các tin nhắn cũ vẫn hiện trong ứng dụng trên máy của anh/chị; anh/chị có thể tự xóa trong ứng dụng."
)
NOT_ERASED = "Vâng, tôi giữ nguyên cuộc trò chuyện. Anh/chị cần tôi giúp gì tiếp ạ?"
SESSION_INVALID = (
    "Phiên trò chuyện đã hết hạn hoặc không hợp lệ. Anh/chị vui lòng mở lại khung chat để bắt đầu phiên mới."
)
SESSION_FOREIGN = (
    "Chỉ dùng được mã cuộc trò chuyện do máy chủ cấp cho khung chat trên trang web (web:<uuid>)."
)
HISTORY_UNAVAILABLE = "Chưa tải được cuộc trò chuyện trước đó. Anh/chị vui lòng thử lại sau ít phút."


def too_long(limit: int) -> str:
    return f"Tin nhắn dài quá {limit} ký tự. Anh/chị vui lòng rút gọn hoặc chia thành nhiều tin nhắn."


def unavailable(hotline: str, hours: str, phone: str = "") -> str:
    """What a person reads when the dialogue engine cannot answer.

    Only what is configured is listed: the centre's own phone (with its hours, which belong to
    the centre and are given only beside its number) and the national portal's helpline under
    its own name, worded as in the contact reply (CentreContact).
    """
    return _with_contacts(
        "Xin lỗi anh/chị, hệ thống trợ lý đang bận hoặc tạm gián đoạn nên chưa trả lời được. "
        "Anh/chị vui lòng thử lại sau ít phút",
        hotline,
        hours,
        phone,
    )


def resend(hotline: str, hours: str, phone: str = "") -> str:
    """A Telegram/Zalo message that could not be answered within INBOX_RETRY_SECONDS: the person
    is told it was not processed and asked to send it again (the contacts as in :func:`unavailable`)."""
    return _with_contacts(
        "Xin lỗi anh/chị, hệ thống trợ lý đang tạm gián đoạn nên chưa xử lý được tin nhắn vừa rồi. "
        "Anh/chị vui lòng gửi lại tin nhắn đó sau ít phút",
        hotline,
        hours,
        phone,
    )


def _with_contacts(request: str, hotline: str, hours: str, phone: str) -> str:
    """``request`` (an apology ending in what to do, without its full stop), then the contacts
    that are configured: the centre's phone with its hours, the portal's helpline."""
    contact = [CentreContact.phone_line(phone), CentreContact.hours_line(hours) if phone else ""]
    contact = [line for line in [*contact, CentreContact.helpline_line(hotline)] if line]
    if not contact:
        return request + "."
    return "\n".join([request + ", hoặc liên hệ:", *contact])


# The app database is locked by another writer past APP_DB_BUSY_TIMEOUT, or its disk is full.
STORAGE_BUSY = (
    "Hệ thống đang bận ghi dữ liệu nên chưa xử lý được yêu cầu. Anh/chị vui lòng gửi lại sau ít phút."
)
STORAGE_FULL = (
    "Hệ thống tạm thời không lưu được dữ liệu mới nên chưa xử lý được yêu cầu. "
    "Anh/chị vui lòng gửi lại sau, hoặc liên hệ trực tiếp bộ phận một cửa."
)
STORAGE = {"busy": STORAGE_BUSY, "full": STORAGE_FULL}  # by app.database.storage_problem

# --- Handoff to a person (app/handoff/) ------------------------------------------------------
HANDOFF_CANCEL = "Hủy yêu cầu gặp cán bộ"
HANDOFF_CANCELLED = "Tôi đã hủy yêu cầu gặp cán bộ. Anh/chị cần tôi giúp gì tiếp ạ?"
HANDOFF_CLAIMED = (
    "Cán bộ hỗ trợ đã tiếp nhận cuộc trò chuyện. Anh/chị cứ nhắn, cán bộ sẽ trả lời ngay tại đây."
)
HANDOFF_ASK_QUESTION = (
    "Anh/chị nhắn câu hỏi hoặc vấn đề đang gặp vào đây, tôi sẽ chuyển nguyên văn cho cán bộ. "
    "Cán bộ sẽ trả lời trên chính kênh này."
)
HANDOFF_QUESTION_KEPT = (
    "Tôi đã ghi lại câu hỏi của anh/chị. Cán bộ sẽ trả lời trên chính kênh này; "
    "trong lúc chờ, anh/chị vẫn có thể hỏi tôi."
)
HANDOFF_ALREADY_KEPT = (
    "Yêu cầu gặp cán bộ của anh/chị vẫn đang được giữ; cán bộ sẽ trả lời trên chính kênh này."
)
HANDOFF_KIOSK = (
    "Máy dùng chung tại Trung tâm không giữ được cuộc trò chuyện để cán bộ trả lời sau. "
    "Anh/chị vui lòng nhắn qua Zalo hoặc Telegram của Trung tâm, hoặc đến quầy tiếp nhận hồ sơ:"
)


def handoff_queued(position: int, minutes: int) -> str:
    """The queue place and the expected wait (whole minutes, at least one)."""
    wait = "dưới 1 phút" if minutes < 1 else f"khoảng {minutes} phút"
    place = "Anh/chị là người tiếp theo" if position == 1 else f"Anh/chị đang ở vị trí số {position}"
    return (
        f"{place} trong hàng chờ gặp cán bộ, thời gian chờ dự kiến {wait}. "
        "Cán bộ sẽ trả lời ngay tại đây; anh/chị có thể hủy yêu cầu bất cứ lúc nào."
    )


def handoff_outside_hours(back_at: str, hours: str) -> str:
    """Outside working hours: when staff are back, and the request is kept."""
    return (
        f"Hiện đã ngoài giờ làm việc của cán bộ hỗ trợ ({hours}). Cán bộ sẽ làm việc lại lúc {back_at}. "
        "Tôi giữ yêu cầu của anh/chị."
    )


HANDOFF_MEANWHILE = "Nếu cần gấp, anh/chị có thể liên hệ:"
HANDOFF_NOBODY_ONLINE = (
    "Hiện chưa có cán bộ hỗ trợ trực tuyến. Tôi giữ yêu cầu của anh/chị, cán bộ sẽ trả lời ngay khi có mặt."
)
