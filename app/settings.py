"""Settings of the application process, read from the environment and ``.env``."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, computed_field, model_validator
from pydantic_settings import SettingsConfigDict

from knowledge.settings import ROOT, KnowledgeSettings

_PLACEHOLDERS = {"", "changeme", "change-me", "secret", "token", "devtoken"}


class Settings(KnowledgeSettings):
    """The app's settings; the knowledge base's (database, embedding model, var/) are inherited."""

    model_config = SettingsConfigDict(env_file=ROOT / ".env", env_file_encoding="utf-8", extra="ignore")

    app_env: Literal["local", "production"] = "local"
    app_host: str = "127.0.0.1"
    app_port: int = Field(8000, ge=1, le=65535)
    public_url: str = Field("", description="Address people use, if different from host:port")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    rasa_port: int = Field(5005, ge=1, le=65535)
    rasa_auth_token: str = ""
    rasa_timeout: float = Field(10.0, gt=0, le=120)
    rasa_tracker_url: str = ""
    rasa_model: str = "models/assistant.tar.gz"

    chat_max_chars: int = Field(2000, ge=50, le=20000)

    centre_name: str = "Trung tâm Phục vụ hành chính công tỉnh"
    centre_address: str = "Bộ phận Một cửa của Ủy ban nhân dân xã, phường nơi anh/chị cư trú"
    centre_hotline: str = "1800 1096"
    centre_hours: str = "Giờ hành chính, từ thứ Hai đến thứ Sáu"
    portal_url: str = "https://dichvucong.gov.vn"
    dossier_lookup_url: str = "https://dichvucong.gov.vn/tra-cuu-ho-so"
    # The province's dossier-status service (JSON contract in actions/dossier_status.py);
    # empty: the assistant says it cannot see dossier status and explains the portal lookup.
    dossier_status_url: str = ""
    dossier_status_token: str = ""
    dossier_status_timeout: float = Field(5.0, gt=0, le=30)

    app_db_url: str = Field("", description="SQLAlchemy URL of the app's data; default: var/app.db")

    # Channels. A channel whose credentials are empty is off (logged once at start-up).
    channel_rate_limit: int = Field(20, ge=1, le=1000, description="Messages per minute per sender")
    cors_origins: str = Field("*", description="Portal origins allowed to call the widget API")
    telegram_bot_token: str = ""
    telegram_mode: Literal["webhook", "polling"] = "webhook"
    telegram_webhook_secret: str = ""
    telegram_api_url: str = "https://api.telegram.org/bot"  # python-telegram-bot's base_url
    zalo_app_id: str = ""
    zalo_app_secret: str = ""  # the app's secret key: refreshes the OA access token
    zalo_oa_secret_key: str = ""  # the OA secret key: signs webhook events
    zalo_access_token: str = ""  # first token pair; later pairs are kept in the app database
    zalo_refresh_token: str = ""
    zalo_api_url: str = "https://openapi.zalo.me"
    zalo_oauth_url: str = "https://oauth.zaloapp.com"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def base_url(self) -> str:
        host = "localhost" if self.app_host in {"127.0.0.1", "0.0.0.0", "::"} else self.app_host  # noqa: S104
        return self.public_url.rstrip("/") or f"http://{host}:{self.app_port}"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def app_db(self) -> str:
        return self.app_db_url or f"sqlite:///{self.var_dir / 'app.db'}"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def tracker_url(self) -> str:
        return self.rasa_tracker_url or f"sqlite:///{self.var_dir / 'tracker.db'}"

    @property
    def allowed_origins(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.cors_origins.split(",") if origin.strip()]

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.app_env != "local" and (
            self.rasa_auth_token.lower() in _PLACEHOLDERS or len(self.rasa_auth_token) < 24
        ):
            raise ValueError(
                "RASA_AUTH_TOKEN must be set to a random value of at least 24 characters "
                "outside local use (APP_ENV=production)"
            )
        if self.app_env != "local" and "*" in self.allowed_origins:
            raise ValueError("CORS_ORIGINS must list the portal's origins outside local use, not '*'")
        webhook = self.telegram_bot_token and self.telegram_mode == "webhook"
        if self.app_env != "local" and webhook and len(self.telegram_webhook_secret) < 16:
            raise ValueError("TELEGRAM_WEBHOOK_SECRET (16+ characters) is required for webhook mode")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
