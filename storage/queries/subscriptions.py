"""Channel digests: what each channel gets, and when."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import Subscription, utcnow

Platform = Literal["discord", "slack"]
ScheduleKind = Literal["daily", "on-publish"]
# What a digest can carry, in the order it carries them.
SECTIONS: tuple[str, ...] = ("editorial", "papers", "leaderboards", "news")


@dataclass(frozen=True, slots=True)
class DigestSettings:
    """What a channel chose: when its digest comes and what it carries."""

    schedule_kind: ScheduleKind
    time_of_day: str | None
    timezone: str
    sections: tuple[str, ...]
    categories: tuple[str, ...]
    keywords: tuple[str, ...]
    alert_boards: tuple[str, ...]
    alert_top_n: int
    alert_score_threshold: float


def settings_of(subscription: Subscription) -> DigestSettings:
    """Return the choices a stored subscription holds."""
    kind: ScheduleKind = "daily" if subscription.schedule_kind == "daily" else "on-publish"
    return DigestSettings(
        schedule_kind=kind,
        time_of_day=subscription.time_of_day,
        timezone=subscription.timezone,
        sections=tuple(subscription.sections),
        categories=tuple(subscription.categories),
        keywords=tuple(subscription.keywords),
        alert_boards=tuple(subscription.alert_boards),
        alert_top_n=subscription.alert_top_n,
        alert_score_threshold=subscription.alert_score_threshold,
    )


async def get_subscription(
    session: AsyncSession, *, platform: str, channel_id: str
) -> Subscription | None:
    """Return the channel's subscription, if it has one."""
    query = select(Subscription).where(
        Subscription.platform == platform, Subscription.channel_id == channel_id
    )
    return (await session.exec(query)).first()


async def save_subscription(
    session: AsyncSession,
    *,
    platform: Platform,
    workspace_id: str,
    channel_id: str,
    user_id: str,
    settings: DigestSettings,
    skip_through: dt.date | None = None,
) -> tuple[Subscription, bool]:
    """Create or replace the channel's choices; return the subscription and whether it is new.

    A new digest skips the issues dated up to `skip_through` (those already out).
    """
    subscription = await get_subscription(session, platform=platform, channel_id=channel_id)
    created = subscription is None
    if subscription is None:
        now = utcnow()
        subscription = Subscription(
            platform=platform,
            workspace_id=workspace_id,
            channel_id=channel_id,
            created_by=user_id,
            created_at=now,
            updated_at=now,
            schedule_kind=settings.schedule_kind,
            alert_top_n=settings.alert_top_n,
            alert_score_threshold=settings.alert_score_threshold,
            skip_through=skip_through,
        )
    else:
        subscription.updated_at = utcnow()
        # A channel moved between workspaces keeps its digest but follows the move.
        subscription.workspace_id = workspace_id or subscription.workspace_id
        # Setting the digest up again is how a paused one (a channel the bot lost) resumes.
        subscription.paused_at = None
        subscription.paused_reason = None
    subscription.schedule_kind = settings.schedule_kind
    subscription.time_of_day = settings.time_of_day
    subscription.timezone = settings.timezone
    subscription.sections = list(settings.sections)
    subscription.categories = list(settings.categories)
    subscription.keywords = list(settings.keywords)
    subscription.alert_boards = list(settings.alert_boards)
    subscription.alert_top_n = settings.alert_top_n
    subscription.alert_score_threshold = settings.alert_score_threshold
    session.add(subscription)
    await session.flush()
    return subscription, created


async def delete_subscription(session: AsyncSession, *, platform: str, channel_id: str) -> bool:
    """Remove the channel's subscription; return whether it had one."""
    result = await session.exec(
        delete(Subscription).where(
            col(Subscription.platform) == platform, col(Subscription.channel_id) == channel_id
        )
    )
    return bool(result.rowcount)


async def list_subscriptions(
    session: AsyncSession, *, platform: str | None = None, workspace_id: str | None = None
) -> Sequence[Subscription]:
    """Return subscriptions, of one platform or workspace when given, oldest first."""
    query = select(Subscription)
    if platform is not None:
        query = query.where(Subscription.platform == platform)
    if workspace_id is not None:
        query = query.where(Subscription.workspace_id == workspace_id)
    return (await session.exec(query.order_by(col(Subscription.id)))).all()
