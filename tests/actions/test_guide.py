"""action_online_steps lists a procedure's online steps from the knowledge base."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from rasa_sdk import Tracker

from actions.guide import ActionOnlineSteps


def tracker_for(load_tracker, slug: str | None) -> Tracker:
    state = json.loads(json.dumps(load_tracker("tracker_request_human").current_state()))
    entities = [{"entity": "procedure", "value": slug}] if slug else []
    state["latest_message"] = {
        "text": "/start_guide",
        "intent": {"name": "start_guide"},
        "entities": entities,
    }
    return Tracker.from_dict(state)


async def test_lists_every_online_step_of_the_procedure(services, dispatcher, load_tracker, knowledge):
    action = ActionOnlineSteps(replace(services, knowledge=knowledge))
    await action.run(dispatcher, tracker_for(load_tracker, "dang-ky-tam-tru"), {})

    [message] = dispatcher.messages
    topic = knowledge.topic("dang-ky-tam-tru")
    assert message["text"].startswith("Các bước nộp hồ sơ đăng ký tạm trú")
    for number, step in enumerate(topic.steps, start=1):
        assert f"{number}. {step.instruction}" in message["text"]
    assert message["custom"]["links"][0]["url"] == topic.online.url


@pytest.mark.parametrize("slug", [None, "khong-ton-tai", "dvc-tra-cuu-ho-so"])
async def test_unknown_or_non_procedure_asks_which_procedure(
    services, dispatcher, load_tracker, knowledge, slug
):
    action = ActionOnlineSteps(replace(services, knowledge=knowledge))
    await action.run(dispatcher, tracker_for(load_tracker, slug), {})
    [message] = dispatcher.messages
    assert "thủ tục nào" in message["text"]
