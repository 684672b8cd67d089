"""GET /metrics in Prometheus's text format on an in-process app (the real one, Rasa down or hung):
latency histograms per route template and channel, Rasa errors and timeouts, the handoff gauges,
one registry per app, and the route's protection (404 without a token, 401, 403)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.metrics import REQUEST_BUCKETS
from tests.metrics.conftest import AUTH, TOKEN, samples, scrape, value


def test_no_metrics_token_means_no_route(make_app):
    client = make_app(metrics_token="")
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers=AUTH).status_code == 404


def test_a_missing_or_wrong_token_is_401(make_app):
    client = make_app()
    missing = client.get("/metrics")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong-token"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": TOKEN}).status_code == 401, "no scheme"
    assert "rasa_errors" not in client.get("/metrics", headers={"Authorization": "Basic x"}).text


def test_an_address_outside_the_allow_list_is_403(make_app):
    outside = make_app(client=("192.0.2.10", 5000), metrics_allowed_ips="10.1.0.0/16, 127.0.0.1")
    assert outside.get("/metrics", headers=AUTH).status_code == 403
    inside = TestClient(outside.app, client=("10.1.2.3", 5000))
    assert inside.get("/metrics", headers=AUTH).status_code == 200
    assert inside.get("/metrics").status_code == 401, "an allowed address still needs the token"


def test_chat_traffic_gives_histograms_per_route_template_and_channel(make_app):
    client = make_app()
    sender = client.post("/api/session").json()["sender"]
    for text in ("xin chào", "thủ tục khai sinh"):
        assert client.post("/api/chat", json={"sender": sender, "text": text}).status_code == 200
    assert client.get("/api/history", params={"sender": sender}).status_code == 503  # from Rasa's tracker
    assert client.post("/api/staff/outbox/4711/retry").status_code == 401  # a path parameter
    assert client.get("/wp-login.php").status_code == 404
    assert client.get("/health").status_code == 503  # Rasa is down

    text = scrape(client)
    chat = {"method": "POST", "route": "/api/chat", "channel": "web"}
    assert value(text, "http_request_duration_seconds_count", **chat) == 2
    buckets = [
        (float(labels["le"]), v)
        for name, labels, v in samples(text)
        if name == "http_request_duration_seconds_bucket" and labels.items() >= chat.items()
    ]
    assert [le for le, _ in buckets] == [*REQUEST_BUCKETS, float("inf")]
    counts = [v for _, v in buckets]
    assert counts == sorted(counts) and counts[-1] == 2, "cumulative buckets ending with every request"
    assert value(text, "http_request_duration_seconds_sum", **chat) > 0
    assert value(text, "http_requests_total", status="2xx", **chat) == 2
    assert value(text, "http_request_duration_seconds_count", route="/api/session", channel="web") == 1
    assert value(text, "http_requests_total", route="/api/history", channel="web", status="5xx") == 1
    staff = {"route": "/api/staff/outbox/{row_id}/retry", "channel": "staff"}
    assert value(text, "http_requests_total", status="4xx", **staff) == 1
    assert value(text, "http_request_duration_seconds_count", route="unmatched", channel="other") == 1
    assert value(text, "http_requests_total", route="/health", channel="other", status="5xx") == 1
    routes = {labels["route"] for _, labels, _ in samples(text) if "route" in labels}
    assert not any("4711" in r or "wp-login" in r or sender in r for r in routes), "templates, not paths"

    # Rasa is down: each chat turn, the history's tracker read and the health probe's status call
    # are counted by operation.
    assert value(text, "rasa_errors_total", operation="message", kind="unavailable") == 2
    assert value(text, "rasa_errors_total", operation="status", kind="unavailable") == 1
    assert value(text, "rasa_errors_total", operation="tracker", kind="unavailable") == 1
    assert value(text, "handoff_queue_length") == 0
    assert value(text, "handoff_agents_online") == 0


def test_a_hung_rasa_is_counted_as_a_timeout(make_app, hung_rasa):
    client = make_app(rasa_port=hung_rasa, rasa_timeout=1.0)
    sender = client.post("/api/session").json()["sender"]
    assert client.post("/api/chat", json={"sender": sender, "text": "xin chào"}).status_code == 200
    text = scrape(client)
    assert value(text, "rasa_errors_total", operation="message", kind="timeout") == 1
    assert value(text, "rasa_errors_total", operation="message", kind="unavailable") is None


def test_each_app_counts_on_its_own_registry(make_app, tmp_path):
    first = make_app()
    second = make_app(app_db_url=f"sqlite:///{tmp_path / 'second.db'}")
    for _ in range(3):
        first.post("/api/session")
    second.post("/api/session")
    assert value(scrape(first), "http_requests_total", route="/api/session", status="2xx") == 3
    assert value(scrape(second), "http_requests_total", route="/api/session", status="2xx") == 1
