"""Planning: the latest issue, once per channel, at each channel's own time, across DST."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, update
from sqlmodel import col
from sqlmodel import select as select_rows

from core.delivery.planner import plan, send_latest_now
from storage import Database
from storage.queries import deliveries
from storage.tables import Delivery, Issue, Subscription
from tests.support.delivery import FIRST, SECOND, Subscribe, published

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


async def planned(db: Database) -> list[tuple[int, str, dt.datetime]]:
    async with db.session() as session:
        rows = (await session.exec(select_rows(Delivery).order_by(col(Delivery.id)))).all()
        return [(d.subscription_id, d.key, d.due_at) for d in rows]


async def test_on_publish_plans_the_latest_issue_at_once_and_only_once(
    db: Database, subscribe: Subscribe
) -> None:
    channel = await subscribe()
    await published(db, FIRST, at("2026-11-19T07:00:00+00:00"))
    first = await plan(db, now=at("2026-11-19T07:00:05+00:00"))
    again = await plan(db, now=at("2026-11-19T07:01:00+00:00"))
    assert (first.created, again.created) == (1, 0)
    assert await planned(db) == [(channel.id, "issue:2026-11-19", at("2026-11-19T07:00:00+00:00"))]


@pytest.mark.parametrize(
    ("zone", "time", "published_at", "due"),
    [
        # The night clocks go forward in Paris (29 March 2026): 08:30 is CEST, 06:30 UTC.
        ("Europe/Paris", "08:30", "2026-03-28T10:00:00+00:00", "2026-03-29T06:30:00+00:00"),
        # The night they go back (25 October 2026): 08:30 is CET again, 07:30 UTC.
        ("Europe/Paris", "08:30", "2026-10-24T10:00:00+00:00", "2026-10-25T07:30:00+00:00"),
        # 02:30 does not exist in New York on 8 March 2026: it goes out at 03:30 EDT.
        ("America/New_York", "02:30", "2026-03-07T12:00:00+00:00", "2026-03-08T07:30:00+00:00"),
        # 01:30 happens twice in New York on 1 November 2026: the first one, EDT.
        ("America/New_York", "01:30", "2026-10-31T12:00:00+00:00", "2026-11-01T05:30:00+00:00"),
        # Published after today's time: tomorrow's.
        ("Asia/Tokyo", "09:00", "2026-06-01T01:00:00+00:00", "2026-06-02T00:00:00+00:00"),
    ],
)
async def test_a_daily_digest_goes_out_at_the_channels_wall_time(
    db: Database, subscribe: Subscribe, zone: str, time: str, published_at: str, due: str
) -> None:
    channel = await subscribe(time=time, timezone=zone)
    await published(db, FIRST, at(published_at))
    moment = at(due)
    early = await plan(db, now=moment - dt.timedelta(seconds=1))
    assert early.created == 0
    assert early.next_due == moment
    assert (await plan(db, now=moment)).created == 1
    assert await planned(db) == [(channel.id, "issue:2026-11-19", moment)]


async def test_a_worker_that_was_down_sends_what_fell_due_but_only_the_latest_issue(
    db: Database, subscribe: Subscribe
) -> None:
    await subscribe(time="08:00")
    await published(db, FIRST, at("2026-11-19T06:00:00+00:00"))
    await published(db, SECOND, at("2026-11-20T06:00:00+00:00"))
    # Down for two days: one delivery, of the latest issue, due at its own time.
    result = await plan(db, now=at("2026-11-22T12:00:00+00:00"))
    assert result.created == 1
    assert [(key, due) for _, key, due in await planned(db)] == [
        ("issue:2026-11-20", at("2026-11-20T08:00:00+00:00"))
    ]


async def test_a_new_digest_starts_with_the_next_issue_unless_asked_to_send_now(
    db: Database, subscribe: Subscribe
) -> None:
    await published(db, FIRST, at("2026-11-19T06:00:00+00:00"))
    later = await subscribe(skip_through=dt.date(2026, 11, 19))
    assert (await plan(db, now=at("2026-11-19T09:00:00+00:00"))).created == 0
    assert later.id is not None
    issue, created = await send_latest_now(
        db, subscription_id=later.id, now=at("2026-11-19T09:01:00+00:00")
    )
    assert issue is not None and created
    _, created_again = await send_latest_now(
        db, subscription_id=later.id, now=at("2026-11-19T09:02:00+00:00")
    )
    assert not created_again
    await published(db, SECOND, at("2026-11-20T06:00:00+00:00"))
    assert (await plan(db, now=at("2026-11-20T06:00:01+00:00"))).created == 1
    assert [key for _, key, _ in await planned(db)] == ["issue:2026-11-19", "issue:2026-11-20"]


async def test_a_paused_channel_is_not_planned(db: Database, subscribe: Subscribe) -> None:
    channel = await subscribe()
    async with db.transaction() as session:
        await session.exec(
            update(Subscription)
            .where(col(Subscription.id) == channel.id)
            .values(paused_at=at("2026-11-01T00:00:00+00:00"), paused_reason="gone")
        )
    await published(db, FIRST, at("2026-11-19T06:00:00+00:00"))
    assert (await plan(db, now=at("2026-11-19T07:00:00+00:00"))).created == 0


async def test_a_corrected_issue_reopens_what_was_sent(db: Database, subscribe: Subscribe) -> None:
    await subscribe()
    await published(db, FIRST, at("2026-11-19T06:00:00+00:00"))
    await plan(db, now=at("2026-11-19T06:00:01+00:00"))
    async with db.transaction() as session:
        (claimed,) = await deliveries.claim_due(
            session,
            now=at("2026-11-19T06:00:02+00:00"),
            owner="me",
            lease=dt.timedelta(minutes=5),
            limit=10,
        )
        assert await deliveries.finish(
            session,
            delivery_id=claimed,
            owner="me",
            now=at("2026-11-19T06:00:03+00:00"),
            content_version=at("2026-11-19T06:00:00+00:00"),
            posted=["1"],
            part_hashes=["h"],
            thread_id=None,
        )
    unchanged = await plan(db, now=at("2026-11-19T07:00:00+00:00"))
    assert unchanged.reopened == 0
    async with db.transaction() as session:
        await session.exec(update(Issue).values(updated_at=at("2026-11-19T08:00:00+00:00")))
    corrected = await plan(db, now=at("2026-11-19T08:00:05+00:00"))
    assert (corrected.created, corrected.reopened) == (0, 1)
    async with db.session() as session:
        delivery = await deliveries.get_delivery(session, delivery_id=claimed)
    assert delivery is not None and delivery.status == "pending"


async def test_planners_running_at_once_make_one_delivery_per_channel(
    db: Database, subscribe: Subscribe
) -> None:
    for _ in range(20):
        await subscribe()
    await published(db, FIRST, at("2026-11-19T06:00:00+00:00"))
    results = await asyncio.gather(
        *(plan(db, now=at("2026-11-19T06:00:01+00:00")) for _ in range(5))
    )
    assert sum(r.created for r in results) == 20
    async with db.session() as session:
        count = (await session.exec(select_rows(func.count()).select_from(Delivery))).one()
    assert count == 20
