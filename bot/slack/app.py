"""The bolt app: one workspace with a bot token, or many with OAuth installs kept in the database.

Installations and OAuth states are kept by slack_sdk's `AsyncSQLAlchemyInstallationStore` and
`AsyncSQLAlchemyOAuthStateStore` on the service's own engine, in tables the migrations create
(0003), so a restart loses no install. Every request bolt receives over HTTP has its signature
checked first (v0 HMAC-SHA256 with the signing secret, at most five minutes old; 401 otherwise),
before any listener, authorisation or database work.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import SecretStr
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.handlers import Listeners
from bot.slack.logs import REDACT, log, protect_logs
from bot.slack.manifest import BOT_SCOPES, INSTALL_PATH, REDIRECT_PATH
from bot.slack.respond import WORKING_AFTER
from config import Settings
from storage import Database

# How long a person has between /slack/install and coming back from Slack's page.
STATE_EXPIRATION_SECONDS = 600


class SlackNotConfigured(Exception):
    """The settings the Slack app needs are missing; the message says which."""


def _value(secret: SecretStr | None) -> str:
    return secret.get_secret_value().strip() if secret is not None else ""


def uses_oauth(settings: Settings) -> bool:
    """Return whether the app installs into many workspaces with OAuth (client id and secret)."""
    return bool((settings.slack_client_id or "").strip() and _value(settings.slack_client_secret))


def check_configured(settings: Settings) -> None:
    """Raise SlackNotConfigured, saying what to set, unless the app can run."""
    if not _value(settings.slack_signing_secret):
        raise SlackNotConfigured("SLACK_SIGNING_SECRET is not set")
    if not uses_oauth(settings) and not _value(settings.slack_bot_token):
        raise SlackNotConfigured(
            "set SLACK_BOT_TOKEN (one workspace), or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
            "(any number of workspaces, installed with OAuth)"
        )


def authorize_url(api_base_url: str) -> str:
    """Return Slack's OAuth authorize page, on the host of the Web API."""
    parts = urlsplit(api_base_url)
    return f"{parts.scheme}://{parts.netloc}/oauth/v2/authorize"


def create_slack_app(
    settings: Settings, db: Database, *, working_after: float = WORKING_AFTER
) -> AsyncApp:
    """Return the bolt app answering every registry command, clicks, and the Home tab."""
    check_configured(settings)
    protect_logs()
    for secret in (
        settings.slack_signing_secret,
        settings.slack_bot_token,
        settings.slack_client_secret,
        settings.slack_app_token,
    ):
        REDACT.add(_value(secret))
    signing_secret = _value(settings.slack_signing_secret)
    oauth = uses_oauth(settings)
    client = AsyncWebClient(
        token=None if oauth else _value(settings.slack_bot_token),
        base_url=settings.slack_api_base_url,
        logger=log,
    )
    if oauth:
        client_id = (settings.slack_client_id or "").strip()
        oauth_settings = AsyncOAuthSettings(
            client_id=client_id,
            client_secret=_value(settings.slack_client_secret),
            scopes=list(BOT_SCOPES),
            user_scopes=[],
            redirect_uri=settings.public_url.rstrip("/") + REDIRECT_PATH,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            # Straight to Slack's page, no page of ours with an "Add to Slack" button first.
            install_page_rendering_enabled=False,
            authorization_url=authorize_url(settings.slack_api_base_url),
            installation_store=AsyncSQLAlchemyInstallationStore(
                client_id=client_id, engine=db.engine, logger=log
            ),
            state_store=AsyncSQLAlchemyOAuthStateStore(
                expiration_seconds=STATE_EXPIRATION_SECONDS, engine=db.engine, logger=log
            ),
            state_expiration_seconds=STATE_EXPIRATION_SECONDS,
            logger=log,
        )
        app = AsyncApp(
            name="inference-report",
            client=client,
            signing_secret=signing_secret,
            oauth_settings=oauth_settings,
            user_facing_authorize_error_message=(
                "The Inference Report is not installed in this workspace (or was removed): "
                f"install it at {settings.public_url.rstrip('/')}{INSTALL_PATH}"
            ),
            logger=log,
        )
        # Uninstalls and revoked tokens delete the installation, so no dead token is kept.
        app.enable_token_revocation_listeners()
    else:
        app = AsyncApp(
            name="inference-report", client=client, signing_secret=signing_secret, logger=log
        )
    Listeners(db=db, public_url=settings.public_url, working_after=working_after).register(app)
    return app
