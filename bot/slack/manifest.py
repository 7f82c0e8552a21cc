"""The Slack app manifest, written from the registry: what a person pastes into Slack.

Every registry command is a slash command (by its Slack name, see names.py); the bot scopes are
the ones the app uses, each for a reason; the events are the Home tab and uninstalls. In Socket
Mode Slack needs no address; in HTTP mode commands, events and clicks all go to
`PUBLIC_URL/slack/events` and OAuth returns to `PUBLIC_URL/slack/oauth_redirect`.
"""

from __future__ import annotations

from typing import Any, Literal

import yaml

from bot.slack.names import slack_command
from core.commands import all_commands
from core.commands.registry import Command

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
NAME = "The Inference Report"
# Slack's limits on a slash command's description and usage hint in a manifest.
MAX_DESCRIPTION = 100
MAX_USAGE_HINT = 100

BOT_SCOPES: dict[str, str] = {
    "commands": "the slash commands",
    "chat:write": "post the digest and alerts in channels the app is in, and correct them",
    "chat:write.public": "post a digest in a public channel without being invited to it",
    "users:read": "tell workspace admins and owners, who may change any channel's digest",
    "channels:read": "tell who created a public channel, who may change its digest",
    "groups:read": "the same for private channels",
    "im:read": "the same for a direct message with the app",
    "mpim:read": "the same for group direct messages",
    "channels:history": "find a digest message whose posting was cut short, before posting again",
    "groups:history": "the same in private channels",
    "im:history": "the same in a direct message with the app",
    "mpim:history": "the same in group direct messages",
}
BOT_EVENTS: dict[str, str] = {
    "app_home_opened": "show the Home tab",
    "app_uninstalled": "forget a workspace's installation when the app is removed",
    "tokens_revoked": "forget a token Slack revoked",
}

Mode = Literal["socket", "http"]


def manifest(public_url: str, mode: Mode = "socket") -> dict[str, Any]:
    """Return the app manifest for Socket Mode or for HTTP requests to `public_url`."""
    base = public_url.rstrip("/")
    http = mode == "http"
    commands = []
    for command in all_commands():
        entry: dict[str, Any] = {
            "command": slack_command(command.name),
            "description": _fit(command.description, MAX_DESCRIPTION),
            "should_escape": False,
        }
        hint = usage_hint(command)
        if hint:
            entry["usage_hint"] = hint
        if http:
            entry["url"] = base + EVENTS_PATH
        commands.append(entry)
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": list(BOT_EVENTS)},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": not http,
        "token_rotation_enabled": False,
    }
    oauth: dict[str, Any] = {"scopes": {"bot": list(BOT_SCOPES)}}
    if http:
        settings["event_subscriptions"]["request_url"] = base + EVENTS_PATH
        settings["interactivity"]["request_url"] = base + EVENTS_PATH
        oauth["redirect_urls"] = [base + REDIRECT_PATH]
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": NAME,
            "description": "Daily AI research, benchmarks and the newsletter's digest.",
            "long_description": (
                "The Inference Report is a daily AI newsletter: an editorial, research papers "
                "and two benchmark tables. Ask for a leaderboard (/top swe-rebench), search the "
                "papers (/paper batching), read an issue (/issue), or have a channel get the "
                "digest every morning (/subscribe time:08:30). The Home tab shows the latest "
                "issue, the top of each leaderboard and this workspace's digests."
            ),
            "background_color": "#3b5bdb",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": False,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": "inference-report", "always_online": True},
            "slash_commands": commands,
        },
        "oauth_config": oauth,
        "settings": settings,
    }


def usage_hint(command: Command) -> str:
    """Return what follows the command as typed: `<leaderboard> [n] [date]`."""
    return _fit(command.usage.partition(" ")[2], MAX_USAGE_HINT)


def _fit(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def manifest_yaml(public_url: str, mode: Mode = "socket") -> str:
    """Return the manifest as YAML, with a header saying how it was made."""
    header = (
        "# The Slack app manifest of The Inference Report, written by\n"
        f"# `inference-report slack manifest{' --mode http' if mode == 'http' else ''}`"
        " from the command registry.\n"
        "# Paste it at https://api.slack.com/apps > Create New App > From a manifest.\n"
    )
    body = yaml.safe_dump(
        manifest(public_url, mode), sort_keys=False, allow_unicode=True, width=100
    )
    return header + str(body)
