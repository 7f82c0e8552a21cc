"""Who may change a channel's digest on Slack: workspace admins and owners, and its creator."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.logs import log


async def can_manage_channel(client: AsyncWebClient, *, user_id: str, channel_id: str) -> bool:
    """Return whether the person may manage the channel.

    Workspace admins and owners may (users.info), and so may the person who created the channel
    (conversations.info); in a direct message with the app, the person it is with. Anything
    Slack refuses to tell counts as no, and is logged.
    """
    if not user_id or not channel_id:
        return False
    try:
        user = (await client.users_info(user=user_id))["user"]
        if user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"):
            return True
        channel = (await client.conversations_info(channel=channel_id))["channel"]
    except SlackApiError as error:
        log.warning(
            "Slack: cannot tell whether %s may manage %s (%s); treating as no",
            user_id,
            channel_id,
            error.response.get("error", error.response.status_code),
        )
        return False
    if channel.get("is_im"):
        return bool(channel.get("user") == user_id)
    return bool(channel.get("creator") == user_id)
