"""The events come from the real recording paths: the pipeline (every accepted citizen message), the
guide actions (started, each step shown, completed), the question action (answered with the topic's
slug, unanswered) and the rating action, driven as Rasa drives them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from actions.state import RATING
from app.activity import ActivityLog, ActivityRow
from tests.actions.conftest import Conversation
from tests.actions.test_guide import walk_to_first_step

SLUG = "dang-ky-tam-tru"


def kinds(log: ActivityLog) -> list[tuple]:
    with log._session() as session:
        rows = session.scalars(select(ActivityRow).order_by(ActivityRow.id))
        return [(row.kind, row.channel, row.procedure, row.step, row.value) for row in rows]


@pytest.fixture
def talk(services, knowledge, log):
    return Conversation(replace(services, knowledge=knowledge, activity=log), sender="web:7c1d")


def test_every_accepted_message_is_counted_once_and_bad_input_is_not(make_client):
    client = make_client()
    sender = client.post("/api/session", json={"kiosk": False}).json()["sender"]
    for text in ("xin chào", "đăng ký tạm trú"):
        client.post("/api/chat", json={"sender": sender, "text": text})
    assert client.post("/api/chat", json={"sender": sender, "text": "   "}).status_code == 422
    assert kinds(client.app.state.activity) == [("message_in", "web", None, None, None)] * 2


async def test_a_walkthrough_records_start_each_step_and_completion_then_the_rating(talk, knowledge):
    total = len(knowledge.topic(SLUG).steps)
    await walk_to_first_step(talk)
    for _ in range(2, total + 1):
        await talk.run("action_guide_next", "tiếp", "guide_next")
    await talk.run("action_guide_next", "xong", "guide_next")
    assert talk.slots["guide_stage"] == RATING
    await talk.run("action_store_rating", '/rate{"rating": 4}', "rate", {"rating": 4})
    assert kinds(talk.services.activity) == [
        ("guide_started", "web", SLUG, None, None),
        *[("guide_step", "web", SLUG, step, None) for step in range(1, total + 1)],
        ("guide_completed", "web", SLUG, None, None),
        ("rating", "web", SLUG, None, 4.0),
    ]


async def test_a_walkthrough_left_half_way_shows_where_it_stopped(talk):
    await walk_to_first_step(talk)
    await talk.run("action_guide_next", "tiếp", "guide_next")
    await talk.run("action_guide_back", "quay lại", "guide_back")
    assert kinds(talk.services.activity) == [
        ("guide_started", "web", SLUG, None, None),
        ("guide_step", "web", SLUG, 1, None),
        ("guide_step", "web", SLUG, 2, None),
        ("guide_step", "web", SLUG, 1, None),
    ]


async def test_questions_answered_with_their_topic_and_unanswered(talk):
    await talk.run("action_answer_question", "đăng ký khai sinh cho con cần giấy tờ gì", "ask_question")
    await talk.run("action_answer_question", "giấy tờ nhà đất của ông bà để lại", "ask_question")
    recorded = kinds(talk.services.activity)
    assert recorded[0][0] == "question_answered" and recorded[0][2] == "dang-ky-khai-sinh"
    assert recorded[1] == ("question_unanswered", "web", None, None, None)


def test_the_apps_retention_forgets_and_purges_the_events(make_client, clock):
    from datetime import timedelta

    client = make_client()
    log, retention = client.app.state.activity, client.app.state.retention
    log.record("message_in", sender="tg:9", channel="tg")
    log.record("message_in", sender="tg:10", channel="tg")
    assert retention.forget("tg:9")["activity"] == 1
    clock.now += timedelta(days=retention.days + 1)
    assert retention.purge()["activity"] == 1
    chosen = client.app.state.activity.figures(log.today() - timedelta(days=retention.days + 1), log.today())
    assert sum(f.count for f in chosen.summed if f.kind == "conversation" and not f.procedure) == 1
