"""Digests posted to Discord by the real discord.py client, against the fake Discord's limits."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import discord
import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.discord.delivery import DiscordPoster, delivery_client
from bot.discord.endpoints import use_api
from core.delivery import Dispatcher, MemoryBudget, signals
from core.delivery.planner import plan
from core.delivery.scheduler import DeliveryScheduler
from core.ingest.store import ingest
from storage import Database
from storage.queries import deliveries
from storage.tables import Delivery, Issue, Subscription
from tests.fakes.discord import FakeDiscord
from tests.support.delivery import FIRST, SECOND, Subscribe, fetched, published
from tests.support.reports import long_report

PUBLIC_URL = "https://report.example"
NOW = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
async def client(fake_discord: FakeDiscord) -> AsyncIterator[discord.Client]:
    """Return a discord.py client logged in to the fake Discord over REST."""
    use_api(fake_discord.api_base_url)
    found = await delivery_client(fake_discord.token)
    yield found
    await found.close()


def dispatcher(db: Database, client: discord.Client, *, clock: object = None) -> Dispatcher:
    poster = DiscordPoster(client, MemoryBudget(), per_second=50)
    kwargs = {} if clock is None else {"clock": clock}
    return Dispatcher(db, {"discord": poster}, public_url=PUBLIC_URL, **kwargs)  # type: ignore[arg-type]


async def channels(db: Database, fake: FakeDiscord, subscribe: Subscribe, count: int) -> list[str]:
    """Subscribe `count` new channels of the fake's guild, on publish; return their ids."""
    ids = fake.add_channels(count)
    for channel_id in ids:
        await subscribe(channel_id=channel_id, workspace_id=fake.guild.id)
    return ids


async def delivered(db: Database) -> list[Delivery]:
    async with db.session() as session:
        return list((await session.exec(select(Delivery).order_by(col(Delivery.id)))).all())


async def test_each_channel_gets_one_post_that_pings_no_one(
    db: Database, fake_discord: FakeDiscord, client: discord.Client, subscribe: Subscribe
) -> None:
    ids = await channels(db, fake_discord, subscribe, 12)
    await published(db, FIRST, NOW - dt.timedelta(minutes=1))
    assert (await plan(db, now=NOW)).created == 12
    outcomes = await dispatcher(db, client).drain()
    assert sorted(o.status for o in outcomes) == ["sent"] * 12
    for channel_id in ids:
        (message,) = fake_discord.messages_in(channel_id)
        assert message["embeds"][0]["title"] == "The Inference Report — 2026-11-19"
        assert message["allowed_mentions"] == {"parse": []}
        assert message["mention_everyone"] is False
    rows = await delivered(db)
    assert {r.status for r in rows} == {"sent"} and all(len(r.posted) == 1 for r in rows)
    # Nothing more to do: a second drain sends nothing.
    assert await dispatcher(db, client).drain() == []
    assert sum(fake_discord.deliveries().values()) == 12


async def test_a_long_digest_is_one_post_with_the_rest_in_a_thread(
    db: Database, fake_discord: FakeDiscord, client: discord.Client, subscribe: Subscribe
) -> None:
    (channel_id,) = await channels(db, fake_discord, subscribe, 1)
    await ingest(db, long_report(dt.date(2026, 11, 21), papers=90))
    await plan(db, now=dt.datetime.now(dt.UTC))
    await dispatcher(db, client).drain()
    (row,) = await delivered(db)
    assert row.status == "sent" and len(row.posted) >= 2
    (main,) = fake_discord.messages_in(channel_id)
    assert row.thread_id == main["id"]
    overflow = fake_discord.messages_in(row.thread_id)
    assert [m["id"] for m in overflow] == row.posted[1:]


