"""Digests posted to Slack by the real slack_sdk client, against the fake Slack's limits."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.slack.delivery import SlackPoster
from core.delivery import Dispatcher, MemoryBudget
from core.delivery.planner import plan
from core.ingest.store import ingest
from storage import Database
from storage.tables import Delivery, Issue, Subscription
from tests.fakes.slack import FakeSlack
from tests.support.delivery import FIRST, SECOND, Subscribe, published
from tests.support.reports import long_report

PUBLIC_URL = "https://report.example"
NOW = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)


OPEN: list[SlackPoster] = []


@pytest.fixture(autouse=True)
async def close_posters() -> AsyncIterator[None]:
    """Close the HTTP sessions of the posters a test made."""
    yield
    while OPEN:
        await OPEN.pop().close()


def dispatcher(db: Database, fake: FakeSlack, *, clock: object = None) -> Dispatcher:
    async def tokens(team_id: str) -> str | None:
        team = fake.teams.get(team_id)
        return None if team is None else team.bot_token

    poster = SlackPoster(
        tokens, MemoryBudget(), base_url=fake.api_url, per_minute=300, channel_per_second=1.0
    )
    OPEN.append(poster)
    kwargs = {} if clock is None else {"clock": clock}
    return Dispatcher(db, {"slack": poster}, public_url=PUBLIC_URL, **kwargs)  # type: ignore[arg-type]


async def channels(db: Database, fake: FakeSlack, subscribe: Subscribe, count: int) -> list[str]:
    ids = fake.add_channels(fake.team, count)
    for channel_id in ids:
        await subscribe(platform="slack", channel_id=channel_id, workspace_id=fake.team.id)
    return ids


async def rows(db: Database) -> list[Delivery]:
    async with db.session() as session:
        return list((await session.exec(select(Delivery).order_by(col(Delivery.id)))).all())


async def test_each_channel_gets_one_message_tagged_with_its_delivery(
    db: Database, fake_slack: FakeSlack, subscribe: Subscribe
) -> None:
    ids = await channels(db, fake_slack, subscribe, 10)
    await published(db, FIRST, NOW)
    await plan(db, now=NOW + dt.timedelta(seconds=1))
    outcomes = await dispatcher(db, fake_slack).drain()
    assert [o.status for o in outcomes] == ["sent"] * 10
    for channel_id in ids:
        (message,) = fake_slack.messages_in(channel_id)
        assert message["blocks"][0]["type"] == "header"
        assert message["metadata"]["event_type"] == "inference_report_digest"
    assert fake_slack.count_429s() == 0
    assert {r.status for r in await rows(db)} == {"sent"}


async def test_a_long_digest_goes_on_in_the_thread_of_its_first_message(
    db: Database, fake_slack: FakeSlack, subscribe: Subscribe
) -> None:
    (channel_id,) = await channels(db, fake_slack, subscribe, 1)
    await ingest(db, long_report(dt.date(2026, 11, 21), papers=150))
    await plan(db, now=dt.datetime.now(dt.UTC))
    await dispatcher(db, fake_slack).drain()
    (row,) = await rows(db)
    assert row.status == "sent" and len(row.posted) >= 2
    messages = fake_slack.messages_in(channel_id)
    assert [m["ts"] for m in messages] == row.posted
    assert all(m.get("thread_ts") == row.posted[0] for m in messages[1:])
    assert fake_slack.deliveries() == {channel_id: 1}


@pytest.mark.parametrize("fault", ["not_in_channel", "is_archived", "channel_not_found"])
async def test_a_channel_closed_to_the_app_is_paused_with_slacks_reason(
    db: Database, fake_slack: FakeSlack, subscribe: Subscribe, fault: str
) -> None:
    closed, open_ = await channels(db, fake_slack, subscribe, 2)
    if fault == "not_in_channel":
        fake_slack.leave(closed)
    elif fault == "is_archived":
        fake_slack.archive(closed)
    else:
        async with db.transaction() as session:
            await session.exec(
                update(Subscription)
                .where(col(Subscription.channel_id) == closed)
                .values(channel_id="C0GONE")
            )
    await published(db, FIRST, NOW)
    await plan(db, now=NOW + dt.timedelta(seconds=1))
    await dispatcher(db, fake_slack).drain()
    async with db.session() as session:
        subs = list((await session.exec(select(Subscription))).all())
    paused = [s for s in subs if s.paused_at is not None]
    assert len(paused) == 1 and fault in (paused[0].paused_reason or "")
    assert len(fake_slack.messages_in(open_)) == 1


async def test_a_post_whose_answer_was_lost_is_found_in_the_history_not_sent_again(
    db: Database, fake_slack: FakeSlack, subscribe: Subscribe
) -> None:
    (channel_id,) = await channels(db, fake_slack, subscribe, 1)
    fake_slack.fail_after_commit("chat.postMessage")
    await published(db, FIRST, NOW)
    await plan(db, now=NOW + dt.timedelta(seconds=1))
    clock = [dt.datetime.now(dt.UTC)]
    (first,) = await dispatcher(db, fake_slack, clock=lambda: clock[0]).drain()
    assert first.status == "retrying"
    assert len(fake_slack.messages_in(channel_id)) == 1
    (row,) = await rows(db)
    clock[0] = row.next_attempt_at + dt.timedelta(seconds=1)
    (second,) = await dispatcher(db, fake_slack, clock=lambda: clock[0]).drain()
    assert second.status == "sent"
    (message,) = fake_slack.messages_in(channel_id)
    (row,) = await rows(db)
    assert row.posted == [message["ts"]]
    assert fake_slack.calls_of("conversations.history")


async def test_a_corrected_issue_updates_the_message_in_place(
    db: Database, fake_slack: FakeSlack, subscribe: Subscribe
) -> None:
    (channel_id,) = await channels(db, fake_slack, subscribe, 1)
    await published(db, SECOND, NOW)
    await plan(db, now=NOW + dt.timedelta(seconds=1))
    await dispatcher(db, fake_slack).drain()
    (before,) = fake_slack.messages_in(channel_id)
    async with db.transaction() as session:
        await session.exec(
            update(Issue).values(
                editorial=["A corrected <!channel> paragraph."],
                updated_at=NOW + dt.timedelta(hours=1),
            )
        )
    await plan(db, now=NOW + dt.timedelta(hours=1, seconds=1))
    await dispatcher(db, fake_slack).drain()
    (after,) = fake_slack.messages_in(channel_id)
    assert after["ts"] == before["ts"]
    text = str(after["blocks"])
    # The data's "<!channel>" arrives escaped: it shows as text and pings no one.
    assert "A corrected &lt;!channel&gt; paragraph." in text and "<!channel>" not in text
    assert fake_slack.calls_of("chat.update")


async def test_a_post_slack_refused_is_sent_again_without_searching_the_history(
    db: Database, fake_slack: FakeSlack, subscribe: Subscribe
) -> None:
    (channel_id,) = await channels(db, fake_slack, subscribe, 1)
    # Slack answered with an error: nothing was posted, so nothing is in doubt.
    fake_slack.fail("chat.postMessage", "fatal_error")
    await published(db, FIRST, NOW)
    await plan(db, now=NOW + dt.timedelta(seconds=1))
    clock = [dt.datetime.now(dt.UTC)]
    (first,) = await dispatcher(db, fake_slack, clock=lambda: clock[0]).drain()
    assert first.status == "retrying" and "fatal_error" in (first.error or "")
    (row,) = await rows(db)
    assert row.in_doubt_since is None
    clock[0] = row.next_attempt_at + dt.timedelta(seconds=1)
    (second,) = await dispatcher(db, fake_slack, clock=lambda: clock[0]).drain()
    assert second.status == "sent"
    assert len(fake_slack.messages_in(channel_id)) == 1
    assert fake_slack.calls_of("conversations.history") == []


async def test_a_dropped_connection_after_slack_posted_is_not_a_second_post(
    db: Database, fake_slack: FakeSlack, subscribe: Subscribe
) -> None:
    (channel_id,) = await channels(db, fake_slack, subscribe, 1)
    # slack_sdk would retry a dropped connection by itself; delivery's client must not.
    fake_slack.fail_after_commit("chat.postMessage", drop=True)
    await published(db, FIRST, NOW)
    await plan(db, now=NOW + dt.timedelta(seconds=1))
    clock = [dt.datetime.now(dt.UTC)]
    (first,) = await dispatcher(db, fake_slack, clock=lambda: clock[0]).drain()
    assert first.status == "retrying"
    assert len(fake_slack.messages_in(channel_id)) == 1
    (row,) = await rows(db)
    clock[0] = row.next_attempt_at + dt.timedelta(seconds=1)
    (second,) = await dispatcher(db, fake_slack, clock=lambda: clock[0]).drain()
    assert second.status == "sent"
    assert len(fake_slack.messages_in(channel_id)) == 1
