"""The app manifest in the repository: every registry command, the scopes the app uses."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.slack.manifest import BOT_EVENTS, BOT_SCOPES, manifest, manifest_yaml
from bot.slack.names import BUILT_IN, registry_name, slack_command
from core.commands import REGISTRY

PROJECT = Path(__file__).resolve().parents[3]
MANIFEST = PROJECT / "slack-manifest.yml"
PUBLIC = "https://report.example"
# Web API methods the app calls, and a bot scope that lets it (docs.slack.dev/reference/methods).
METHOD_SCOPES = {
    "users.info": {"users:read"},
    "conversations.info": {"channels:read", "groups:read", "im:read", "mpim:read"},
    "chat.postMessage": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.delete": {"chat:write"},
    "conversations.history": {"channels:history", "groups:history", "im:history", "mpim:history"},
    "conversations.replies": {"channels:history", "groups:history", "im:history", "mpim:history"},
    "views.publish": set(),
}


def test_the_manifest_in_the_repository_is_the_one_the_registry_makes() -> None:
    # Regenerate with `inference-report slack manifest > slack-manifest.yml`.
    assert MANIFEST.read_text() == manifest_yaml(PUBLIC, "socket")


def test_every_registry_command_is_a_slash_command_and_nothing_else() -> None:
    loaded = yaml.safe_load(MANIFEST.read_text())
    commands = {c["command"] for c in loaded["features"]["slash_commands"]}
    assert commands == {slack_command(name) for name in REGISTRY}
    for command in commands:
        assert registry_name(command) in REGISTRY
        assert re.fullmatch(r"/[a-z0-9_-]{1,31}", command), command
    for name in REGISTRY:
        # A name Slack keeps for itself would never reach the app.
        assert slack_command(name).removeprefix("/") not in BUILT_IN


def test_usage_hints_and_descriptions_come_from_the_registry() -> None:
    by_command = {c["command"]: c for c in manifest(PUBLIC)["features"]["slash_commands"]}
    top = by_command["/top"]
    assert top["usage_hint"] == "<leaderboard> [n] [date]"
    assert top["description"] == REGISTRY["top"].description
    assert "usage_hint" not in by_command["/help"]


def test_socket_mode_needs_no_address() -> None:
    socket = manifest(PUBLIC, "socket")
    assert socket["settings"]["socket_mode_enabled"] is True
    assert PUBLIC not in yaml.safe_dump(socket)


def test_http_mode_sends_everything_to_the_events_endpoint() -> None:
    http = manifest(PUBLIC + "/", "http")
    events = f"{PUBLIC}/slack/events"
    assert http["settings"]["socket_mode_enabled"] is False
    assert {c["url"] for c in http["features"]["slash_commands"]} == {events}
    assert http["settings"]["event_subscriptions"]["request_url"] == events
    assert http["settings"]["interactivity"]["request_url"] == events
    assert http["oauth_config"]["redirect_urls"] == [f"{PUBLIC}/slack/oauth_redirect"]


def test_the_scopes_and_events_are_the_ones_the_app_uses() -> None:
    scopes = set(manifest(PUBLIC)["oauth_config"]["scopes"]["bot"])
    assert scopes == set(BOT_SCOPES)
    assert "commands" in scopes
    for method, needed in METHOD_SCOPES.items():
        assert needed <= scopes, method
    events = manifest(PUBLIC)["settings"]["event_subscriptions"]["bot_events"]
    assert events == list(BOT_EVENTS) and "app_home_opened" in events
    assert manifest(PUBLIC)["features"]["app_home"]["home_tab_enabled"] is True