async def test_a_forbidden_channel_is_paused_and_the_others_still_get_theirs(
    db: Database, fake_discord: FakeDiscord, client: discord.Client, subscribe: Subscribe
) -> None:
    first, second, third = await channels(db, fake_discord, subscribe, 3)
    fake_discord.forbid(second)
    fake_discord.delete_channel(third)
    await published(db, FIRST, NOW)
    await plan(db, now=NOW + dt.timedelta(seconds=1))
    await dispatcher(db, client).drain()
    assert len(fake_discord.messages_in(first)) == 1
    async with db.session() as session:
        subs = {s.channel_id: s for s in (await session.exec(select(Subscription))).all()}
    assert subs[first].paused_at is None
    assert "403" in (subs[second].paused_reason or "")
    assert "404" in (subs[third].paused_reason or "")
    statuses = sorted(r.status for r in await delivered(db))
    assert statuses == ["failed", "failed", "sent"]


async def test_an_answer_lost_after_discord_posted_is_not_a_second_post(
    db: Database, fake_discord: FakeDiscord, client: discord.Client, subscribe: Subscribe
) -> None:
    (channel_id,) = await channels(db, fake_discord, subscribe, 1)
    # Discord posts the message, then answers 500: discord.py retries with the same nonce.
    fake_discord.fail_after_commit("POST", f"/channels/{channel_id}/messages", status=500)
    await published(db, FIRST, NOW)
    await plan(db, now=NOW + dt.timedelta(seconds=1))
    await dispatcher(db, client).drain()
    assert len(fake_discord.messages_in(channel_id)) == 1
    (row,) = await delivered(db)
    assert row.status == "sent" and row.posted == [fake_discord.messages_in(channel_id)[0]["id"]]


async def test_a_post_in_doubt_for_longer_than_the_nonce_lasts_is_looked_for_first(
    db: Database, fake_discord: FakeDiscord, client: discord.Client, subscribe: Subscribe
) -> None:
    (channel_id,) = await channels(db, fake_discord, subscribe, 1)
    # The connection drops after Discord posted: the attempt fails with the post in doubt.
    fake_discord.fail_after_commit("POST", f"/channels/{channel_id}/messages", drop=True, count=5)
    await published(db, FIRST, NOW)
    await plan(db, now=NOW + dt.timedelta(seconds=1))
    clock = [dt.datetime.now(dt.UTC)]
    first = await dispatcher(db, client, clock=lambda: clock[0]).drain()
    assert [o.status for o in first] == ["retrying"]
    (row,) = await delivered(db)
    assert row.in_doubt_since is not None and row.posted == []
    assert len(fake_discord.messages_in(channel_id)) == 1
    # An hour later (past the nonce's few minutes) another process takes it up.
    clock[0] += dt.timedelta(hours=1)
    second = await dispatcher(db, client, clock=lambda: clock[0]).drain()
    assert [(o.status, o.error) for o in second] == [("sent", None)]
    (message,) = fake_discord.messages_in(channel_id)
    (row,) = await delivered(db)
    assert row.posted == [message["id"]]
    assert fake_discord.calls("GET", f"/channels/{channel_id}/messages")


async def test_a_corrected_issue_edits_the_post_instead_of_posting_again(
    db: Database, fake_discord: FakeDiscord, client: discord.Client, subscribe: Subscribe
) -> None:
    (channel_id,) = await channels(db, fake_discord, subscribe, 1)
    await published(db, SECOND, NOW)
    await plan(db, now=NOW + dt.timedelta(seconds=1))
    await dispatcher(db, client).drain()
    (before,) = fake_discord.messages_in(channel_id)
    async with db.transaction() as session:
        await session.exec(
            update(Issue).values(
                editorial=["A corrected first paragraph."], updated_at=NOW + dt.timedelta(hours=1)
            )
        )
    assert (await plan(db, now=NOW + dt.timedelta(hours=1, seconds=1))).reopened == 1
    await dispatcher(db, client).drain()
    (after,) = fake_discord.messages_in(channel_id)
    assert after["id"] == before["id"] and after["edited_timestamp"] is not None
    assert "A corrected first paragraph." in after["embeds"][0]["description"]
    assert fake_discord.calls("PATCH", f"/channels/{channel_id}/messages/*")


