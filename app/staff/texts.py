"""What the staff console says, in one place: Vietnamese, "anh/chị" for the staff member."""

from __future__ import annotations

ROLE_LABELS = {
    "admin": "Quản trị",
    "editor": "Biên tập nội dung",
    "agent": "Tư vấn viên",
    "viewer": "Chỉ xem",
}
ROLE_DESCRIPTIONS = {
    "admin": "Quản lý tài khoản và làm được mọi việc",
    "editor": "Sửa nội dung hỏi đáp và thủ tục",
    "agent": "Tiếp nhận cuộc trò chuyện của người dân cần gặp cán bộ",
    "viewer": "Xem, không thay đổi gì",
}

# Accounts and passwords.
USERNAME_INVALID = (
    "Tên đăng nhập gồm 2–32 ký tự: chữ thường không dấu, chữ số, dấu chấm, gạch dưới hoặc gạch ngang, "
    "bắt đầu bằng chữ hoặc số."
)
USERNAME_TAKEN = "Tên đăng nhập này đã có người dùng."
ROLE_INVALID = "Vai trò không hợp lệ: chọn Quản trị, Biên tập nội dung, Tư vấn viên hoặc Chỉ xem."
PASSWORD_TOO_SHORT = "Mật khẩu cần ít nhất {minimum} ký tự."
PASSWORD_TOO_LONG = "Mật khẩu dài quá {maximum} ký tự."
PASSWORD_HAS_USERNAME = "Mật khẩu không được chứa tên đăng nhập."
PASSWORD_UNCHANGED = "Mật khẩu mới cần khác mật khẩu hiện tại."
PASSWORD_MISMATCH = "Hai lần nhập mật khẩu mới không khớp nhau."
OLD_PASSWORD_WRONG = "Mật khẩu hiện tại không đúng."
NO_SUCH_USER = "Không có tài khoản này."
LAST_ADMIN = (
    "Không thể khóa hoặc đổi vai trò của tài khoản quản trị cuối cùng đang hoạt động. "
    "Anh/chị hãy tạo hoặc mở lại một tài khoản quản trị khác trước."
)

# Signing in and sessions.
LOGIN_FAILED = "Tên đăng nhập hoặc mật khẩu không đúng."
LOGIN_BLOCKED = "Đăng nhập sai quá nhiều lần. Anh/chị vui lòng thử lại sau {minutes} phút."
LOGIN_CROSS_SITE = "Yêu cầu đăng nhập không đến từ trang của hệ thống nên bị từ chối."
NOT_SIGNED_IN = "Anh/chị cần đăng nhập vào trang quản trị."
SESSION_EXPIRED = "Phiên làm việc đã hết hạn. Anh/chị vui lòng đăng nhập lại."
SIGNED_OUT = "Anh/chị đã đăng xuất."
FORBIDDEN = "Tài khoản của anh/chị không có quyền làm việc này."
CSRF_FAILED = "Thiếu hoặc sai mã bảo vệ biểu mẫu (CSRF). Anh/chị vui lòng tải lại trang rồi thực hiện lại."

# What a finished action says (after the redirect that follows a form).
DONE = {
    "password": "Đã đổi mật khẩu. Các phiên đăng nhập khác của anh/chị đã kết thúc.",
    "created": "Đã tạo tài khoản.",
    "role": "Đã đổi vai trò.",
    "disabled": "Đã khóa tài khoản; các phiên đăng nhập của tài khoản đó đã kết thúc.",
    "enabled": "Đã mở lại tài khoản.",
    "reset": "Đã đặt lại mật khẩu; các phiên đăng nhập của tài khoản đó đã kết thúc.",
}

# What the audit log calls each kind of target (a kind missing here is shown by its code).
TARGET_KINDS = {"account": "Tài khoản"}

# What the audit log calls each action (an action missing here is shown by its code).
AUDIT_ACTIONS = {
    "login": "Đăng nhập",
    "login_failed": "Đăng nhập sai",
    "logout": "Đăng xuất",
    "account_created": "Tạo tài khoản",
    "role_changed": "Đổi vai trò",
    "account_disabled": "Khóa tài khoản",
    "account_enabled": "Mở lại tài khoản",
    "password_changed": "Tự đổi mật khẩu",
    "password_reset": "Đặt lại mật khẩu",
}

