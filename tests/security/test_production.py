"""What production relies on: secrets out of sight, private files, headers, and refusing to start.

- Rasa's auth token is never on a command line: the live Rasa process of the shared stack is
  checked through /proc; Rasa's environment holds none of the channels' secrets.
- The API documentation and the demo page exist in local use only.
- Every response carries the security headers; pages get a CSP Chromium honours without a
  violation; an unexpected error is a JSON 500 without a traceback.
- With an APP_HOST other machines can reach and unsafe settings, ``python -m app run`` prints
  one line and exits before starting anything.
- var/ and its log folder are 0700, the logs 0600 and rotated daily.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app import hardening
from app.logs import Redactor
from app.main import create_app
from app.runner import RASA_PASSED_ENV, RASA_QUIET_ENV, _copy_redacted, free_port, private_dir, rasa_env
from app.settings import Settings
from nlu.launcher import rasa_arguments
from tests.pages import needs_chromium

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {
    "TELEGRAM_BOT_TOKEN": "123456789:AAtelegram-secret-value-0000000000",
    "TELEGRAM_WEBHOOK_SECRET": "telegram-webhook-secret-0000",
    "ZALO_APP_SECRET": "zalo-app-secret-value-0000",
    "ZALO_OA_SECRET_KEY": "zalo-oa-secret-key-value-0000",
    "ZALO_REFRESH_TOKEN": "zalo-refresh-token-value-0000",
    "APP_SECRET_KEY": "a" * 64,
    "DOSSIER_STATUS_TOKEN": "dossier-status-token-value-0000",
}


def production_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "app_env": "production",
        "rasa_auth_token": "r" * 64,
        "app_secret_key": "k" * 64,
        "cors_origins": "https://dichvucong.tinh.gov.vn",
        "var_dir": tmp_path,
        "rasa_port": free_port(),
    }
    return Settings(_env_file=None, **{**values, **overrides})


# --- Rasa's token and environment --------------------------------------------------------------


def test_rasa_environment_holds_only_what_rasa_needs(tmp_path, monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)  # as if they came from the operator's shell
    settings = Settings(
        _env_file=None,
        var_dir=tmp_path,
        **{name.lower(): value for name, value in SECRETS.items()},
        rasa_auth_token="t" * 64,
        zalo_app_id="1234",
    )
    env = rasa_env(settings)
    allowed = {*RASA_PASSED_ENV, *RASA_QUIET_ENV, "PYTHONPATH", "ACTION_ENDPOINT_URL"}
    assert set(env) <= allowed | {"RASA_AUTH_TOKEN", "RASA_TRACKER_URL"}
    assert env["RASA_AUTH_TOKEN"] == "t" * 64
    assert env["ACTION_ENDPOINT_URL"] == f"http://127.0.0.1:{settings.app_port}/rasa/webhook"
    assert env["RASA_TRACKER_URL"] == settings.tracker_url
    for value in SECRETS.values():
        assert value not in "\n".join(env.values())


def test_the_launcher_adds_the_token_inside_the_process():
    server = ["run", "--enable-api", "--port", "5005"]
    assert rasa_arguments(server, "tok") == [*server, "--auth-token", "tok"]
    assert rasa_arguments(["train", "--fixed-model-name", "x"], "tok") == ["train", "--fixed-model-name", "x"]
    with pytest.raises(SystemExit, match="RASA_AUTH_TOKEN"):
        rasa_arguments(server, "")
    with pytest.raises(SystemExit, match="never on the command line"):
        rasa_arguments([*server, "--auth-token", "tok"], "tok")


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = [pid]
    for child in children.read_text().split() if children.exists() else []:
        found += _tree(int(child))
    return found


@pytest.mark.rasa
def test_the_running_rasa_shows_no_token_and_no_channel_secret(stack):
    token = stack.settings.rasa_auth_token
    rasa = stack.processes["rasa"].pid
    processes = _tree(rasa)
    for pid in processes:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        assert token not in cmdline
        assert "--auth-token" not in cmdline
        environ = dict(
            line.split("=", 1)
            for line in Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")
            if "=" in line
        )
        assert not [name for name in environ if re.match(r"TELEGRAM_|ZALO_|APP_SECRET_KEY|DOSSIER_", name)]
        assert stack.settings.app_secret_key not in "\n".join(environ.values())
    assert "-m nlu.launcher run" in Path(f"/proc/{rasa}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    # The token is in force all the same: Rasa's API refuses a call without it.
    import httpx

    assert httpx.get(f"{stack.settings.rasa_url}/status", timeout=10).status_code == 401
    assert (
        httpx.get(f"{stack.settings.rasa_url}/status", params={"token": token}, timeout=10).status_code == 200
    )


# --- routes and headers --------------------------------------------------------------------------

LOCAL_ONLY = ("/docs", "/openapi.json", "/redoc", "/demo")


def test_docs_and_demo_are_off_in_production(tmp_path):
    with TestClient(create_app(production_settings(tmp_path), open_knowledge_base=False)) as client:
        for path in LOCAL_ONLY:
            response = client.get(path)
            assert response.status_code == 404, path
            assert response.headers["content-security-policy"] == hardening.OTHER_CSP


def test_docs_and_demo_are_there_in_local_use(tmp_path):
    settings = Settings(_env_file=None, var_dir=tmp_path, rasa_port=free_port(), app_secret_key="k" * 40)
    with TestClient(create_app(settings, open_knowledge_base=False)) as client:
        for path in LOCAL_ONLY:
            assert client.get(path).status_code == 200, path
        # Swagger UI and ReDoc load from a CDN: no CSP on them in local use.
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert "content-security-policy" not in client.get(path).headers
            assert client.get(path).headers["x-content-type-options"] == "nosniff"
        assert client.get("/demo").headers["content-security-policy"] == hardening.DEMO_CSP


def test_security_headers_on_every_kind_of_response(tmp_path):
    with TestClient(create_app(production_settings(tmp_path), open_knowledge_base=False)) as client:
        responses = {
            "/": client.get("/"),
            "/static/chat.js": client.get("/static/chat.js"),
            "/widget.js": client.get("/widget.js"),
            "/api/session": client.post("/api/session"),
            "/health": client.get("/health"),
            "missing": client.get("/khong-co"),
            "too large": client.post("/api/chat", content=b"x" * 100_000),
        }
        assert responses["/api/session"].status_code == 201
        assert responses["too large"].status_code == 413
        for name, response in responses.items():
            headers = response.headers
            assert headers["x-content-type-options"] == "nosniff", name
            assert headers["referrer-policy"] == "strict-origin-when-cross-origin", name
            assert headers["x-frame-options"] == "DENY", name
            assert len(headers.get_list("x-content-type-options")) == 1, name
            assert "frame-ancestors 'none'" in headers["content-security-policy"], name
        assert responses["/"].headers["content-security-policy"] == hardening.PAGE_CSP
        for other in ("/static/chat.js", "/widget.js", "/api/session", "/health", "missing", "too large"):
            assert responses[other].headers["content-security-policy"] == hardening.OTHER_CSP
        # The widget script stays loadable by the portal's pages.
        assert responses["/widget.js"].headers["cross-origin-resource-policy"] == "cross-origin"


def test_a_413_from_the_portal_origin_is_readable_by_the_widget(tmp_path):
    portal = "https://dichvucong.tinh.gov.vn"
    with TestClient(create_app(production_settings(tmp_path), open_knowledge_base=False)) as client:
        response = client.post("/api/chat", content=b"x" * 100_000, headers={"Origin": portal})
    assert response.status_code == 413
    assert response.headers["access-control-allow-origin"] == portal


def test_the_widget_long_poll_is_open_to_the_portal_origin(tmp_path):
    """``GET /api/updates`` is a widget route like /api/chat: the portal's pages may call it."""
    portal = "https://dichvucong.tinh.gov.vn"
    with TestClient(create_app(production_settings(tmp_path), open_knowledge_base=False)) as client:
        preflight = client.options(
            "/api/updates",
            headers={"Origin": portal, "Access-Control-Request-Method": "GET"},
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == portal
        assert "GET" in preflight.headers["access-control-allow-methods"]
        refused = client.options(
            "/api/updates",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        )
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers

        sender = client.post("/api/session", json={}, headers={"Origin": portal}).json()["sender"]
        answer = client.get("/api/updates", params={"sender": sender}, headers={"Origin": portal})
        assert answer.status_code == 200
        assert answer.headers["access-control-allow-origin"] == portal
        assert answer.json() == {"cursor": 0, "messages": [], "handoff": {"status": None, "position": None}}
        other = client.get(
            "/api/updates", params={"sender": sender}, headers={"Origin": "https://evil.example"}
        )
        assert "access-control-allow-origin" not in other.headers


def test_an_unexpected_error_is_a_json_500_without_traceback(tmp_path):
    app = create_app(production_settings(tmp_path), open_knowledge_base=False)

    async def broken() -> None:  # stands for any bug in any route
        raise RuntimeError("secret internals: /srv/app/db.py line 42")

    app.add_api_route("/api/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/broken")
    assert response.status_code == 500
    assert response.json() == {"detail": hardening.UNEXPECTED}
    assert "Traceback" not in response.text and "secret internals" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == hardening.OTHER_CSP


@pytest.mark.rasa
@needs_chromium
def test_pages_work_in_chromium_under_their_policy(stack, browser):
    """No CSP violation on the chat page and the demo portal, and the widget still gets its styles."""
    base = f"http://127.0.0.1:{stack.settings.app_port}"
    for path in ("/", "/demo"):
        page = browser.new_page()
        try:
            console: list[str] = []
            page.on("console", lambda message, seen=console: seen.append(message.text))
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            if path == "/demo":
                launcher = page.locator("dvc-chat-widget button.launcher")
                launcher.wait_for()
                assert launcher.evaluate("el => getComputedStyle(el).position") == "fixed"
            assert not [line for line in console if "Content Security Policy" in line], console
        finally:
            page.close()


# --- refusing to start ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unsafe", "named"),
    [({"CORS_ORIGINS": "*"}, "CORS_ORIGINS"), ({"RASA_AUTH_TOKEN": "changeme"}, "RASA_AUTH_TOKEN")],
)
def test_a_reachable_host_with_unsafe_settings_does_not_start(tmp_path, unsafe, named):
    env_file = ROOT / ".env"
    before = env_file.read_bytes() if env_file.exists() else None
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(tmp_path),
        "APP_HOST": "0.0.0.0",  # noqa: S104 (the point of the test)
        "APP_PORT": str(free_port()),
        "RASA_PORT": str(free_port()),
        "VAR_DIR": str(tmp_path / "var"),
        "CORS_ORIGINS": "https://dichvucong.tinh.gov.vn",
        # Set, so that ensure_secrets writes nothing into the checkout's .env.
        "RASA_AUTH_TOKEN": "r" * 64,
        "APP_SECRET_KEY": "k" * 64,
        **unsafe,
    }
    done = subprocess.run(
        [sys.executable, "-m", "app", "run"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Cannot start:"), done.stderr
    assert named in lines[0] and "APP_HOST=0.0.0.0" in lines[0]
    assert "Starting" not in done.stdout
    assert not (tmp_path / "var").exists()  # nothing was started, not even the log folder
    assert (env_file.read_bytes() if env_file.exists() else None) == before


# --- files on disk -------------------------------------------------------------------------------


def test_var_and_its_log_folder_are_private(tmp_path):
    loose = tmp_path / "var"
    loose.mkdir(mode=0o755)
    loose.chmod(0o755)
    private_dir(loose)
    private_dir(loose / "log")
    assert oct(loose.stat().st_mode & 0o777) == "0o700"
    assert oct((loose / "log").stat().st_mode & 0o777) == "0o700"


@pytest.mark.rasa
def test_the_stack_keeps_its_folders_and_logs_private(stack):
    for folder in (stack.settings.var_dir, stack.log_dir):
        assert oct(folder.stat().st_mode & 0o777) == "0o700", folder
    for name in ("app", "rasa"):
        assert oct((stack.log_dir / f"{name}.log").stat().st_mode & 0o777) == "0o600", name


def test_logs_are_rotated_daily_to_dated_files(tmp_path):
    log = tmp_path / "rasa.log"
    log.write_text("a line written yesterday\n", encoding="utf-8")
    log.chmod(0o644)
    yesterday = datetime.now() - timedelta(days=1)
    os.utime(log, (yesterday.timestamp(), yesterday.timestamp()))
    # The first line written on a new day moves yesterday's file aside, then is written anew.
    _copy_redacted(io.BytesIO("hôm nay: gọi 0912 345 678\n".encode()), log, Redactor("k" * 40))
    rotated = tmp_path / f"rasa.log.{yesterday.date().isoformat()}"
    assert rotated.read_text(encoding="utf-8") == "a line written yesterday\n"
    today = log.read_text(encoding="utf-8")
    assert today.startswith("hôm nay: gọi ") and "345 678" not in today  # masked on the way
    assert oct(log.stat().st_mode & 0o777) == "0o600"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["rasa.log", rotated.name]


def test_logs_are_rotated_at_midnight_while_running(tmp_path):
    from app.runner import DailyLogFile

    log = DailyLogFile(tmp_path / "app.log")
    try:
        log.write("before midnight\n")
        midnight = log.rolloverAt
        assert datetime.fromtimestamp(midnight).time().isoformat() == "00:00:00"
        assert datetime.fromtimestamp(midnight).date() == date.today() + timedelta(days=1)
        log.rolloverAt = int(time.time())  # the clock passes midnight
        log.write("after midnight\n")
    finally:
        log.close()
    [rotated] = [path for path in tmp_path.iterdir() if path.name != "app.log"]
    assert re.fullmatch(r"app\.log\.\d{4}-\d{2}-\d{2}", rotated.name)
    assert rotated.read_text(encoding="utf-8") == "before midnight\n"
    assert (tmp_path / "app.log").read_text(encoding="utf-8") == "after midnight\n"
    assert oct(rotated.stat().st_mode & 0o777) == "0o600"
