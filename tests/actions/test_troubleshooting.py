"""Described problems are matched to known fixes; vague ones get none."""

from __future__ import annotations

from datetime import date

from actions.troubleshooting import troubleshoot

TODAY = date(2026, 11, 27)


def guides(knowledge):
    return knowledge.topics("guide")


def test_step_problem_matches_typed_without_tones(knowledge):
    problems = ["Không nhận mã OTP thì kiểm tra số điện thoại gắn với tài khoản."]
    assert troubleshoot("ko nhan dc ma otp", problems, guides(knowledge), TODAY) == problems[0]


def test_guide_troubleshooting_is_searched_too(knowledge):
    fix = troubleshoot("file đính kèm quá lớn không tải lên được", [], guides(knowledge), TODAY)
    assert fix is not None and ":" in fix


def test_vague_or_unrelated_text_gets_no_fix(knowledge):
    assert troubleshoot("bị lỗi rồi", [], guides(knowledge), TODAY) is None
    assert troubleshoot("hôm nay trời đẹp quá", [], guides(knowledge), TODAY) is None
