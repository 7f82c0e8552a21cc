"""/digest: what this channel's digest would look like now."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from core import digest
from core.commands.channel import chat_platform, managed_channel
from core.commands.context import CommandContext
from core.commands.registry import Option, command
from core.commands.reply import Reply, error_reply
from storage.queries import subscriptions
from storage.queries.subscriptions import settings_of


@command(
    "digest",
    "Preview this channel's digest of the latest issue, or send it now",
    Option("send", "text", "now: post the latest issue here as the channel's digest"),
    example="/digest",
)
async def digest_preview(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
    """Return the digest of the latest issue with this channel's choices (or every section)."""
    if args.get("send"):
        return await _send_now(ctx, args["send"])
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


async def _send_now(ctx: CommandContext, word: str) -> Reply:
    """Plan the latest issue for this channel at once, through delivery: recorded, sent once."""
    # Imported here: delivery composes digests with this package's replies.
    from core.delivery import signals
    from core.delivery.planner import send_latest_now

    if word.strip().casefold() != "now":
        return error_reply(f"send takes now (/digest send:now), not {word!r}.")
    platform = managed_channel(ctx, "digest send:now")
    if isinstance(platform, Reply):
        return platform
    async with ctx.db.session() as session:
        found = await subscriptions.get_subscription(
            session, platform=platform, channel_id=ctx.channel_id
        )
    if found is None or found.id is None:
        return error_reply("This channel has no digest yet: set one up with /subscribe first.")
    issue, created = await send_latest_now(ctx.db, subscription_id=found.id, now=ctx.clock())
    if issue is None:
        return error_reply("No issue has been imported yet, so there is nothing to send.")
    when = issue.date.isoformat()
    if not created:
        return Reply(title=f"This channel has the issue of {when} already.", ephemeral=True)
    signals.planned()
    return Reply(
        title=f"The issue of {when} is on its way to this channel.",
        footer="It comes as this channel's digest, with its choices; /status shows how it went.",
        ephemeral=True,
    )
