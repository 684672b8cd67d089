"""The console's "Thống kê": the page, its JSON and CSV for signed-in staff (every role), and the
IOC summary behind METRICS_TOKEN and METRICS_ALLOWED_IPS. The app runs with Rasa down."""

from __future__ import annotations

import csv
import io

import pytest

from actions.services import Rating
from tests.dashboard.conftest import MARRIAGE, seed
from tests.staff.conftest import ADDRESS, add_account, another, sign_in

RANGE = "from=2026-12-01&to=2026-12-03"
TOKEN = "ioc-token-" + "x" * 30


@pytest.fixture
def client(make_client):
    client = make_client(metrics_token=TOKEN)
    seed(client.app.state.activity)
    return client


@pytest.mark.parametrize("role", ["viewer", "agent", "editor", "admin"])
def test_every_role_sees_the_page_with_the_figures(client, role):
    add_account(client, f"tk-{role}", role)
    sign_in(client, f"tk-{role}")
    page = client.get(f"/staff/dashboard?{RANGE}")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Thống kê</h1>" in html
    assert 'id="total-conversations">7<' in html and 'id="total-messages">15<' in html
    assert 'id="total-containment">42.9%<' in html
    assert 'href="/staff/dashboard"' in html  # in the navigation
    assert 'src="/staff/static/vendor/chartjs/chart.umd.min.js"' in html
    assert "<script>" not in html  # CSP: no inline script
    assert f'data-source="/api/staff/dashboard?{RANGE}"' in html.replace("&amp;", "&")


def test_signed_out_gets_the_sign_in(client):
    assert client.get("/staff/dashboard", follow_redirects=False).status_code == 303
    assert client.get("/api/staff/dashboard").status_code == 401
    assert client.get("/staff/dashboard.csv", follow_redirects=False).status_code in (401, 303)


def test_json_with_filters_and_a_bad_filter(client):
    add_account(client, "xem", "viewer")
    sign_in(client, "xem")
    data = client.get(f"/api/staff/dashboard?{RANGE}&channel=tg&period=week").json()
    assert data["filters"] == {
        "from": "2026-12-01",
        "to": "2026-12-03",
        "channel": "tg",
        "procedure": None,
        "period": "week",
    }
    assert data["totals"]["conversations"] == 2 and len(data["series"]) == 1
    bad = client.get("/api/staff/dashboard?from=2026-12-05&to=2026-12-01")
    assert bad.status_code == 422 and "Bộ lọc không hợp lệ" in bad.json()["detail"]


def test_csv_has_one_row_per_day(client):
    add_account(client, "xem", "viewer")
    sign_in(client, "xem")
    response = client.get(f"/staff/dashboard.csv?{RANGE}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "thong-ke-2026-12-01-2026-12-03.csv" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text.removeprefix("\ufeff"))))
    assert rows[0][:3] == ["Kỳ (ngày đầu)", "Cuộc trò chuyện", "Tin nhắn"]
    assert [row[:3] for row in rows[1:]] == [
        ["2026-12-01", "3", "9"],
        ["2026-12-02", "3", "4"],
        ["2026-12-03", "1", "2"],
    ]


def test_comments_are_shown_masked_with_the_filters(client):
    ratings = client.app.state.stores.ratings
    rating_id = ratings.add(Rating("tg:c", "tg", MARRIAGE, 3, human_help=True))
    ratings.comment(rating_id, "Cán bộ gọi lại số 0912345678 rất nhanh")
    add_account(client, "xem", "viewer")
    sign_in(client, "xem")
    data = client.get(f"/api/staff/dashboard?{RANGE}").json()
    [comment] = data["comments"]
    assert comment["comment"] == "Cán bộ gọi lại số ***78 rất nhanh"
    assert comment["human_help"] is True
    assert "0912345678" not in client.get(f"/staff/dashboard?{RANGE}").text
    assert client.get(f"/api/staff/dashboard?{RANGE}&channel=web").json()["comments"] == []


# --- GET /api/metrics/ioc -----------------------------------------------------------------------


def test_ioc_summary_with_the_token(client):
    response = client.get(f"/api/metrics/ioc?{RANGE}", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    body = response.json()
    assert body["schema"] == "ioc-summary/1"
    assert body["period"] == {"from": "2026-12-01", "to": "2026-12-03", "timezone": "Asia/Ho_Chi_Minh"}
    assert (body["conversations"], body["messages"], body["containment"]) == (7, 15, round(3 / 7, 4))
    assert body["walkthroughs"] == {"started": 4, "completed": 1}
    assert body["handoffs"]["requested"] == 4 and body["handoffs"]["wait_mean_seconds"] == 210.0
    assert body["satisfaction"]["mean"] == 4.0 and body["unanswered_rate"] == 0.4
    assert body["channels"]["tg"]["conversations"] == 2 and body["channels"]["zalo"]["messages"] == 1
    today = client.get("/api/metrics/ioc", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert today["period"]["from"] == today["period"]["to"] == "2026-12-03"
    assert today["conversations"] == 1


def test_ioc_refuses_without_or_with_a_wrong_token(client):
    assert client.get("/api/metrics/ioc").status_code == 401
    wrong = client.get("/api/metrics/ioc", headers={"Authorization": "Bearer " + TOKEN[:-1] + "y"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/metrics/ioc", headers={"Authorization": TOKEN}).status_code == 401


def test_ioc_does_not_exist_without_a_token(make_client):
    client = make_client()
    assert client.get("/api/metrics/ioc", headers={"Authorization": "Bearer "}).status_code == 404


def test_ioc_allowed_and_blocked_addresses(make_client):
    client = make_client(metrics_token=TOKEN, metrics_allowed_ips=f"10.0.0.0/8, {ADDRESS}")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert client.get("/api/metrics/ioc", headers=auth).status_code == 200
    elsewhere = another(client, "198.51.100.20")
    assert elsewhere.get("/api/metrics/ioc", headers=auth).status_code == 403
    inside = another(client, "10.20.30.40")
    assert inside.get("/api/metrics/ioc", headers=auth).status_code == 200


def test_ioc_refuses_everyone_when_the_allow_list_is_invalid(make_client):
    client = make_client(metrics_token=TOKEN, metrics_allowed_ips="10.0.0.0/8, not-an-address")
    response = client.get("/api/metrics/ioc", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 403
