"""Prebuilt reads: typed rows on both databases, no transaction left open, errors recovered."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Date, Integer, String, bindparam, func, select
from sqlmodel import col

from storage import Database
from storage.queries import leaderboards
from storage.queries.leaderboards import EntryInput
from storage.queries.models import resolve_models
from storage.reads import Read
from storage.tables import LeaderboardEntry, LeaderboardSnapshot
from tests.storage.test_engine import _in_transaction

NOV = dt.date(2026, 11, 1)

_ENTRIES = Read(
    select(
        col(LeaderboardSnapshot.as_of),
        col(LeaderboardEntry.rank),
        col(LeaderboardEntry.score),
        col(LeaderboardEntry.price_cents),
    )
    .join(LeaderboardSnapshot, col(LeaderboardSnapshot.id) == col(LeaderboardEntry.snapshot_id))
    .where(
        col(LeaderboardSnapshot.as_of) <= bindparam("until", type_=Date),
        col(LeaderboardSnapshot.source) == bindparam("source", type_=String),
        col(LeaderboardEntry.rank) <= 2,
    )
    .order_by(col(LeaderboardSnapshot.as_of), col(LeaderboardEntry.rank))
)


async def _store(db: Database) -> None:
    async with db.transaction() as session:
        board = await leaderboards.save_leaderboard(session, slug="b", name="B", description="")
        assert board.id is not None
        ids = await resolve_models(session, names=["One", "Two", "Three"])
        for days, score in ((0, 10.5), (7, 20.0), (14, 30.0)):
            entries = [EntryInput(r, ids[n], score + r) for r, n in enumerate(ids, 1)]
            entries[0] = EntryInput(1, ids["One"], score + 1, price_cents=250)
            await leaderboards.save_snapshot(
                session,
                leaderboard_id=board.id,
                as_of=NOV + dt.timedelta(days=days),
                source="test",
                entries=entries,
            )


async def test_rows_have_python_types_and_take_fixed_values(db: Database) -> None:
    await _store(db)
    params = {"until": NOV + dt.timedelta(days=7), "source": "test"}
    for _ in range(2):  # The first run learns the result types; the second uses them.
        rows = await _ENTRIES.all(db, params)
        assert rows == [
            (NOV, 1, 11.5, 250),
            (NOV, 2, 12.5, None),
            (NOV + dt.timedelta(days=7), 1, 21.0, 250),
            (NOV + dt.timedelta(days=7), 2, 22.0, None),
        ]
        assert all(type(row[2]) is float and type(row[0]) is dt.date for row in rows)
    assert not await _in_transaction(db)


async def test_a_failing_read_leaves_the_pool_usable(db: Database) -> None:
    await _store(db)
    failing = Read(select(func.no_such_function(bindparam("n", type_=Integer))))
    with pytest.raises(Exception):  # noqa: B017, PT011  (each driver raises its own error)
        await failing.all(db, {"n": 1})
    assert not await _in_transaction(db)
    assert len(await _ENTRIES.all(db, {"until": NOV, "source": "test"})) == 2


async def test_expanding_parameters_are_refused(db: Database) -> None:
    read = Read(select(col(LeaderboardEntry.rank)).where(col(LeaderboardEntry.rank).in_([1, 2])))
    with pytest.raises(ValueError, match="expanding"):
        read.compiled(db.engine.dialect)