async def test_a_transient_error_is_retried_later_and_counted(
    db: Database, fake_discord: FakeDiscord, client: discord.Client, subscribe: Subscribe
) -> None:
    (channel_id,) = await channels(db, fake_discord, subscribe, 1)
    # discord.py retries 500, 502, 504 itself; a 503 comes back to delivery, which retries later.
    fake_discord.fail("POST", f"/channels/{channel_id}/messages", status=503, count=1)
    await published(db, FIRST, NOW)
    await plan(db, now=NOW + dt.timedelta(seconds=1))
    clock = [dt.datetime.now(dt.UTC)]
    (outcome,) = await dispatcher(db, client, clock=lambda: clock[0]).drain()
    assert outcome.status == "retrying" and "503" in (outcome.error or "")
    (row,) = await delivered(db)
    assert row.attempts == 1 and row.next_attempt_at > clock[0]
    assert await dispatcher(db, client, clock=lambda: clock[0]).drain() == []
    clock[0] = row.next_attempt_at + dt.timedelta(seconds=1)
    (outcome,) = await dispatcher(db, client, clock=lambda: clock[0]).drain()
    assert outcome.status == "sent"
    assert len(fake_discord.messages_in(channel_id)) == 1
    async with db.session() as session:
        assert await deliveries.last_sent(session, subscription_id=row.subscription_id)


async def test_a_leaderboard_alert_between_issues_is_one_post(
    db: Database, fake_discord: FakeDiscord, client: discord.Client, subscribe: Subscribe
) -> None:
    (channel_id,) = await channels(db, fake_discord, subscribe, 1)
    async with db.transaction() as session:
        await session.exec(
            update(Subscription).values(alert_boards=["swe-rebench"], created_at=NOW)
        )
    await published(db, SECOND, NOW)
    await fetched(db, dt.date(2026, 11, 22), swap=False, at=NOW + dt.timedelta(hours=1))
    await fetched(db, dt.date(2026, 11, 23), swap=True, at=NOW + dt.timedelta(days=1))
    await plan(db, now=NOW + dt.timedelta(days=1, seconds=1))
    await dispatcher(db, client).drain()
    posts = {m["embeds"][0]["title"]: m for m in fake_discord.messages_in(channel_id)}
    assert sorted(posts) == ["SWE-rebench — 2026-11-23", "The Inference Report — 2026-11-20"]
    embed = posts["SWE-rebench — 2026-11-23"]["embeds"][0]
    assert "is the new #1" in embed["description"]
    assert {r.status for r in await delivered(db)} == {"sent"}


async def test_the_scheduler_sends_at_once_on_publish_and_wakes_for_a_retry(
    db: Database, fake_discord: FakeDiscord, client: discord.Client, subscribe: Subscribe
) -> None:
    (channel_id,) = await channels(db, fake_discord, subscribe, 1)
    poster = DiscordPoster(client, MemoryBudget(), per_second=50)
    # Retries come back within a second; the regular tick is an hour away, so only the
    # scheduler's own wake-ups can send anything in this test.
    sender = Dispatcher(db, {"discord": poster}, public_url=PUBLIC_URL, backoff_base=0.5)
    scheduler = DeliveryScheduler(db, sender, poll_seconds=3600)
    scheduler.start()
    try:
        await asyncio.sleep(0.2)  # the first tick: nothing is published yet
        fake_discord.fail("POST", f"/channels/{channel_id}/messages", status=503, count=1)
        await published(db, FIRST, dt.datetime.now(dt.UTC))
        signals.planned()  # what an import in this process says
        async with asyncio.timeout(10):
            while not fake_discord.messages_in(channel_id):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
    finally:
        await scheduler.stop()
    (row,) = await delivered(db)
    assert row.status == "sent" and row.attempts == 1
    assert len(fake_discord.messages_in(channel_id)) == 1
