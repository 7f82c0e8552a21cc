"""Pooled connections come back with no transaction open, without the pool's own rollback."""

from __future__ import annotations

import pytest
from sqlalchemy import func, text
from sqlmodel import select

from storage import Database
from storage.queries import leaderboards
from storage.tables import Leaderboard


async def _in_transaction(db: Database) -> bool:
    """Return whether the pooled connection the next caller gets has a transaction open."""
    async with db.engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        if db.dialect == "sqlite":
            return bool(driver.in_transaction)
        return bool(driver.is_in_transaction())


async def _boards(db: Database) -> int:
    async with db.session() as session:
        return (await session.exec(select(func.count()).select_from(Leaderboard))).one()


async def test_reads_writes_and_failures_leave_no_transaction_open(db: Database) -> None:
    async with db.session() as session:
        await leaderboards.list_leaderboards(session)
    assert not await _in_transaction(db)

    # Written through a reading session and never committed: rolled back when it closes.
    async with db.session() as session:
        await leaderboards.save_leaderboard(session, slug="kept-out", name="Out", description="")
    assert not await _in_transaction(db)
    assert await _boards(db) == 0

    async def fail_half_way() -> None:
        async with db.transaction() as session:
            await leaderboards.save_leaderboard(session, slug="failed", name="F", description="")
            raise RuntimeError("the import failed half way")

    with pytest.raises(RuntimeError):
        await fail_half_way()
    assert not await _in_transaction(db)
    assert await _boards(db) == 0

    async with db.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    assert not await _in_transaction(db)

    async with db.transaction() as session:
        await leaderboards.save_leaderboard(session, slug="saved", name="S", description="")
    assert not await _in_transaction(db)
    assert await _boards(db) == 1
