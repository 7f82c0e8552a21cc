"""Slack slash command names for the registry's commands.

Slack keeps some names for its built-in commands (such as `/status`, which sets a person's
status); an app command of the same name is never reached. A registry command with such a name
is `/report-NAME` on Slack; every other command keeps its name. The list is Slack's built-in
commands as its help centre gives them.
"""

from __future__ import annotations

from core.commands import REGISTRY

BUILT_IN = frozenset(
    {
        "active", "apps", "archive", "away", "call", "collapse", "dm", "dnd", "expand", "feed",
        "feedback", "invite", "leave", "me", "msg", "mute", "open", "prefs", "remind", "remove",
        "rename", "search", "shortcuts", "shrug", "star", "status", "topic", "who", "workflows",
    }
)  # fmt: skip
PREFIX = "report-"


def slack_command(name: str) -> str:
    """Return the slash command a registry command is on Slack: `/top`, `/report-status`."""
    return f"/{PREFIX}{name}" if name in BUILT_IN else f"/{name}"


def registry_name(command: str) -> str | None:
    """Return the registry command a Slack slash command runs, or None if it runs none."""
    name = command.strip().removeprefix("/").casefold()
    if name in REGISTRY and name not in BUILT_IN:
        return name
    bare = name.removeprefix(PREFIX)
    if name.startswith(PREFIX) and bare in REGISTRY:
        return bare
    return None
