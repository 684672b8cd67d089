"""/api/search on the real index built by `make index` (served by the running app)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("làm giấy khai sinh cho con cần những gì", "dang-ky-khai-sinh"),
        ("lam ho chieu het bao nhieu tien", "cap-ho-chieu-pho-thong"),
        ("xin lltp online ntn", "cap-phieu-ly-lich-tu-phap"),
        ("không nhận được mã otp khi đăng nhập dịch vụ công", "dvc-dang-nhap-vneid"),
    ],
)
def test_answers_with_the_right_topic(api, query, slug):
    response = api.get("/api/search", params={"q": query, "k": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["hits"][0]["slug"] == slug
    assert set(body["hits"][0]) == {"id", "slug", "title", "score"}
    assert body["answer"] is not None and body["answer"]["slug"] == slug
    assert set(body["answer"]) >= {"id", "slug", "title", "text", "score"}
    scores = [hit["score"] for hit in body["hits"]]
    assert scores == sorted(scores, reverse=True) and len(body["hits"]) <= 5


def test_out_of_scope_question_gets_hits_but_no_answer(api):
    body = api.get("/api/search", params={"q": "tỷ số trận bóng đá tối qua"}).json()
    assert body["answer"] is None


@pytest.mark.parametrize(("params", "status"), [({"q": "  "}, 422), ({}, 422), ({"q": "x", "k": 0}, 422)])
def test_bad_queries_are_4xx(api, params, status):
    assert api.get("/api/search", params=params).status_code == status


def test_health_reports_the_knowledge_base(api):
    assert api.get("/health").json()["knowledge"] == "ok"


def test_a_question_in_the_chat_is_answered_from_the_knowledge_base(api, new_sender):
    response = api.post("/api/chat", json={"sender": new_sender(), "text": "lam ks online nhu the nao"})
    [message, *_] = response.json()["messages"]
    assert "Nguồn: https://" in message["text"]
    assert "Hướng dẫn nộp trực tuyến" in [b["title"] for b in message["buttons"]]


def test_the_walkthrough_button_starts_the_guide(api, new_sender):
    sender = new_sender()
    [answer, *_] = api.post("/api/chat", json={"sender": sender, "text": "dk tam tru can giay to gi"}).json()[
        "messages"
    ]
    [button] = [b for b in answer["buttons"] if b["title"] == "Hướng dẫn nộp trực tuyến"]
    [ready, *_] = api.post("/api/chat", json={"sender": sender, "text": button["payload"]}).json()["messages"]
    # A button is already a choice: no confirmation, straight to "Ready?".
    assert "tài khoản định danh điện tử mức 2" in ready["text"]
