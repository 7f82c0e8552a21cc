"""The invite URL: the scopes and the channel permissions the bot needs, and no more."""

from __future__ import annotations

import discord

SCOPES = ("bot", "applications.commands")
# Slash-command answers travel over the interaction webhook and need no channel permission; these
# are for the messages the bot posts itself (a channel's digest and alerts), each for a reason:
RIGHTS = {
    "view_channel": "see the channel a digest is delivered to",
    "send_messages": "post the digest and alerts there",
    "send_messages_in_threads": "post when that channel is a thread",
    "create_public_threads": "open a discussion thread under a posted issue",
    "embed_links": "show embeds: without it Discord drops the embeds every answer is in",
    "read_message_history": "find and edit its own earlier post when an issue is corrected",
}
PERMISSIONS = discord.Permissions(**dict.fromkeys(RIGHTS, True))


def invite_url(application_id: int) -> str:
    """Return the OAuth2 URL that adds the bot to a server with exactly these rights."""
    return discord.utils.oauth_url(application_id, permissions=PERMISSIONS, scopes=SCOPES)
