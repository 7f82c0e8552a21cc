"""Plan deliveries: for each channel, the latest issue, once, at the channel's time.

A daily digest carries the latest issue at the first of the channel's times after the issue was
published; a digest on publish carries it at once. Only the latest issue is ever planned, so a
channel never gets a flood of the backlog after a pause or an outage; a new digest skips the
issues already out when it was set up (`skip_through`). A corrected issue reopens the deliveries
already sent, which then edit their messages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from core.commands.schedule import next_delivery
from core.delivery.alerts import latest_board_news
from storage import Database
from storage.queries import deliveries, issues, subscriptions
from storage.queries.deliveries import Planned, issue_key
from storage.queries.subscriptions import DigestSettings, settings_of
from storage.tables import Issue, Subscription

# Corrections are followed for this long after an issue: later edits change the page, not posts.
CORRECTION_WINDOW = dt.timedelta(days=7)


@dataclass(frozen=True, slots=True)
class PlanResult:
    """What a planning pass did, and when the next one is worth running."""

    created: int
    reopened: int
    next_due: dt.datetime | None


def due_at(settings: DigestSettings, published: dt.datetime) -> dt.datetime:
    """Return when a digest with these choices carries an issue published at `published`."""
    moment = next_delivery(settings, published)
    return published if moment is None else moment.astimezone(dt.UTC)


def wants(subscription: Subscription, issue: Issue) -> bool:
    """Return whether a channel's digest is to carry `issue` on schedule."""
    if subscription.paused_at is not None:
        return False
    return subscription.skip_through is None or issue.date > subscription.skip_through


async def plan(db: Database, *, now: dt.datetime) -> PlanResult:
    """Create the deliveries due by `now`; return them counted, with the next moment one is due."""
    upcoming: list[dt.datetime] = []
    async with db.transaction() as session:
        reopened = await deliveries.reopen_corrected(
            session, now=now, since=now - CORRECTION_WINDOW
        )
        latest = await issues.latest_issue(session)
        planned: list[Planned] = []
        if latest is not None and latest.id is not None:
            key = issue_key(latest.date)
            done = await deliveries.planned_subscriptions(session, key=key)
            for subscription in await subscriptions.list_subscriptions(session):
                if subscription.id is None or subscription.id in done:
                    continue
                if not wants(subscription, latest):
                    continue
                when = due_at(settings_of(subscription), latest.created_at)
                if when <= now:
                    planned.append(Planned(subscription.id, key, latest.id, when))
                else:
                    upcoming.append(when)
        planned += await _alerts(session)
        created = await deliveries.plan_deliveries(session, planned=planned)
        retry = await deliveries.next_retry(session)
    if retry is not None and retry > now:
        upcoming.append(retry)
    return PlanResult(created=created, reopened=reopened, next_due=min(upcoming, default=None))


async def _alerts(session: AsyncSession) -> list[Planned]:
    """Return the alerts due: each watching channel, once per board snapshot between issues."""
    found = await latest_board_news(session)
    if not found:
        return []
    done = set()
    for news in found:
        done |= {
            (i, news.key) for i in await deliveries.planned_subscriptions(session, key=news.key)
        }
    planned = []
    for subscription in await subscriptions.list_subscriptions(session):
        if subscription.id is None or subscription.paused_at is not None:
            continue
        for news in found:
            if news.board.slug not in subscription.alert_boards:
                continue
            # A channel hears of what changed after it subscribed, not of older news.
            if news.snapshot.created_at < subscription.created_at:
                continue
            if (subscription.id, news.key) in done:
                continue
            if news.changes(settings_of(subscription)):
                planned.append(Planned(subscription.id, news.key, None, news.snapshot.created_at))
    return planned


async def send_latest_now(
    db: Database, *, subscription_id: int, now: dt.datetime
) -> tuple[Issue | None, bool]:
    """Plan the latest issue for one channel at once; return it and whether it was new to it."""
    async with db.transaction() as session:
        latest = await issues.latest_issue(session)
        if latest is None or latest.id is None:
            return None, False
        created = await deliveries.plan_deliveries(
            session,
            planned=[Planned(subscription_id, issue_key(latest.date), latest.id, now)],
        )
    return latest, created > 0