# Unanswered questions (app/staff/unanswered.py).
UNANSWERED_HOME = "Câu hỏi chưa trả lời"  # "Câu hỏi chưa trả lời: N nhóm"
UNANSWERED_HOME_UNIT = "nhóm"
UNANSWERED_HOME_GROUPING = "Câu hỏi chưa trả lời (đang gom nhóm)"
UNANSWERED_HOME_GROUPING_UNIT = "câu"
UNANSWERED_NO_GROUP = (
    "Không còn nhóm câu hỏi này: có thể đã có người xử lý hoặc các câu hỏi đã được gom nhóm lại. "
    "Anh/chị tải lại trang để xem danh sách mới."
)
UNANSWERED_NO_ENTRY = (
    "Không có mục hỏi đáp này trong cơ sở tri thức (kiểm tra lại mã mục, ví dụ dang-ky-khai-sinh/le-phi)."
)
UNANSWERED_NOT_AN_EXAMPLE = "Chỉ thêm được các câu hỏi của chính nhóm này làm cách hỏi."
UNANSWERED_CONFLICT = (
    "Mục hỏi đáp này vừa được người khác sửa (phiên bản hiện tại: {current}). "
    "Anh/chị tải lại trang rồi thực hiện lại."
)
UNANSWERED_INVALID = "Không lưu được mục hỏi đáp: {detail}"
KNOWLEDGE_NOT_READY = "Cơ sở tri thức đang khởi động. Anh/chị thử lại sau ít phút."
DONE.update(
    {
        "unanswered_handled": "Đã đánh dấu nhóm câu hỏi là đã xử lý.",
        "unanswered_phrasing": (
            "Đã thêm câu hỏi làm cách hỏi của mục hỏi đáp; trợ lý trả lời được câu hỏi này ngay."
        ),
    }
)
TARGET_KINDS.update({"unanswered": "Nhóm câu hỏi chưa trả lời", "entry": "Mục hỏi đáp"})
AUDIT_ACTIONS.update(
    {
        "unanswered_handled": "Đánh dấu nhóm câu hỏi chưa trả lời đã xử lý",
        "unanswered_phrasing_added": "Thêm câu hỏi chưa trả lời làm cách hỏi",
    }
)

