from __future__ import annotations

from actions.contact import ActionCentreContact


async def test_contact_details_come_from_the_deployment(services, dispatcher, load_tracker):
    action = ActionCentreContact(services)
    events = await action.run(dispatcher, load_tracker("tracker_request_human"), {})

    assert action.name() == "action_centre_contact"
    assert events == [{"event": "slot", "timestamp": None, "name": "human_help", "value": True}]
    [message] = dispatcher.messages
    centre = services.centre
    for detail in (centre.name, centre.address, centre.hotline, centre.hours, centre.portal_url):
        assert detail in message["text"]
    assert message["custom"]["links"] == [{"title": "Mở Cổng Dịch vụ công", "url": centre.portal_url}]
