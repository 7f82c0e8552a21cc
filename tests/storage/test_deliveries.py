"""Delivery rows: claims never overlap, leases run out, writes are fenced by the lease."""

from __future__ import annotations

import asyncio
import datetime as dt

from storage import Database
from storage.queries import deliveries
from storage.queries.deliveries import Planned
from tests.support.delivery import FIRST, Subscribe, published

NOW = dt.datetime(2026, 11, 19, 8, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(minutes=5)


async def planned_for(db: Database, subscribe: Subscribe, count: int) -> None:
    await published(db, FIRST, NOW)
    ids = [(await subscribe()).id for _ in range(count)]
    async with db.transaction() as session:
        await deliveries.plan_deliveries(
            session, planned=[Planned(i, "issue:2026-11-19", None, NOW) for i in ids if i]
        )


async def claim(db: Database, owner: str, *, now: dt.datetime = NOW, limit: int = 10) -> list[int]:
    async with db.transaction() as session:
        return await deliveries.claim_due(session, now=now, owner=owner, lease=LEASE, limit=limit)


async def test_workers_claiming_at_once_never_get_the_same_delivery(
    db: Database, subscribe: Subscribe
) -> None:
    await planned_for(db, subscribe, 40)
    claims = await asyncio.gather(*(claim(db, f"worker-{n}", limit=7) for n in range(8)))
    everything = [i for claimed in claims for i in claimed]
    assert len(everything) == len(set(everything)) == 40


async def test_a_lease_that_ran_out_can_be_taken_over_and_fences_the_old_owner(
    db: Database, subscribe: Subscribe
) -> None:
    await planned_for(db, subscribe, 1)
    (mine,) = await claim(db, "first")
    assert await claim(db, "second", now=NOW + dt.timedelta(minutes=1)) == []
    (taken,) = await claim(db, "second", now=NOW + LEASE + dt.timedelta(seconds=1))
    assert taken == mine
    async with db.transaction() as session:
        # The first owner, back from a long pause, can no longer record anything.
        assert not await deliveries.begin_part(
            session, delivery_id=mine, owner="first", now=NOW, lease=LEASE
        )
        assert await deliveries.begin_part(
            session, delivery_id=mine, owner="second", now=NOW, lease=LEASE
        )


async def test_a_paused_channels_deliveries_are_not_claimed(
    db: Database, subscribe: Subscribe
) -> None:
    await planned_for(db, subscribe, 2)
    (first, second) = await claim(db, "w")
    async with db.transaction() as session:
        assert await deliveries.give_up(
            session, delivery_id=first, owner="w", error="Slack refused the post: is_archived",
            pause=True,
        )  # fmt: skip
        assert await deliveries.retry_later(
            session, delivery_id=second, owner="w", at=NOW, error="503"
        )
    # The retry is due again; the paused channel's is not offered.
    assert await claim(db, "w", now=NOW + dt.timedelta(seconds=1)) == [second]
