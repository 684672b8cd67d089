"""The audit log through the API: sign-ins and account changes recorded with who, what, when,
before and after and the address; filters; newest first, paginated."""

from __future__ import annotations

from datetime import timedelta

from tests.staff.conftest import ADDRESS, PASSWORD, add_account, sign_in
from tests.staff.test_api import NEW_PASSWORD, attempt


def test_sign_ins_and_account_changes_are_in_the_audit_log(client, clock):
    add_account(client, "boss", "admin")
    attempt(client, "boss")
    clock.now += timedelta(seconds=1)
    headers = {"X-CSRF-Token": sign_in(client, "boss")}
    clock.now += timedelta(seconds=1)
    client.post(
        "/api/staff/users", json={"username": "lan", "password": PASSWORD, "role": "editor"}, headers=headers
    )
    clock.now += timedelta(seconds=1)
    client.patch("/api/staff/users/lan", json={"role": "viewer", "disabled": True}, headers=headers)
    clock.now += timedelta(seconds=1)
    client.post("/api/staff/users/lan/password", json={"password": NEW_PASSWORD}, headers=headers)

    log = client.get("/api/staff/audit").json()
    actions = [(e["actor"], e["action"], e["target_kind"], e["target_id"]) for e in log["entries"]]
    assert actions == [
        ("boss", "password_reset", "account", "lan"),
        ("boss", "account_disabled", "account", "lan"),
        ("boss", "role_changed", "account", "lan"),
        ("boss", "account_created", "account", "lan"),
        ("boss", "login", "account", "boss"),
        (None, "login_failed", "account", "boss"),
    ]
    entries = {e["action"]: e for e in log["entries"]}
    assert entries["role_changed"]["before"] == {"username": "lan", "role": "editor", "disabled": False}
    assert entries["role_changed"]["after"] == {"username": "lan", "role": "viewer", "disabled": False}
    assert entries["account_disabled"]["after"]["disabled"] is True
    assert entries["account_created"]["before"] is None
    assert entries["login"]["address"] == ADDRESS
    assert entries["login"]["at"] == (clock.now - timedelta(seconds=3)).isoformat()
    assert PASSWORD not in str(log) and NEW_PASSWORD not in str(log) and "argon2" not in str(log)

    filtered = client.get("/api/staff/audit", params={"action": "login_failed"}).json()
    assert [e["target_id"] for e in filtered["entries"]] == ["boss"]
    assert client.get("/api/staff/audit", params={"user": "boss"}).json()["total"] == 5
    assert client.get("/api/staff/audit", params={"target": "account:lan"}).json()["total"] == 4
    assert client.get("/api/staff/audit", params={"target": "lan", "user": "nobody"}).json()["total"] == 0
    client.delete("/api/staff/session", headers=headers)
    sign_in(client, "boss")
    assert client.get("/api/staff/audit", params={"action": "logout"}).json()["total"] == 1


def test_the_audit_log_is_paginated_newest_first(client, clock):
    add_account(client, "boss", "admin")
    sign_in(client, "boss")
    log = client.app.state.staff.audit
    for i in range(120):
        clock.now += timedelta(seconds=1)
        log.add(
            "entry_updated", actor="lan", target_kind="entry", target_id=f"faq/{i}", after={"answer": f"v{i}"}
        )
    first = client.get("/api/staff/audit", params={"action": "entry_updated"}).json()
    assert (first["total"], first["page"], first["pages"]) == (120, 1, 3)
    assert [e["target_id"] for e in first["entries"][:2]] == ["faq/119", "faq/118"]
    third = client.get("/api/staff/audit", params={"action": "entry_updated", "page": 3}).json()
    assert [e["target_id"] for e in third["entries"]] == [f"faq/{i}" for i in range(19, -1, -1)]
    assert client.get("/api/staff/audit", params={"page": 0}).status_code == 422
