"""Settings read from the environment and `.env`."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from config.database_url import normalise_database_url


class Settings(BaseSettings):
    """Every setting of the service; each is documented in the README."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default="sqlite:///inference-report.db",
        description="Database to use; Heroku-style postgres:// URLs are accepted.",
    )
    database_echo: bool = Field(default=False, description="Log every SQL statement.")
    log_level: str = Field(default="INFO", description="Logging level.")
    public_url: str = Field(
        default="http://127.0.0.1:8080",
        description="Absolute base URL under which the web server is reached.",
    )
    host: str = Field(default="127.0.0.1", description="Address the web server binds.")
    port: int = Field(default=8080, description="Port the web server binds.")
    feed_page_size: int = Field(
        default=50, ge=1, le=500, description="Entries per feed page; older ones are paged."
    )
    feed_max_age: int = Field(
        default=300, ge=0, description="Cache-Control max-age of feeds and pages, in seconds."
    )
    feed_refresh_seconds: float = Field(
        default=30.0, gt=0, description="How often the server checks the database for imports."
    )
    feed_cache_size: int = Field(
        default=512, ge=1, description="Paged, search and page responses kept built."
    )
    feed_id_authority: str | None = Field(
        default=None, description="Authority of the feeds' tag: ids; the PUBLIC_URL host if unset."
    )
    feed_top_n: int = Field(
        default=5, ge=1, description="Leaderboard feeds report models entering or leaving this top."
    )
    feed_score_threshold: float = Field(
        default=1.0, gt=0, description="Leaderboard feeds report score moves of at least this."
    )
    websub_hub_url: str | None = Field(
        default=None, description="WebSub hub announced in feeds and pinged after each change."
    )
    websub_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Timeout of one ping to the WebSub hub."
    )
    discord_token: SecretStr | None = Field(default=None, description="Discord bot token.")
    discord_application_id: int | None = Field(
        default=None, description="Discord application id; asked of Discord if unset."
    )
    discord_test_guild_id: int | None = Field(
        default=None, description="Guild `discord sync` registers commands in, for testing."
    )
    discord_api_base_url: str = Field(
        default="https://discord.com/api/v10",
        description="Discord's REST API base; the gateway address is asked of it.",
    )
    slack_bot_token: SecretStr | None = Field(default=None, description="Slack bot token.")
    slack_signing_secret: SecretStr | None = Field(
        default=None, description="Slack signing secret."
    )
    slack_app_token: SecretStr | None = Field(
        default=None, description="Slack app-level token (xapp-...) for Socket Mode."
    )
    slack_client_id: str | None = Field(
        default=None, description="Slack client id; with the secret, enables multi-workspace OAuth."
    )
    slack_client_secret: SecretStr | None = Field(
        default=None, description="Slack client secret, for multi-workspace OAuth."
    )
    slack_mode: Literal["socket", "http"] = Field(
        default="socket", description="How Slack reaches the app: Socket Mode or HTTP requests."
    )
    slack_api_base_url: str = Field(
        default="https://slack.com/api/",
        description="Slack's Web API base; OAuth's authorize page is on the same host.",
    )

    discord_gateway: bool = Field(
        default=True,
        description="Connect this process to Discord's gateway (answer commands); off on extras.",
    )
    discord_requests_per_second: float = Field(
        default=48.0, gt=0, le=50, description="Pace of the bot's REST requests for deliveries."
    )
    slack_messages_per_minute: float = Field(
        default=300.0, gt=0, description="Pace of digest messages in one Slack workspace."
    )
    slack_channel_messages_per_second: float = Field(
        default=1.0, gt=0, description="Pace of digest messages in one Slack channel."
    )
    delivery_poll_seconds: float = Field(
        default=15.0, gt=0, description="How often the worker looks for digests that are due."
    )
    delivery_lease_seconds: float = Field(
        default=300.0, ge=5, description="How long a worker holds a delivery before others may."
    )
    delivery_concurrency: int = Field(
        default=256, ge=1, le=2000, description="Deliveries under way at once in one process."
    )
    rate_limit_backend: Literal["auto", "memory", "database", "redis"] = Field(
        default="auto", description="Where request budgets are kept, shared between processes."
    )
    redis_url: str | None = Field(
        default=None, description="Redis for budgets shared between processes (redis://...)."
    )
    sources_file: str | None = Field(
        default=None,
        description="TOML file of the sources fetched on a schedule; config/sources.toml if unset.",
    )
    sources_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Timeout of one request to a source."
    )
    artificial_analysis_api_key: SecretStr | None = Field(
        default=None, description="Artificial Analysis API key; its source is skipped without it."
    )

    @field_validator("database_url")
    @classmethod
    def _normalise_url(cls, value: str) -> str:
        return normalise_database_url(value)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once."""
    return Settings()
