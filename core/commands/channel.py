"""The channel a command is asked in: whether it can have a digest, who may change it."""

from __future__ import annotations

import datetime as dt

from core.commands.context import CommandContext
from core.commands.reply import Reply, error_reply
from core.commands.schedule import describe_schedule, format_moment, next_delivery
from storage.queries.subscriptions import DigestSettings, Platform

CHAT_PLATFORMS: tuple[Platform, ...] = ("discord", "slack")


def chat_platform(ctx: CommandContext) -> Platform | None:
    """Return the chat platform of the channel asked in, or None outside a chat channel."""
    for platform in CHAT_PLATFORMS:
        if ctx.platform == platform and ctx.channel_id:
            return platform
    return None


def not_a_channel(name: str) -> Reply:
    """Return the answer to a digest command asked outside a Discord or Slack channel."""
    return error_reply(f"Digests go to Discord and Slack channels: use /{name} in one.")


def cannot_manage(ctx: CommandContext) -> Reply | None:
    """Return a refusal unless the person may manage the channel."""
    if ctx.can_manage_channel:
        return None
    return error_reply(
        "Only members who can manage this channel can change its digest. "
        "Anyone can see it with /subscriptions."
    )


def managed_channel(ctx: CommandContext, name: str) -> Platform | Reply:
    """Return the chat platform of a channel the person may manage, or the answer why not."""
    platform = chat_platform(ctx)
    if platform is None:
        return not_a_channel(name)
    return cannot_manage(ctx) or platform


def settings_fields(settings: DigestSettings, now: dt.datetime) -> tuple[tuple[str, str], ...]:
    """Return a digest's choices as named values, with its next delivery after `now`."""
    return (
        ("Schedule", describe_schedule(settings)),
        ("Next delivery", describe_next(settings, now)),
        ("Sections", ", ".join(settings.sections)),
        ("Papers", describe_papers(settings)),
        ("Alerts", describe_alerts(settings)),
    )


def describe_next(settings: DigestSettings, now: dt.datetime) -> str:
    """Return when the digest next goes out, in its timezone."""
    moment = next_delivery(settings, now)
    if moment is None:
        return "when the next issue is published"
    return format_moment(moment)


def describe_papers(settings: DigestSettings) -> str:
    """Return which papers a digest carries."""
    parts = []
    if settings.categories:
        parts.append("in " + ", ".join(settings.categories))
    if settings.keywords:
        parts.append("mentioning " + ", ".join(f'"{k}"' for k in settings.keywords))
    return " or ".join(parts) if parts else "all"


def describe_alerts(settings: DigestSettings) -> str:
    """Return which leaderboards a digest alerts on, and to what."""
    if not settings.alert_boards:
        return "none"
    return (
        f"{', '.join(settings.alert_boards)} (a new leader, entries and exits of the top "
        f"{settings.alert_top_n}, scores moving {settings.alert_score_threshold:g} or more)"
    )
