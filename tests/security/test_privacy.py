"""Personal data is kept out of storage, kept only for DATA_RETENTION_DAYS, and erasable per person.

Against the real stack (Rasa with the trained model, its SQL tracker store, the app's database):
numbers a citizen types never reach the tracker, the citizen is told once, the privacy notice
comes with every new id, "Xóa cuộc trò chuyện" erases the conversation, and ``python -m app
purge`` / ``forget`` delete what is old or asked for.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app import texts
from app.privacy import sender_key

pytestmark = pytest.mark.rasa
ROOT = Path(__file__).resolve().parents[2]

# What a citizen types, and the forms of the number that must appear nowhere in storage.
TYPED = {
    "id": ("số cccd của tôi là 079088001234", ("079088001234",)),
    "old_id": ("cmnd cũ 123456789 còn dùng được không", ("123456789",)),
    "phone": ("gọi cho tôi số 0912 345 678 nhé", ("0912 345 678", "0912345678")),
    "email": ("gửi giúp vào nguyen.thi.b@gmail.com", ("nguyen.thi.b", "gmail.com")),
    "account": ("số tài khoản 1903 5678 9012 34 của tôi", ("1903 5678 9012 34", "19035678901234")),
}


def chat(api, sender: str, text: str) -> dict:
    response = api.post("/api/chat", json={"sender": sender, "text": text})
    assert response.status_code == 200, response.text
    return response.json()


def tracker_dump(rasa_api, token: str, sender: str) -> str:
    tracker = rasa_api.get(
        f"/conversations/{sender}/tracker", params={"token": token, "include_events": "ALL"}
    ).json()
    return json.dumps(tracker, ensure_ascii=False)


def test_the_tracker_never_holds_a_personal_number(api, rasa_api, token, stack, new_sender):
    sender = new_sender()
    replies = [chat(api, sender, typed) for typed, _ in TYPED.values()]
    stored = tracker_dump(rasa_api, token, sender)
    for _typed, secrets in TYPED.values():
        for secret in secrets:
            assert secret not in stored, secret
    # What the person typed is in the tracker, masked, so the conversation still makes sense.
    assert "***34" in stored and "***@***" in stored
    # And in the database file itself, not only in what Rasa's API returns.
    database = sqlite3.connect(stack.settings.tracker_url.removeprefix("sqlite:///"))
    rows = "\n".join(
        str(row) for row in database.execute("select data from events where sender_id = ?", (sender,))
    )
    database.close()
    history = json.dumps(api.get("/api/history", params={"sender": sender}).json(), ensure_ascii=False)
    for _typed, secrets in TYPED.values():
        for secret in secrets:
            assert secret not in rows and secret not in history, secret
    # The citizen was told once, gently, that the assistant never needs these numbers.
    notes = [m["text"] for reply in replies for m in reply["messages"] if m["text"] == texts.MASKED_NOTE]
    assert len(notes) == 1
    assert replies[0]["messages"][0]["text"] == texts.MASKED_NOTE


def test_dossier_codes_and_amounts_reach_the_conversation_as_typed(api, rasa_api, token, new_sender):
    sender = new_sender()
    reply = chat(api, sender, "tra cứu hồ sơ 000.00.31.H56-250714-0012")
    assert "000.00.31.H56-250714-0012" in reply["messages"][0]["text"], "the dossier action saw the code"
    chat(api, sender, "lệ phí 1.500.000 đồng đúng không")
    stored = tracker_dump(rasa_api, token, sender)
    assert "000.00.31.H56-250714-0012" in stored and "1.500.000 đồng" in stored
    assert texts.MASKED_NOTE not in json.dumps(reply, ensure_ascii=False)


def test_erasing_the_conversation_from_the_chat(api, rasa_api, token, stack, new_sender):
    sender = new_sender()
    chat(api, sender, "tôi muốn đăng ký khai sinh online")
    asked = chat(api, sender, "Xóa cuộc trò chuyện")
    [question] = asked["messages"]
    assert question["text"] == texts.ERASE_CONFIRM
    assert [b["title"] for b in question["buttons"]] == [texts.ERASE_YES, texts.ERASE_NO]
    assert "Xóa cuộc trò chuyện" not in tracker_dump(rasa_api, token, sender), "never sent to Rasa"
    done = chat(api, sender, question["buttons"][0]["payload"])
    assert done["ended"] is True and done["messages"][0]["text"] == texts.ERASED
    tracker = rasa_api.get(f"/conversations/{sender}/tracker", params={"token": token}).json()
    assert [e for e in tracker["events"] if e["event"] in ("user", "bot")] == []
    assert tracker["slots"]["procedure"] is None
    assert api.post("/api/chat", json={"sender": sender, "text": "xin chào"}).status_code == 401
    database = sqlite3.connect(stack.settings.app_db.removeprefix("sqlite:///"))
    key = sender_key(stack.settings.app_secret_key, sender)
    assert database.execute("select count(*) from contacts where sender_key = ?", (key,)).fetchone() == (0,)
    database.close()


def test_declining_to_erase_keeps_everything(api, rasa_api, token, new_sender):
    sender = new_sender()
    chat(api, sender, "xin chào")
    chat(api, sender, "xoa cuoc tro chuyen")
    kept = chat(api, sender, texts.ERASE_NO)  # typed, not pressed
    assert kept["messages"][0]["text"] == texts.NOT_ERASED
    assert "xin chào" in tracker_dump(rasa_api, token, sender)
    # A confirmation long after the question (or without one) does not erase anything.
    assert chat(api, sender, "/erase_confirm")["messages"][0]["text"] == texts.ERASE_CONFIRM


def app_cli(stack, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    settings = stack.settings
    variables = {
        **os.environ,
        "VAR_DIR": str(settings.var_dir),
        "APP_DB_URL": settings.app_db,
        "RASA_TRACKER_URL": settings.tracker_url,
        "RASA_AUTH_TOKEN": settings.rasa_auth_token,
        "APP_SECRET_KEY": settings.app_secret_key,
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=variables,
        capture_output=True,
        text=True,
        timeout=120,
    )


def age(stack, sender: str, days: int) -> None:
    """Make everything ``sender`` did look ``days`` old (as if the conversation happened then)."""
    shift = timedelta(days=days)
    tracker = sqlite3.connect(stack.settings.tracker_url.removeprefix("sqlite:///"))
    with tracker:
        tracker.execute(
            "update events set timestamp = timestamp - ? where sender_id = ?", (shift.total_seconds(), sender)
        )
    tracker.close()
    key = sender_key(stack.settings.app_secret_key, sender)
    app_db = sqlite3.connect(stack.settings.app_db.removeprefix("sqlite:///"))
    old = (datetime.now(UTC) - shift).strftime("%Y-%m-%d %H:%M:%S.%f")
    with app_db:
        app_db.execute(
            "update contacts set first_seen = ?, last_seen = ? where sender_key = ?", (old, old, key)
        )
        app_db.execute("update ratings set created_at = ? where sender_key = ?", (old, key))
    app_db.close()


def test_purge_deletes_what_is_older_than_the_retention_window(api, rasa_api, token, stack, new_sender):
    old, recent = new_sender(), new_sender()
    chat(api, old, "cccd 079088001234, tôi hỏi về khai sinh")
    chat(api, recent, "xin chào")
    age(stack, old, days=91)
    rotated = stack.log_dir / "app.log.2026-08-01"
    rotated.write_text("old log\n", encoding="utf-8")
    stale = time.time() - 91 * 86400
    os.utime(rotated, (stale, stale))
    result = app_cli(stack, "purge")
    assert result.returncode == 0, result.stderr
    assert "conversations:" in result.stdout and "log_files: 1" in result.stdout
    assert not rotated.exists()
    old_events = rasa_api.get(f"/conversations/{old}/tracker", params={"token": token}).json()["events"]
    assert [e for e in old_events if e["event"] == "user"] == []
    assert "xin chào" in tracker_dump(rasa_api, token, recent)
    database = sqlite3.connect(stack.settings.app_db.removeprefix("sqlite:///"))
    key = sender_key(stack.settings.app_secret_key, old)
    assert database.execute("select count(*) from contacts where sender_key = ?", (key,)).fetchone() == (0,)
    database.close()


def test_forget_erases_one_person_on_request(api, rasa_api, token, stack, new_sender):
    sender, other = new_sender(), new_sender()
    chat(api, sender, "tôi muốn đăng ký tạm trú")
    chat(api, other, "xin chào")
    refused = app_cli(stack, "forget", "not an id")
    assert refused.returncode == 2 and "web:<uuid>" in refused.stderr
    result = app_cli(stack, "forget", sender)
    assert result.returncode == 0, result.stderr
    assert "conversations:" in result.stdout and "web_sessions: 1" in result.stdout
    events = rasa_api.get(f"/conversations/{sender}/tracker", params={"token": token}).json()["events"]
    assert [e for e in events if e["event"] == "user"] == []
    assert "xin chào" in tracker_dump(rasa_api, token, other)
    assert api.post("/api/chat", json={"sender": sender, "text": "xin chào"}).status_code == 401
