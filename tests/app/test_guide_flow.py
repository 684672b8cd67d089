"""The guided submission through /api/chat against the real Rasa server and actions.

After every turn the conversation's tracker is read through Rasa's HTTP API (with the token)
and the slots ``procedure`` and ``guide_step`` are checked: they are what the walkthrough and
its resumption rest on.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.rasa


class Citizen:
    def __init__(self, api, rasa_api, token) -> None:
        self.api, self.rasa_api, self.token = api, rasa_api, token
        response = api.post("/api/session")
        assert response.status_code == 201, response.text
        self.sender = response.json()["sender"]

    def say(self, text: str) -> list[dict]:
        response = self.api.post("/api/chat", json={"sender": self.sender, "text": text})
        assert response.status_code == 200, response.text
        return response.json()["messages"]

    def slots(self) -> dict:
        response = self.rasa_api.get(f"/conversations/{self.sender}/tracker", params={"token": self.token})
        assert response.status_code == 200
        return response.json()["slots"]

    def at(self, procedure: str | None, step: int | None) -> None:
        slots = self.slots()
        assert (slots["procedure"], slots["guide_step"]) == (procedure, None if step is None else float(step))


def text_of(messages: list[dict]) -> str:
    return "\n".join(message["text"] for message in messages)


def payloads(messages: list[dict]) -> list[str]:
    return [button["payload"] for message in messages for button in message["buttons"]]


@pytest.fixture
def citizen(api, rasa_api, token) -> Citizen:
    return Citizen(api, rasa_api, token)


def test_accented_walkthrough_with_slots_at_each_turn(citizen, knowledge_steps):
    total = knowledge_steps("dang-ky-khai-sinh")
    reply = citizen.say("tôi muốn làm giấy khai sinh cho con online")
    assert "Đăng ký khai sinh" in text_of(reply)
    citizen.at("dang-ky-khai-sinh", None)
    reply = citizen.say("đúng rồi")
    assert "VNeID" in text_of(reply)
    reply = citizen.say("có rồi")
    assert "địa chỉ" in text_of(reply)
    reply = citizen.say("số 5 Lê Duẩn, phường Bến Nghé, quận 1, TP Hồ Chí Minh")
    assert "Phường Sài Gòn" in text_of(reply)
    assert "Giấy tờ cần chuẩn bị" in text_of(reply)
    citizen.at("dang-ky-khai-sinh", None)
    reply = citizen.say("bắt đầu")
    assert text_of(reply).startswith(f"Bước 1/{total}")
    citizen.at("dang-ky-khai-sinh", 1)
    citizen.say("tiếp theo")
    citizen.at("dang-ky-khai-sinh", 2)
    citizen.say("quay lại")
    citizen.at("dang-ky-khai-sinh", 1)
    # A question mid-walkthrough is answered, and the walkthrough stays at the same step.
    reply = citizen.say("quên mật khẩu vneid thì lấy lại thế nào")
    assert "Bước 1/" in reply[-1]["text"]
    citizen.at("dang-ky-khai-sinh", 1)
    for step in range(2, total + 1):
        citizen.say("tiếp")
        citizen.at("dang-ky-khai-sinh", step)
    reply = citizen.say("tiếp")
    assert "mã hồ sơ" in text_of(reply)
    assert '/rate{"rating": 5}' in payloads(reply)
    citizen.at("dang-ky-khai-sinh", None)
    reply = citizen.say('/rate{"rating": 5}')
    assert "góp ý" in text_of(reply)
    reply = citizen.say("hướng dẫn rõ ràng, dễ làm theo")
    assert "Cảm ơn góp ý" in text_of(reply)


def test_unaccented_start_and_resume_after_a_session_restart(citizen):
    citizen.say("lam the nao de nop ho so dang ky tam tru")
    citizen.at("dang-ky-tam-tru", None)
    citizen.say("dung roi")
    citizen.say("co roi")
    citizen.say("phuong ben nghe quan 1 tp hcm")
    citizen.say("bat dau")
    citizen.at("dang-ky-tam-tru", 1)
    citizen.say("tiep")
    citizen.at("dang-ky-tam-tru", 2)
    # Days later: a new session. Rasa runs action_session_start, which keeps the slots.
    reply = citizen.say("/session_start")
    expected = "Lần trước anh/chị đang làm thủ tục “Đăng ký tạm trú, gia hạn tạm trú”, đến Bước 2/"
    assert expected in text_of(reply)
    citizen.at("dang-ky-tam-tru", 2)
    reply = citizen.say("co")
    assert text_of(reply).startswith("Bước 2/")
    citizen.at("dang-ky-tam-tru", 2)


def test_problem_twice_offers_a_person_and_start_over_clears(citizen):
    citizen.say('/start_guide{"procedure": "cap-phieu-ly-lich-tu-phap"}')
    citizen.say("/affirm")
    citizen.say("/deny")  # no address given: carry on without it
    citizen.say("/guide_next")
    citizen.at("cap-phieu-ly-lich-tu-phap", 1)
    reply = citizen.say("/guide_problem")
    assert "gặp lỗi gì" in text_of(reply)
    reply = citizen.say("/guide_problem")
    assert "/request_human" in payloads(reply)
    citizen.at("cap-phieu-ly-lich-tu-phap", 1)
    reply = citizen.say("làm lại từ đầu")  # progress to lose: asked first, nothing lost yet
    assert "làm lại từ đầu?" in text_of(reply)
    citizen.at("cap-phieu-ly-lich-tu-phap", 1)
    [restart] = [p for p in payloads(reply) if p == "/start_over"]
    reply = citizen.say(restart)
    assert "hướng dẫn lại từ đầu" in text_of(reply)
    citizen.at(None, None)


def test_facts_on_demand_use_the_procedure_slot(citizen):
    reply = citizen.say("đăng ký khai sinh cần những giấy tờ gì")
    assert text_of(reply).startswith("Giấy tờ cần chuẩn bị cho thủ tục Đăng ký khai sinh")
    reply = citizen.say("lệ phí bao nhiêu")
    assert text_of(reply).startswith("Lệ phí thủ tục Đăng ký khai sinh")


def test_dossier_code_without_a_status_service_never_pretends(citizen):
    reply = citizen.say("kiểm tra tình trạng hồ sơ mã 000.00.31.H56-250714-0012")
    text = text_of(reply)
    assert "không xem được tình trạng hồ sơ" in text
    assert "tra-cuu-ho-so" in text


@pytest.fixture(scope="session")
def knowledge_steps():
    from knowledge.seed import load_seed

    seed = load_seed()
    return lambda slug: len(seed.procedures[slug].steps)
