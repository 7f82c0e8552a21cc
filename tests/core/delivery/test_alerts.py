"""Leaderboard alerts between issues: planned once per channel watching the board, if it changed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlmodel import col, select

from core.delivery.alerts import latest_board_news
from core.delivery.planner import plan
from storage import Database
from storage.tables import Delivery, Subscription
from tests.support.delivery import SECOND, SOURCE, Subscribe, fetched, published

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


async def test_a_board_fetched_between_issues_alerts_the_channels_watching_it(
    db: Database, subscribe: Subscribe
) -> None:
    await published(db, SECOND, NOW - dt.timedelta(days=3))
    watching = await subscribe(alert_boards=("swe-rebench",))
    await subscribe(alert_boards=("artificial-analysis",))
    await subscribe()
    async with db.transaction() as session:
        await session.exec(update(Subscription).values(created_at=NOW - dt.timedelta(days=2)))
    # The first fetch has nothing of its source to compare with: no alert.
    await fetched(db, dt.date(2026, 11, 21), swap=False, at=NOW - dt.timedelta(days=1))
    first = await plan(db, now=NOW - dt.timedelta(days=1))
    assert first.created == 3  # the issue, to each channel; no alert yet
    # The next day's page has a new leader: one alert, to the channel watching the board.
    await fetched(db, dt.date(2026, 11, 22), swap=True, at=NOW)
    async with db.session() as session:
        (news,) = await latest_board_news(session)
    assert news.key == f"alert:swe-rebench:2026-11-22:{SOURCE}"
    result = await plan(db, now=NOW + dt.timedelta(seconds=1))
    assert result.created == 1
    again = await plan(db, now=NOW + dt.timedelta(seconds=2))
    assert again.created == 0
    async with db.session() as session:
        alert = (
            await session.exec(select(Delivery).where(col(Delivery.key).startswith("alert:")))
        ).one()
    assert alert.subscription_id == watching.id


async def test_a_fetch_that_changed_nothing_worth_an_alert_sends_none(
    db: Database, subscribe: Subscribe
) -> None:
    await published(db, SECOND, NOW - dt.timedelta(days=3))
    await subscribe(alert_boards=("swe-rebench",))
    async with db.transaction() as session:
        await session.exec(update(Subscription).values(created_at=NOW - dt.timedelta(days=2)))
    await fetched(db, dt.date(2026, 11, 21), swap=False, at=NOW - dt.timedelta(days=1))
    await fetched(db, dt.date(2026, 11, 22), swap=False, at=NOW)
    await plan(db, now=NOW - dt.timedelta(days=1))
    assert (await plan(db, now=NOW + dt.timedelta(seconds=1))).created == 0
