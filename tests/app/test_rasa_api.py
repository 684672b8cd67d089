"""Rasa's HTTP API is on 127.0.0.1 only and refuses requests without the token."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("params", [{}, {"token": "wrong-token"}])
def test_tracker_api_refuses_without_the_right_token(rasa_api, params):
    response = rasa_api.get("/conversations/web:someone/tracker", params=params)
    assert response.status_code in (401, 403)


def test_parse_api_refuses_without_token(rasa_api):
    assert rasa_api.post("/model/parse", json={"text": "xin chao"}).status_code in (401, 403)


def test_api_answers_with_the_token(rasa_api, token):
    assert rasa_api.get("/status", params={"token": token}).json()["model_file"]


def test_rasa_listens_on_loopback_only(stack):
    import socket

    addresses = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    for address in addresses - {"127.0.0.1"}:
        with socket.socket() as sock:
            sock.settimeout(1)
            assert sock.connect_ex((address, stack.settings.rasa_port)) != 0