# FAQ entries: list, editing, history, "Thử câu hỏi" (app/staff/entries.py, entries_api.py, entry_forms.py).
ENTRY_FIELDS = {
    "id": "Mã câu hỏi",
    "slug": "Thủ tục / chủ đề",
    "question": "Câu hỏi",
    "phrasings": "Các cách hỏi khác",
    "answer": "Câu trả lời",
    "source": "Nguồn (địa chỉ https)",
    "valid_from": "Hiệu lực từ ngày",
    "valid_until": "Hiệu lực đến hết ngày",
    "reviewed": "Ngày rà soát",
    "reviewed_by": "Người rà soát",
    "deleted": "Đã xóa",
    "kind": "Loại",
    "version": "Phiên bản",
}
ENTRY_KINDS = {"faq": "Hỏi đáp", "topic": "Tổng quan thủ tục"}
ENTRY_VALIDITY = {
    "later": "Chưa hiệu lực (từ {day})",
    "ended": "Hết hiệu lực (từ sau {day})",
    "until": "Đang hiệu lực, đến hết {day}",
    "now": "Đang hiệu lực",
}
ENTRY_LINE = "Dòng {line}: {message}"  # an error on one phrasing (one line of the field)
ENTRY_YES_NO = {True: "có", False: "không"}
ENTRY_ORIGINS = {"seed": "Nội dung gốc", "staff": "Cán bộ sửa"}
ENTRY_VERSION_ACTIONS = {
    "created": "Tạo mới",
    "updated": "Sửa",
    "deleted": "Xóa",
    "restored": "Khôi phục",
    "reverted": "Quay về phiên bản cũ",
    "reviewed": "Đánh dấu đã rà soát",
    "seed": "Nhập từ nội dung gốc",
}
ENTRY_NOT_FOUND = "Không có mục hỏi đáp này (mã {id}). Anh/chị kiểm tra lại mã, hoặc tìm trong danh sách."
ENTRY_NO_VERSION = "Mục hỏi đáp {id} không có phiên bản {version}."
ENTRY_EXISTS = (
    "Đã có mục hỏi đáp với mã này (phiên bản {current}). Anh/chị chọn tên ngắn khác, hoặc sửa mục đã có"
    " (nếu mục đã bị xóa, khôi phục nó từ danh sách “Đã xóa”)."
)
ENTRY_CONFLICT = (
    "Mục hỏi đáp này vừa được người khác lưu (phiên bản hiện tại: {current}) sau khi anh/chị mở nó. "
    "Nội dung của anh/chị chưa được lưu. Anh/chị mở bản hiện tại, so sánh rồi sửa lại trên bản đó."
)
ENTRY_CONFLICT_LINK = "Mở nội dung hiện tại (phiên bản {current})"
ENTRY_INVALID = "Chưa lưu được: anh/chị sửa các trường được đánh dấu bên dưới."
ENTRY_IS_TOPIC = (
    "Đây là mục tổng quan của một thủ tục (tên, tên gọi khác, tóm tắt): "
    "sửa nó ở trang thủ tục, không sửa ở đây."
)
ENTRY_UNKNOWN_SLUG = "Không có thủ tục hoặc chủ đề với mã này."
ENTRY_NAME_RESERVED = (
    "Tên ngắn này dành cho địa chỉ của trang quản trị (edit, history, delete…): chọn tên khác."
)
ENTRY_NOT_EDITABLE = "Trường này không sửa được ở đây."
ENTRY_VERSION_REQUIRED = (
    "Cần gửi kèm phiên bản (version) anh/chị đã đọc, để không ghi đè thay đổi của người khác."
)
ENTRY_BAD_DATE = "Ngày không hợp lệ: viết theo dạng năm-tháng-ngày, ví dụ 2026-12-31."
ENTRY_NO_CHANGE = "Không có thay đổi nào để lưu."
ENTRY_DELETED_NOTE = "Mục này đã bị xóa: trợ lý không dùng nó để trả lời. Anh/chị có thể khôi phục nó."
ENTRY_DELETE_CONFIRM = "Anh/chị cần đánh dấu ô xác nhận trước khi xóa."
TRY_EMPTY = "Anh/chị nhập một câu hỏi để thử."
DONE.update(
    {
        "entry_created": "Đã tạo mục hỏi đáp. Trợ lý trả lời bằng nội dung này ngay.",
        "entry_saved": "Đã lưu. Trợ lý trả lời bằng nội dung mới ngay, không cần khởi động lại.",
        "entry_unchanged": ENTRY_NO_CHANGE,
        "entry_deleted": (
            "Đã xóa mục hỏi đáp; trợ lý không dùng nó để trả lời nữa. Có thể khôi phục trong “Đã xóa”."
        ),
        "entry_restored": "Đã khôi phục mục hỏi đáp; trợ lý trả lời bằng nó ngay.",
        "entry_reverted": (
            "Đã quay về phiên bản cũ (lưu thành một phiên bản mới); trợ lý dùng nội dung này ngay."
        ),
    }
)
AUDIT_ACTIONS.update(
    {
        "entry_created": "Tạo mục hỏi đáp",
        "entry_updated": "Sửa mục hỏi đáp",
        "entry_deleted": "Xóa mục hỏi đáp",
        "entry_restored": "Khôi phục mục hỏi đáp",
        "entry_reverted": "Quay mục hỏi đáp về phiên bản cũ",
    }
)

