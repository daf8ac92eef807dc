"""Settings from CULTUREBOT_* environment variables and an optional .env file.

Slack and Teams keep their own customary names (SLACK_BOT_TOKEN, MicrosoftAppId, ...) so an
operator can reuse the values the platforms' own docs tell them to set.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.parsing import parse_work_week
from prompts import available_locales
from prompts.languages import language_of


class Settings(BaseSettings):
    """Every setting culturebot reads; docs/configuration.md lists them with their defaults."""

    model_config = SettingsConfigDict(
        env_prefix="CULTUREBOT_", env_file=".env", extra="ignore", populate_by_name=True
    )

    database_url: str = "sqlite:///culturebot.db"
    min_group_size: int = Field(5, ge=2)
    min_comment_group_size: int = Field(10, ge=2)
    default_timezone: str = "UTC"
    # the language for people with none of their own (chat, org file, Slack, Teams)
    default_locale: str = "en"
    # `org import` refuses a file that would deactivate more than this share of the active
    # people, unless --allow-deactivate is given
    max_deactivate_share: float = Field(0.10, ge=0, le=1)
    answer_window_hours: int = Field(72, ge=1)
    reminder_after_hours: int = Field(24, ge=1)
    tick_seconds: int = Field(60, ge=1)
    admin_contact: str = "your culturebot admin"
    max_delivery_attempts: int = Field(6, ge=1)
    log_level: str = "INFO"
    # auto: JSON lines when stdout is not a terminal (systemd, containers), text on a terminal
    log_format: str = Field("auto", pattern="^(auto|text|json)$")
    # SQLite: how long a command waits for another process's write lock before giving up
    db_busy_timeout: float = Field(30.0, ge=0)
    # /readyz fails when the oldest due message has waited longer than this (0: never)
    ready_max_due_age_seconds: float = Field(900.0, ge=0)
    # inbound events acked but not yet handled, per process; past it the work is shed (logged)
    inbound_queue_limit: int = Field(1000, ge=1)
    inbound_workers: int = Field(16, ge=1, le=256)  # pieces of after-ack work at once
    inbound_threads: int = Field(2, ge=1, le=64)  # threads running the handlers (the GIL)
    http_host: str = "127.0.0.1"
    http_port: int = 3978
    # every server's limits (bot.web.limits; docs/configuration.md): seconds to send the request
    # line and headers (and idle time between kept-alive requests), seconds to send a body,
    # the largest body, and the most connections open at once
    http_header_timeout: float = Field(10.0, gt=0)
    http_body_timeout: float = Field(30.0, gt=0)
    http_max_body_bytes: int = Field(1024 * 1024, ge=1024)
    http_max_connections: int = Field(1000, ge=1)
    # The dashboard: the base of its links (e.g. https://bot.example.com; default the local
    # server), and the key that signs them (default: generated once, kept in the database).
    public_url: str = ""
    dashboard_secret: str | None = None
    dashboard_link_minutes: int = Field(15, ge=1, le=60)
    dashboard_session_hours: int = Field(8, ge=1, le=24)
    # delivery (docs/operations.md)
    shutdown_seconds: float = Field(20.0, ge=0)  # SIGTERM: how long sends in flight may finish
    delivery_claim_seconds: float = Field(30.0, ge=1)  # a dead worker's sends are taken over after
    # while the database is unreachable, delivery tries again after a quarter of a second,
    # doubling up to this many seconds between tries
    db_retry_max_seconds: float = Field(5.0, gt=0)
    outbox_keep_days: int = Field(30, ge=1)  # sent messages older than this are pruned nightly
    rate_headroom: float = Field(0.95, gt=0, le=1)  # pace at this share of a platform's limit
    # share the send limits (the ceiling, per-person spacing) through the database with every
    # instance on it: "auto" (on for PostgreSQL, where several instances can run), "on", "off"
    shared_limits: str = Field("auto", pattern="^(auto|on|off)$")
    # Working days for relay windows and check-ins (public holidays come from each person's
    # country/subdivision): day names or ranges, e.g. "mon,tue,wed,thu,fri" or "sun-thu".
    work_week: str = "mon,tue,wed,thu,fri"
    # Comments and story texts older than this many months are deleted each night (0: never).
    retention_months: int = Field(0, ge=0, le=1200)

    slack_bot_token: str | None = Field(
        None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "CULTUREBOT_SLACK_BOT_TOKEN")
    )
    slack_signing_secret: str | None = Field(
        None,
        validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "CULTUREBOT_SLACK_SIGNING_SECRET"),
    )
    slack_app_token: str | None = Field(
        None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "CULTUREBOT_SLACK_APP_TOKEN")
    )
    slack_api_url: str = "https://slack.com/api/"
    slack_max_per_second: float = Field(10.0, gt=0)
    slack_channel_interval: float = Field(1.0, ge=0)
    slack_concurrency: int = Field(8, ge=1, le=100)
    slack_timeout: float = Field(30.0, gt=0)
    # the looks into a DM before a message in doubt is resent (conversations.open and
    # conversations.history, Slack's Tier 3: about 50 a minute; lower it where Slack limits
    # the app's history reads more tightly)
    slack_history_per_minute: float = Field(50.0, gt=0)

    teams_app_id: str = Field(
        "", validation_alias=AliasChoices("MicrosoftAppId", "CULTUREBOT_TEAMS_APP_ID")
    )
    teams_app_password: str = Field(
        "", validation_alias=AliasChoices("MicrosoftAppPassword", "CULTUREBOT_TEAMS_APP_PASSWORD")
    )
    teams_tenant_id: str = Field(
        "", validation_alias=AliasChoices("MicrosoftAppTenantId", "CULTUREBOT_TEAMS_TENANT_ID")
    )
    # Local Bot Framework Emulator only: accept activities without a token (never production).
    teams_emulator: bool = False
    teams_rate_per_second: float = Field(50.0, gt=0)  # per app per tenant (Teams' limit)
    teams_conversation_rate_per_second: float = Field(7.0, gt=0)  # per conversation
    teams_send_attempts: int = Field(4, ge=1, le=10)  # tries within one delivery
    teams_concurrency: int = Field(32, ge=1, le=256)  # sends in flight per process
    # seconds to fetch the keys that sign inbound tokens (or the bot's own token), and where
    # the keys are listed (default: the Bot Framework's public cloud)
    teams_key_timeout: float = Field(10.0, gt=0)
    teams_openid_metadata_url: str = ""
    # the Microsoft Entra sign-in host the bot fetches its own token from, the tenant appended
    # (default: the public cloud's, https://login.microsoftonline.com); a national cloud's,
    # e.g. https://login.microsoftonline.us
    teams_login_url: str = ""

    @property
    def base_url(self) -> str:
        """Where people's browsers reach this server (links in chat start with it)."""
        return (self.public_url or f"http://{self.http_host}:{self.http_port}").rstrip("/")

    @field_validator("work_week")
    @classmethod
    def _valid_work_week(cls, value: str) -> str:
        parse_work_week(value)
        return value

    @field_validator("default_locale")
    @classmethod
    def _available_locale(cls, value: str) -> str:
        language = language_of(value)
        if language is None:
            have = ", ".join(available_locales())
            raise ValueError(f"culturebot has no language {value!r} (it has: {have})")
        return language


def get_settings() -> Settings:
    """The settings as the environment says now (each CLI command reads them afresh)."""
    return Settings()
