"""Settings of the application process, read from the environment and ``.env``."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from pydantic import Field, computed_field, model_validator
from pydantic_settings import SettingsConfigDict

from knowledge.settings import ROOT, KnowledgeSettings

if TYPE_CHECKING:
    from app.handoff.hours import WorkingHours

_PLACEHOLDERS = {"", "changeme", "change-me", "secret", "token", "devtoken"}
_LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    """True when ``host`` is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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

    # `python -m app run` restarts Rasa or the app when it dies (app/supervisor.py).
    restart_limit: int = Field(
        5, ge=0, le=100, description="Restarts of one child within RESTART_WINDOW_MINUTES; then stop all"
    )
    restart_window_minutes: float = Field(
        10.0, gt=0, le=24 * 60, description="The window RESTART_LIMIT counts in"
    )
    restart_backoff_max: float = Field(
        30.0, ge=1, le=600, description="Longest pause before a restart (1 s, then doubling)"
    )

    chat_max_chars: int = Field(2000, ge=50, le=20000)

    # Who people are sent to when they ask for a person (actions.services.CentreContact). The
    # province's own centre has no invented default: empty, a detail is left out of every reply.
    centre_name: str = Field("", description="The province's centre, e.g. its full name")
    centre_address: str = Field("", description="The centre's address")
    centre_phone: str = Field("", description="The centre's own phone number")
    # The centre's hours shown beside these details come from HANDOFF_HOURS (worded by
    # WorkingHours.describe, below): one source of truth for the hours.
    # The national public-service portal's helpline (Văn phòng Chính phủ), named as such wherever
    # shown; never the centre's number. Empty: not shown.
    centre_hotline: str = Field("1800 1096", description="Tổng đài hỗ trợ Cổng Dịch vụ công quốc gia")
    portal_url: str = "https://dichvucong.gov.vn"
    dossier_lookup_url: str = "https://dichvucong.gov.vn/tra-cuu-ho-so"
    # The province's dossier-status service (JSON contract in actions/dossier_status.py);
    # empty: the assistant says it cannot see dossier status and explains the portal lookup.
    dossier_status_url: str = ""
    dossier_status_token: str = ""
    dossier_status_timeout: float = Field(5.0, gt=0, le=30)

    app_db_url: str = Field("", description="SQLAlchemy URL of the app's data; default: var/app.db")
    app_db_busy_timeout: float = Field(
        5.0, gt=0, le=120, description="Seconds a write waits for a locked SQLite database before failing"
    )
    inbox_retry_seconds: float = Field(
        60.0,
        ge=0,
        le=3600,
        description="How long a Telegram/Zalo message is retried (with backoff) while Rasa is down",
    )

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

    # Security and privacy (README "Security and privacy").
    # Keys the short hashes that stand for a person in logs and the app database; generated
    # into .env on first run like RASA_AUTH_TOKEN. Changing it orphans the hashes already stored.
    app_secret_key: str = ""
    # Addresses or networks (comma-separated, e.g. "10.0.0.5,10.1.0.0/16") of the reverse proxies
    # whose X-Forwarded-For is believed; empty: the connecting address is the client.
    trusted_proxies: str = ""
    # Where the limits' counters live: memory:// (one app process) or redis://host:6379/0.
    rate_limit_storage: str = "memory://"
    client_rate_limit: int = Field(600, ge=10, le=100_000, description="Web API calls/minute per address")
    session_rate_limit: int = Field(
        60, ge=1, le=10_000, description="New web conversations/minute per address"
    )
    dossier_rate_limit: int = Field(
        10, ge=1, le=1000, description="Dossier lookups per 10 minutes per person"
    )
    max_concurrent_work: int = Field(8, ge=1, le=256, description="Rasa-bound and search work at once")
    work_wait: float = Field(10.0, gt=0, le=120, description="Seconds a message waits for a free slot")
    worker_threads: int = Field(2, ge=1, le=64, description="Threads for search and encoding")
    web_session_hours: float = Field(
        24.0, gt=0, le=24 * 90, description="A web id expires when idle this long"
    )
    data_retention_days: int = Field(
        90, ge=1, le=3650, description="Conversations and comments kept this long"
    )
    http_header_timeout: float = Field(10.0, gt=0, le=300, description="Seconds to send a request's headers")
    http_body_timeout: float = Field(30.0, gt=0, le=600, description="Seconds to send a request's body")
    http_max_header_bytes: int = Field(16384, ge=4096, le=1_048_576, description="Request line + headers")

    # The staff console (README "Staff console").
    staff_session_idle_minutes: int = Field(
        30, ge=1, le=24 * 60, description="A staff session ends after this long without a request"
    )
    staff_session_hours: float = Field(
        12.0, gt=0, le=24 * 7, description="A staff session ends this long after signing in, used or not"
    )
    staff_login_failures: int = Field(
        5, ge=1, le=100, description="Failed sign-ins per username or address before backing off"
    )
    staff_login_window_minutes: int = Field(
        15, ge=1, le=24 * 60, description="The window in which failed sign-ins are counted"
    )

    # Handoff to a person (README "Handoff"). Working hours in Vietnam's time zone, e.g.
    # "Mon-Fri 07:30-11:30,13:30-17:00" or "always" (parsed by app/handoff/hours.py, which also
    # words them for the contact reply: the one source of the hours text); holidays as ISO dates.
    handoff_hours: str = Field("Mon-Fri 07:30-11:30,13:30-17:00", description="When agents take over")
    handoff_holidays: str = Field("", description="Closed days, ISO dates separated by commas")
    handoff_claim_idle_minutes: int = Field(
        15, ge=1, le=24 * 60, description="A claimed conversation with no agent reply returns to the queue"
    )
    handoff_minutes_per_person: float = Field(
        5.0, gt=0, le=240, description="Expected minutes per conversation until there is history"
    )

    # The provincial IOC summary and Prometheus (README "Metrics"): a bearer token and an
    # optional allow-list of addresses or networks; with no token both answer 404.
    metrics_token: str = ""
    metrics_allowed_ips: str = Field("", description="Comma-separated addresses or networks; empty: any")

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

    @property
    def proxies(self) -> list[str]:
        return [proxy.strip() for proxy in self.trusted_proxies.split(",") if proxy.strip()]

    @property
    def production(self) -> bool:
        """Production rules apply: APP_ENV=production, or an APP_HOST other machines can reach."""
        return self.app_env == "production" or not is_loopback(self.app_host)

    def working_hours(self) -> WorkingHours:
        """HANDOFF_HOURS and HANDOFF_HOLIDAYS parsed (valid: checked when the settings are read)."""
        from app.handoff.hours import WorkingHours  # here: the handoff package imports the app's parts

        return WorkingHours.parse(self.handoff_hours, self.handoff_holidays)

    @model_validator(mode="after")
    def _check_working_hours(self) -> Settings:
        self.working_hours()  # raises ValueError with the operator's message
        return self

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        for proxy in self.proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(f"TRUSTED_PROXIES: {proxy!r} is not an address or network") from None
        if not self.production:
            return self
        why = (
            "APP_ENV=production"
            if self.app_env == "production"
            else f"APP_HOST={self.app_host} is reachable from other machines, so production rules apply"
        )
        for name, value, size in (
            ("RASA_AUTH_TOKEN", self.rasa_auth_token, 24),
            ("APP_SECRET_KEY", self.app_secret_key, 32),
        ):
            if value.lower() in _PLACEHOLDERS or len(value) < size:
                raise ValueError(f"{name} must be a random value of at least {size} characters ({why})")
        if "*" in self.allowed_origins:
            raise ValueError(f"CORS_ORIGINS must list the portal's origins, not '*' ({why})")
        webhook = self.telegram_bot_token and self.telegram_mode == "webhook"
        if webhook and len(self.telegram_webhook_secret) < 16:
            raise ValueError(f"TELEGRAM_WEBHOOK_SECRET (16+ characters) is required for webhook mode ({why})")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
