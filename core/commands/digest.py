"""/digest: what this channel's digest would look like now."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from core import digest
from core.commands.channel import chat_platform
from core.commands.context import CommandContext
from core.commands.registry import command
from core.commands.reply import Reply, error_reply
from storage.queries import subscriptions
from storage.queries.subscriptions import settings_of


@command(
    "digest",
    "Preview this channel's digest of the latest issue",
    example="/digest",
)
async def digest_preview(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
    """Return the digest of the latest issue with this channel's choices (or every section)."""
    platform = chat_platform(ctx)
    async with ctx.db.session() as session:
        found = None
        if platform is not None:
            found = await subscriptions.get_subscription(
                session, platform=platform, channel_id=ctx.channel_id
            )
        data = await digest.load_digest(session)
    if data is None:
        return error_reply("No issue has been imported yet, so there is no digest to show.")
    settings = digest.DEFAULT_SETTINGS if found is None else settings_of(found)
    reply = digest.compose(data, settings, public_url=ctx.public_url)
    if found is None:
        note = "Every section; /subscribe sets up this channel's own digest"
    else:
        note = "This channel's digest · " + digest.describe_choices(settings)
    return dataclasses.replace(reply, footer=note)