# --- Procedures, import/export and "Cần rà soát" (procedures*.py, transfer.py, review.py) ---
NO_PROCEDURE = "Không có thủ tục này trong cơ sở tri thức."
NO_VERSION = "Không có phiên bản này trong lịch sử của thủ tục."
PROCEDURE_CONFLICT = (
    "Thủ tục này vừa được người khác lưu (phiên bản hiện tại: {current}, anh/chị đang sửa phiên bản "
    "{version}). Nội dung anh/chị nhập vẫn còn dưới đây; anh/chị mở lại trang để xem bản mới rồi sửa lại."
)
PROCEDURE_INVALID = "Chưa lưu: có trường chưa hợp lệ, xem thông báo bên cạnh từng trường."
PROCEDURE_SLUG_FIXED = "Không đổi được mã thủ tục hay loại nội dung."
PROCEDURE_NO_VERSION = "Cần gửi kèm số phiên bản (version) anh/chị đang sửa."
PROCEDURE_TRAIN_NOTICE = (
    "Tên và tên gọi khác mới có hiệu lực ngay cho tìm kiếm và hướng dẫn, nhưng việc trợ lý nhận ra tên "
    "thủ tục trong tin nhắn (tra cứu tên thủ tục của mô hình hiểu ngôn ngữ) chỉ theo tên mới sau lần "
    "huấn luyện lại mô hình tiếp theo (make train)."
)
YAML_INVALID = "Không đọc được nội dung (dòng {line}): kiểm tra thụt lề và dấu “-” đầu mỗi mục."
YAML_NOT_LIST = "Cần một danh sách, mỗi mục bắt đầu bằng “- ”."
BOOL_INVALID = "Chỉ nhận có hoặc không."
DONE.update(
    {
        "procedure_saved": "Đã lưu thủ tục. Trợ lý dùng nội dung mới ngay.",
        "procedure_saved_train": "Đã lưu thủ tục. Trợ lý dùng nội dung mới ngay. " + PROCEDURE_TRAIN_NOTICE,
        "procedure_unchanged": "Không có gì thay đổi nên không lưu phiên bản mới.",
        "procedure_reverted": (
            "Đã khôi phục phiên bản cũ thành một phiên bản mới; trợ lý dùng nội dung này ngay."
        ),
        "content_reviewed": "Đã đánh dấu đã rà soát hôm nay.",
    }
)
ORIGIN_LABELS = ENTRY_ORIGINS  # the same words for entries and procedures
VERSION_ACTIONS = ENTRY_VERSION_ACTIONS
FIELD_LABELS = {
    "name": "Tên thủ tục",
    "group": "Nhóm",
    "aliases": "Tên gọi khác",
    "summary": "Tóm tắt",
    "who": "Ai được làm",
    "agency": "Cơ quan",
    "documents": "Giấy tờ",
    "processing_time": "Thời gian giải quyết",
    "fees": "Lệ phí",
    "online": "Nộp trực tuyến",
    "result_delivery": "Nhận kết quả",
    "legal_basis": "Căn cứ pháp lý",
    "steps": "Các bước nộp trực tuyến",
    "caveats": "Lưu ý",
    "sources": "Nguồn",
    "reviewed": "Ngày rà soát",
    "issues": "Giấy tờ thủ tục cấp",
    "asks": "Cách hỏi nhận diện",
    "bundles": "Thành phần liên thông",
}
APPLIES_LABELS = {
    "both": "Cả trực tuyến và trực tiếp",
    "online": "Chỉ nộp trực tuyến",
    "in_person": "Chỉ nộp trực tiếp",
}
TRANSFER_WRONG_TYPE = "Chỉ nhận tệp .xlsx hoặc .csv (tệp anh/chị chọn: “{name}”)."
TRANSFER_EMPTY = "Anh/chị chưa chọn tệp nào."
TRANSFER_EXPIRED = "Bản kiểm tra này đã hết hạn hoặc không phải của anh/chị. Anh/chị tải tệp lên lại."
TRANSFER_CONFLICT = (
    "Không nhập được: nội dung đã được người khác sửa sau khi tệp được kiểm tra ({id}). "
    "Không có gì thay đổi; anh/chị tải tệp lên lại để kiểm tra lần nữa."
)
TRANSFER_INVALID = "Tệp có {count} lỗi; không có gì thay đổi. Anh/chị sửa các ô dưới đây rồi tải lên lại."
TRANSFER_NOTHING = "Tệp không có gì khác với nội dung đang dùng; không có gì để nhập."
TRANSFER_KINDS = {"faq": "Hỏi đáp", "fees": "Lệ phí và thời gian giải quyết"}
REVIEW_REASONS = {
    "never_reviewed": "Chưa rà soát lần nào",
    "review": "Đến hạn rà soát định kỳ",
    "validity_ends": "Hết hiệu lực",
    "validity_starts": "Bắt đầu có hiệu lực",
}
REVIEW_HOME = "Cần rà soát"
REVIEW_NOT_FOUND = "Không còn mục này trong cơ sở tri thức."
REVIEW_CONFLICT = (
    "Mục này vừa được người khác sửa (phiên bản hiện tại: {current}). "
    "Anh/chị tải lại trang rồi thực hiện lại."
)
TARGET_KINDS.update({"topic": "Thủ tục / chủ đề", "import": "Nhập tệp"})
AUDIT_ACTIONS.update(
    {
        "procedure_updated": "Sửa thủ tục",
        "procedure_reverted": "Khôi phục phiên bản thủ tục",
        "faq_imported": "Nhập hỏi đáp từ tệp",
        "fees_imported": "Nhập lệ phí và thời gian từ tệp",
        "content_reviewed": "Đánh dấu đã rà soát",
    }
)

# Handoff to a person: the agents' page and the canned replies (app/staff/handoffs.py, canned.py;
# the page's own words are in templates/handoffs/ and static/handoffs-queue.js,
# handoffs-conversation.js, canned.js; the words shared by the console's scripts in
# static/console.js).
HANDOFF_HOME = "Đang chờ cán bộ"  # "Đang chờ cán bộ: N" on the home page

