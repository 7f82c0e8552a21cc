"""/status: this channel's digest deliveries and the health of the sources."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from core import digest
from core.commands.channel import chat_platform, describe_next
from core.commands.context import CommandContext
from core.commands.registry import command
from core.commands.reply import Fields, Reply
from core.commands.schedule import describe_schedule
from core.sources.health import summarise
from storage.queries import deliveries, issues, sources, subscriptions
from storage.queries.subscriptions import settings_of
from storage.tables import Delivery, Subscription

NO_DELIVERY_YET = "none yet"

Pairs = tuple[tuple[str, str], ...]


@command(
    "status",
    "Show this channel's last and next digest, failures and source health",
    example="/status",
)
async def status(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
    """Return when this channel's digest went and goes out, and how fresh the data is."""
    platform = chat_platform(ctx)
    async with ctx.db.session() as session:
        found = None
        if platform is not None:
            found = await subscriptions.get_subscription(
                session, platform=platform, channel_id=ctx.channel_id
            )
        history: tuple[Delivery | None, Delivery | None] = (None, None)
        if found is not None and found.id is not None:
            history = (
                await deliveries.last_sent(session, subscription_id=found.id),
                await deliveries.latest_trouble(session, subscription_id=found.id),
            )
        latest = await issues.latest_issue(session)
        boards = await digest.load_boards(session)
        source_states = await sources.list_states(session)
    pairs = _delivery(found, ctx.clock(), *history, in_channel=platform is not None)
    if latest is None:
        pairs += (("Latest issue", "none imported yet"),)
    else:
        imported = latest.updated_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        pairs += (("Latest issue", f"{latest.date.isoformat()}, imported {imported}"),)
    tables = ", ".join(f"{s.board.slug} as of {s.as_of.isoformat()}" for s in boards)
    pairs += (("Leaderboards", tables or "none imported yet"),)
    pairs += (("Sources", summarise(source_states)),)
    return Reply(title="Status", blocks=(Fields(pairs),))


def _delivery(
    found: Subscription | None,
    now: dt.datetime,
    last: Delivery | None,
    trouble: Delivery | None,
    *,
    in_channel: bool,
) -> Pairs:
    if found is None:
        where = "set one up with /subscribe" if in_channel else "digests go to Discord and Slack"
        return (("Digest", f"none ({where})"),)
    settings = settings_of(found)
    if found.paused_at is not None:
        reason = f": {found.paused_reason}" if found.paused_reason else ""
        failures = f"paused since {found.paused_at:%Y-%m-%d %H:%M} UTC{reason}"
        upcoming = "none while paused"
    else:
        failures = _trouble(trouble)
        upcoming = describe_next(settings, now)
    return (
        ("Digest", describe_schedule(settings)),
        ("Next delivery", upcoming),
        ("Last delivery", _last(last)),
        ("Failures", failures),
    )


def _last(last: Delivery | None) -> str:
    if last is None or last.sent_at is None:
        return NO_DELIVERY_YET
    what = last.key.removeprefix("issue:")
    return f"the issue of {what}, {last.sent_at:%Y-%m-%d %H:%M} UTC"


def _trouble(trouble: Delivery | None) -> str:
    if trouble is None:
        return "none"
    what = trouble.key.removeprefix("issue:")
    tries = f"{trouble.attempts} attempt{'' if trouble.attempts == 1 else 's'}"
    if trouble.status == "failed":
        return f"the issue of {what} could not be sent ({tries}): {trouble.last_error}"
    return (
        f"the issue of {what}: {tries} failed ({trouble.last_error}); "
        f"next try {trouble.next_attempt_at:%Y-%m-%d %H:%M} UTC"
    )
