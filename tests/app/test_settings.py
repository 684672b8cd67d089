"""Settings: typed, from the environment and .env; no default secret outside local use."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.runner import ensure_secrets, settings_env
from app.settings import Settings


@pytest.mark.parametrize("token", ["", "changeme", "devtoken", "short-token"])
def test_production_refuses_missing_or_placeholder_token(token):
    with pytest.raises(ValidationError, match="RASA_AUTH_TOKEN"):
        Settings(_env_file=None, app_env="production", rasa_auth_token=token)


def test_production_accepts_a_real_token():
    settings = Settings(
        _env_file=None,
        app_env="production",
        rasa_auth_token="x" * 40,
        app_secret_key="k" * 40,
        cors_origins="https://dichvucong.tinh.gov.vn",
    )
    assert settings.rasa_url == f"http://127.0.0.1:{settings.rasa_port}"


def test_production_refuses_a_telegram_webhook_without_a_secret():
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_SECRET"):
        Settings(
            _env_file=None,
            app_env="production",
            rasa_auth_token="x" * 40,
            app_secret_key="k" * 40,
            cors_origins="https://dichvucong.tinh.gov.vn",
            telegram_bot_token="123456:ABC",
        )


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "chatbot.tinh.gov.vn"])  # noqa: S104
def test_a_host_other_machines_reach_applies_the_production_rules(host):
    with pytest.raises(ValidationError, match=f"APP_HOST={host} is reachable"):
        Settings(_env_file=None, app_host=host, rasa_auth_token="x" * 40, app_secret_key="k" * 40)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_loopback_hosts_are_local_use(host):
    assert not Settings(_env_file=None, app_host=host).production


def test_local_use_has_working_defaults(tmp_path):
    settings = Settings(_env_file=None, var_dir=tmp_path)
    assert settings.base_url == "http://localhost:8000"
    assert settings.tracker_url == f"sqlite:///{tmp_path / 'tracker.db'}"


def test_env_file_is_read(tmp_path, monkeypatch):
    monkeypatch.delenv("CENTRE_HOTLINE", raising=False)
    env = tmp_path / ".env"
    env.write_text("CENTRE_HOTLINE=0200 999 888\nAPP_PORT=8123\n", encoding="utf-8")
    settings = Settings(_env_file=env)
    assert (settings.centre_hotline, settings.app_port) == ("0200 999 888", 8123)


def test_token_is_generated_once_into_env_file(tmp_path, monkeypatch):
    monkeypatch.delenv("RASA_AUTH_TOKEN", raising=False)
    env = tmp_path / ".env"
    env.write_text("APP_PORT=8001\n", encoding="utf-8")
    ensure_secrets(env)
    first = env.read_text(encoding="utf-8")
    ensure_secrets(env)
    assert env.read_text(encoding="utf-8") == first
    [line] = [line for line in first.splitlines() if line.startswith("RASA_AUTH_TOKEN=")]
    assert len(line.split("=", 1)[1]) >= 32
    assert "APP_PORT=8001" in first
    assert oct(env.stat().st_mode & 0o777) == "0o600"


def test_children_get_the_same_settings(tmp_path):
    settings = Settings(_env_file=None, app_port=8555, var_dir=tmp_path, centre_name="Trung tâm X")
    env = settings_env(settings)
    assert (env["APP_PORT"], env["VAR_DIR"], env["CENTRE_NAME"]) == ("8555", str(tmp_path), "Trung tâm X")
    assert Settings(
        _env_file=None, **{k.lower(): v for k, v in env.items() if k.lower() in Settings.model_fields}
    )