# Channel health (app/channel_health.py): the alert line on every page, the home page's section.
CHANNEL_NAMES = {"web": "Web", "telegram": "Telegram", "zalo": "Zalo"}
CHANNEL_STATES = {
    "ok": "Hoạt động bình thường",
    "degraded": "Hoạt động không ổn định",
    "down": "Ngừng hoạt động",
    "off": "Chưa bật",
}
CHANNEL_ALERTS = {
    "down": "Kênh {channel} ngừng hoạt động từ {since}: {reason}",
    "degraded": "Kênh {channel} hoạt động không ổn định từ {since}: {reason}",
}
CHANNEL_PROBLEMS = {
    "token_spent": (
        "mã làm mới đã hết hạn — cần cấp lại cặp mã Zalo (ZALO_ACCESS_TOKEN, ZALO_REFRESH_TOKEN) "
        "rồi khởi động lại ứng dụng"
    ),
    "token_failing": "không làm mới được mã truy cập Zalo — kiểm tra kết nối từ máy chủ tới Zalo",
    "start_failed": "kênh không khởi động được — kiểm tra mã bot, kết nối và nhật ký ứng dụng",
    "webhook_refused": (
        "Telegram từ chối đăng ký webhook — kiểm tra PUBLIC_URL (HTTPS) và TELEGRAM_WEBHOOK_SECRET"
    ),
    "webhook_errors": "Telegram báo lỗi khi chuyển tin đến máy chủ — kiểm tra địa chỉ HTTPS công khai",
    "unsent": "{count} tin trả lời chưa gửi được trong 1 giờ qua",
}
CHANNEL_HEALTH_TITLE = "Tình trạng các kênh"
CHANNEL_SINCE_DAY = "{time} ngày {day}"  # the day is shown when it is not today

# The failed-send outbox page (app/staff/outbox.py).
OUTBOX_TITLE = "Tin chưa gửi được"
OUTBOX_RETRIED = "Đã gửi lại {sent} tin; {failed} tin vẫn chưa gửi được."
OUTBOX_NOTHING = "Không còn tin nào chờ gửi lại."
OUTBOX_CHANNEL_OFF = "Kênh {channel} chưa bật hoặc chưa sẵn sàng trên máy chủ này, chưa gửi lại được."
OUTBOX_HOME = "Tin chưa gửi được"  # "Tin chưa gửi được: N" on the home page
TARGET_KINDS.update({"outbox": "Tin chưa gửi được"})
AUDIT_ACTIONS.update({"outbox_retried": "Gửi lại tin chưa gửi được"})

# The handoff's staff API (app/handoff/api.py): refusals and audit labels.
HANDOFF_MISSING = "Không tìm thấy yêu cầu gặp cán bộ này."
HANDOFF_TAKEN = "Cán bộ khác đã nhận cuộc trò chuyện này."
HANDOFF_NOT_HELD = "Anh/chị cần nhận cuộc trò chuyện này trước khi trả lời, chuyển lại hay kết thúc."
HANDOFF_ENDED = "Yêu cầu này đã kết thúc."
HANDOFF_RASA_FAILED = (
    "Chưa chuyển lại được cho trợ lý (máy chủ hội thoại không trả lời). Anh/chị thử lại sau ít phút."
)
HANDOFF_EMPTY_TEXT = "Tin nhắn đang trống."
HANDOFF_NOT_DELIVERED = {
    "window_closed": (
        "Zalo đã đóng cửa sổ trả lời của người dân này: tin nhắn được lưu vào mục tin chưa gửi được."
    ),
    "other": "Tin nhắn chưa gửi được tới người dân, đã lưu vào mục tin chưa gửi được.",
}
CANNED_MISSING = "Không tìm thấy câu trả lời mẫu này."
TARGET_KINDS.update({"handoff": "Yêu cầu gặp cán bộ", "canned_reply": "Câu trả lời mẫu"})
AUDIT_ACTIONS.update(
    {
        "handoff_viewed": "Xem cuộc trò chuyện cần gặp cán bộ",
        "handoff_claimed": "Nhận cuộc trò chuyện",
        "handoff_message_sent": "Trả lời người dân",
        "handoff_resumed": "Chuyển lại cho trợ lý",
        "handoff_closed": "Kết thúc hỗ trợ",
        "canned_created": "Thêm câu trả lời mẫu",
        "canned_updated": "Sửa câu trả lời mẫu",
        "canned_deleted": "Xóa câu trả lời mẫu",
    }
)
