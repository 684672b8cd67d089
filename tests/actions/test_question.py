from __future__ import annotations

from actions.question import ActionAnswerQuestion


async def test_question_points_to_the_official_portal_and_a_person(services, dispatcher, load_tracker):
    action = ActionAnswerQuestion(services)
    events = await action.run(dispatcher, load_tracker("tracker_request_human"), {})

    assert action.name() == "action_answer_question"
    assert events == []
    [message] = dispatcher.messages
    assert services.centre.portal_url in message["text"]
    assert services.centre.hotline in message["text"]
    assert message["buttons"] == [{"title": "Gặp cán bộ hỗ trợ", "payload": "/request_human"}]
