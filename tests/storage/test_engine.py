"""Pooled connections come back with no transaction open, without the pool's own rollback."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import Engine, func, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlmodel import select

from storage import Database
from storage.engine import create_reader
from storage.queries import leaderboards
from storage.tables import Leaderboard


async def _in_transaction(db: Database) -> bool:
    """Return whether a pooled connection the next caller gets has a transaction open.

    Both pools are asked: the async engine's, and the one `Database.run_sync` reads through.
    """
    async with db.engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        if db.dialect == "sqlite":
            if driver.in_transaction:
                return True
        elif driver.is_in_transaction():
            return True
    return await db.run_sync(_reader_in_transaction)


def _reader_in_transaction(engine: Engine) -> bool:
    connection = engine.raw_connection()
    try:
        driver = connection.driver_connection
        assert driver is not None
        if engine.dialect.name == "sqlite":
            return bool(driver.in_transaction)
        return bool(driver.is_in_transaction())
    finally:
        connection.close()


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


def _thread_name(engine: Engine) -> str:
    return threading.current_thread().name


def _write(session: Session) -> None:
    session.execute(text("INSERT INTO leaderboard (slug, name, description) VALUES ('w', 'W', '')"))


async def test_a_read_sees_what_was_committed_and_cannot_write(db: Database) -> None:
    async with db.transaction() as session:
        await leaderboards.save_leaderboard(session, slug="kept", name="Kept", description="")

    def slugs(session: Session) -> list[str]:
        return list(session.scalars(select(Leaderboard.slug)))

    assert await db.read(slugs) == ["kept"]
    if db.dialect == "sqlite":
        # The whole read runs on one of the read threads, whose connections are read-only.
        assert (await db.run_sync(_thread_name)).startswith("sqlite-read")
        with pytest.raises(OperationalError, match="readonly"):
            await db.read(_write)
    assert not await _in_transaction(db)
    assert await db.read(slugs) == ["kept"]


async def test_reads_work_again_after_dispose(db: Database) -> None:
    def one(session: Session) -> int:
        return int(session.execute(text("SELECT 1")).scalar_one())

    assert await db.read(one) == 1
    await db.dispose()
    assert await db.read(one) == 1


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
async def test_an_in_memory_database_reads_through_its_own_connection(url: str) -> None:
    # A second engine would open a second, empty database: reads go through the async engine.
    assert create_reader(url) is None
    assert create_reader("sqlite:///file:x?mode=memory&uri=true") is None
    assert create_reader("postgresql://postgres@127.0.0.1/test") is None
    db = Database(url)
    try:
        assert (await db.run_sync(_thread_name)) == threading.current_thread().name
    finally:
        await db.dispose()


async def test_a_read_on_sqlite_sees_one_snapshot(db: Database, database_url: str) -> None:
    if db.dialect != "sqlite":
        pytest.skip("PostgreSQL reads at READ COMMITTED, as its sessions do")
    path = database_url.removeprefix("sqlite:///")
    count = text("SELECT count(*) FROM leaderboard")

    def before_and_after_a_commit(session: Session) -> tuple[int, int]:
        before = session.execute(count).scalar_one()
        other = sqlite3.connect(path)
        try:
            with other:  # committed when the block ends
                other.execute(
                    "INSERT INTO leaderboard (slug, name, description) VALUES ('n', 'N', '')"
                )
        finally:
            other.close()
        return before, session.execute(count).scalar_one()

    assert await db.read(before_and_after_a_commit) == (0, 0)
    assert await db.read(lambda session: session.execute(count).scalar_one()) == 1
    assert not await _in_transaction(db)
