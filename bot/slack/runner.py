"""Start the Slack app: Socket Mode (the default, no public address) or HTTP requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.slack.app import SlackNotConfigured, create_slack_app, uses_oauth
from bot.slack.logs import log
from bot.slack.respond import WORKING_AFTER
from config import Settings
from storage import Database


@dataclass
class SlackRunner:
    """The running Slack app: in Socket Mode connected, in HTTP mode waiting to be mounted."""

    app: AsyncApp
    mode: Literal["socket", "http"]
    handler: AsyncSocketModeHandler | None = None

    async def stop(self) -> None:
        """Close the Socket Mode connection, if there is one."""
        if self.handler is not None:
            await self.handler.close_async()


async def start_slack(
    settings: Settings, db: Database, *, working_after: float = WORKING_AFTER
) -> SlackRunner | None:
    """Start the Slack app as the settings say; return it, or None when it cannot run.

    In Socket Mode the app connects here and runs in the background. In HTTP mode it is
    returned to be mounted with `add_slack_routes` into the web server.
    """
    try:
        app = create_slack_app(settings, db, working_after=working_after)
    except SlackNotConfigured as error:
        log.info("Slack: not configured (%s); the Slack app is not started", error)
        return None
    if not uses_oauth(settings):
        try:
            found = await app.client.auth_test()
        except SlackApiError as error:
            log.error(
                "Slack: Slack refused SLACK_BOT_TOKEN (%s); the Slack app is not started",
                error.response.get("error", error.response.status_code),
            )
            return None
        log.info("Slack: the bot token is for workspace %s (%s)", found["team"], found["team_id"])
    if settings.slack_mode == "http":
        log.info("Slack: HTTP mode; requests are answered at PUBLIC_URL/slack/events")
        return SlackRunner(app, "http")
    app_token = (
        settings.slack_app_token.get_secret_value().strip() if settings.slack_app_token else ""
    )
    if not app_token:
        log.error(
            "Slack: SLACK_MODE is socket but SLACK_APP_TOKEN (xapp-...) is not set; set it, or set "
            "SLACK_MODE=http to receive requests at PUBLIC_URL/slack/events. The Slack app is not "
            "started"
        )
        return None
    handler = AsyncSocketModeHandler(app, app_token, logger=log)
    try:
        # The SDK retries a refused connection forever; asking for the address first (which it
        # then uses) turns a wrong app token into an answer.
        handler.client.wss_uri = await handler.client.issue_new_wss_url()
        await handler.connect_async()
    except SlackApiError as error:
        log.error(
            "Slack: Slack refused SLACK_APP_TOKEN (%s); the Slack app is not started",
            error.response.get("error", error.response.status_code),
        )
        await handler.close_async()
        return None
    log.info("Slack: connected over Socket Mode")
    return SlackRunner(app, "socket", handler)
