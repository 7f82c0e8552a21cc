"""/status: last and next delivery, failures, and how fresh the sources are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from core.commands import CommandContext, ask
from core.commands.reply import Fields, Reply
from storage import Database
from storage.queries import issues, sources, subscriptions

MakeContext = Callable[..., CommandContext]


def fields(reply: Reply) -> dict[str, str]:
    (block,) = [b for b in reply.blocks if isinstance(b, Fields)]
    return dict(block.pairs)


async def imported_at(db: Database) -> str:
    async with db.session() as session:
        latest = await issues.latest_issue(session)
    assert latest is not None
    return latest.updated_at.strftime("%Y-%m-%d %H:%M UTC")


async def test_a_daily_digest(channel: CommandContext, loaded: Database) -> None:
    await ask(channel, "/subscribe time:08:30 timezone:Europe/Paris")
    reply = await ask(channel, "/status")
    assert reply.kind == "answer"
    assert reply.title == "Status"
    assert fields(reply) == {
        "Digest": "daily at 08:30 (Europe/Paris)",
        "Next delivery": "2026-11-24 08:30 CET (07:30 UTC)",
        "Last delivery": "none yet",
        "Failures": "none",
        "Latest issue": f"2026-11-20, imported {await imported_at(loaded)}",
        "Leaderboards": "artificial-analysis as of 2026-11-20, swe-rebench as of 2026-11-20",
        "Sources": "none fetched yet",
    }
    (block,) = reply.blocks
    assert isinstance(block, Fields)
    # Deliveries come in the order a person reads them: what, next, last, what went wrong.
    assert [name for name, _ in block.pairs][:4] == [
        "Digest",
        "Next delivery",
        "Last delivery",
        "Failures",
    ]


async def test_the_next_delivery_follows_the_clock(make_ctx: MakeContext) -> None:
    before = make_ctx(clock=lambda: dt.datetime(2026, 11, 24, 7, 29, tzinfo=dt.UTC))
    after = make_ctx(clock=lambda: dt.datetime(2026, 11, 24, 7, 30, tzinfo=dt.UTC))
    await ask(before, "/subscribe time:08:30 timezone:Europe/Paris")
    assert fields(await ask(before, "/status"))["Next delivery"].startswith("2026-11-24 08:30")
    assert fields(await ask(after, "/status"))["Next delivery"].startswith("2026-11-25 08:30")


async def test_a_paused_digest(channel: CommandContext, loaded: Database) -> None:
    await ask(channel, "/subscribe publish")
    async with loaded.transaction() as session:
        row = await subscriptions.get_subscription(
            session, platform="discord", channel_id="channel-1"
        )
        assert row is not None
        row.paused_at = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)
        row.paused_reason = "the channel is gone"
        session.add(row)
    found = fields(await ask(channel, "/status"))
    assert found["Digest"] == "when each issue is published"
    assert found["Next delivery"] == "none while paused"
    assert found["Failures"] == "paused since 2026-11-22 06:00 UTC: the channel is gone"


async def test_no_digest_here(channel: CommandContext, make_ctx: MakeContext) -> None:
    assert fields(await ask(channel, "/status"))["Digest"] == "none (set one up with /subscribe)"
    text = make_ctx(platform="text", channel_id="")
    found = fields(await ask(text, "/status"))
    assert found["Digest"] == "none (digests go to Discord and Slack)"
    assert "Next delivery" not in found


async def test_nothing_imported(db: Database) -> None:
    found = fields(await ask(CommandContext(db=db, public_url="https://x.example"), "/status"))
    assert found["Latest issue"] == "none imported yet"
    assert found["Leaderboards"] == "none imported yet"


async def test_source_health(channel: CommandContext, loaded: Database) -> None:
    at = dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
    async with loaded.transaction() as session:
        await sources.record_success(
            session, name="arxiv-api", now=at, next_attempt_at=at, summary="3 papers"
        )
        await sources.record_success(
            session, name="swe-rebench", now=at, next_attempt_at=at, summary="20 models"
        )
        await sources.record_failure(
            session, name="swe-rebench", now=at, error="format changed", next_attempt_at=at
        )
    found = fields(await ask(channel, "/status"))
    assert found["Sources"] == "1 of 2 healthy; failing: swe-rebench (format changed)"
