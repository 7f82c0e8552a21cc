"""Delivery fixtures for every package's tests: issues published at a set time, subscriptions."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import col

from core import digest
from core.ingest.store import ingest
from storage import Database
from storage.queries import leaderboards, subscriptions
from storage.queries.leaderboards import EntryInput
from storage.tables import Issue, LeaderboardSnapshot, Subscription

EXAMPLES = Path(__file__).resolve().parents[2] / "config" / "examples"
FIRST, SECOND = sorted(EXAMPLES.glob("report-*.txt"))

Subscribe = Callable[..., Awaitable[Subscription]]
# Where leaderboards fetched between issues come from, in these tests.
SOURCE = "swe-rebench-page"


async def published(db: Database, path: Path, at: dt.datetime) -> None:
    """Import an example issue as if it had been published at `at`."""
    result = await ingest(db, await asyncio.to_thread(path.read_bytes))
    async with db.transaction() as session:
        await session.exec(
            update(Issue).where(col(Issue.date) == result.date).values(created_at=at, updated_at=at)
        )


@pytest.fixture
def subscribe(db: Database) -> Subscribe:
    """Return a maker of subscriptions: a Discord channel with the given choices."""
    return subscriber(db)


def subscriber(db: Database) -> Subscribe:
    """Return a maker of subscriptions in `db`: a Discord channel with the given choices."""
    counter = iter(range(1, 1_000_000))

    async def make(
        *,
        time: str | None = None,
        timezone: str = "UTC",
        platform: str = "discord",
        skip_through: dt.date | None = None,
        channel_id: str | None = None,
        workspace_id: str = "guild-1",
        **choices: object,
    ) -> Subscription:
        settings = dataclasses.replace(
            digest.DEFAULT_SETTINGS,
            schedule_kind="daily" if time else "on-publish",
            time_of_day=time,
            timezone=timezone,
            **choices,  # type: ignore[arg-type]
        )
        async with db.transaction() as session:
            found, _ = await subscriptions.save_subscription(
                session,
                platform=platform,  # type: ignore[arg-type]
                workspace_id=workspace_id,
                channel_id=channel_id or f"channel-{next(counter)}",
                user_id="user-1",
                settings=settings,
                skip_through=skip_through,
            )
        return found

    return make


async def fetched(db: Database, as_of: dt.date, *, swap: bool, at: dt.datetime) -> None:
    """Store SWE-rebench as its page gave it: the issue's table, the top two swapped if asked."""
    async with db.transaction() as session:
        board = await leaderboards.get_leaderboard(session, slug="swe-rebench")
        assert board is not None and board.id is not None
        (latest,) = await leaderboards.snapshots(session, leaderboard_id=board.id, limit=1)
        assert latest.id is not None
        rows = await leaderboards.snapshot_entries(session, snapshot_id=latest.id)
        entries = [EntryInput(r.rank, r.model_id, r.score) for r in rows]
        if swap:
            first, second = entries[0], entries[1]
            entries[0] = dataclasses.replace(second, rank=1, score=first.score + 1)
            entries[1] = dataclasses.replace(first, rank=2)
        snapshot, _ = await leaderboards.save_snapshot(
            session, leaderboard_id=board.id, as_of=as_of, source=SOURCE, entries=entries
        )
        await session.exec(
            update(LeaderboardSnapshot)
            .where(col(LeaderboardSnapshot.id) == snapshot.id)
            .values(created_at=at)
        )
