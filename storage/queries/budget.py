"""A request budget shared by the processes of one database: GCRA slots, one statement each."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.dialect import dialect_name

# The database's clock in seconds since the epoch: every process reserves on the same clock.
_NOW = {
    "postgresql": "extract(epoch from clock_timestamp())::float8",
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
}
_GREATEST = {"postgresql": "GREATEST", "sqlite": "MAX"}


async def reserve(session: AsyncSession, *, key: str, interval: float, burst: int) -> float:
    """Reserve the next request of budget `key`; return how many seconds to wait before it.

    The budget allows `burst` requests at once, then one per `interval` seconds (the generic cell
    rate algorithm): the stored time is when the budget is next free; each request moves it on
    by one interval and waits until it lies no more than `burst` intervals ahead.
    """
    dialect = dialect_name(session)
    now, greatest = _NOW[dialect], _GREATEST[dialect]
    sql = (
        f"INSERT INTO rate_budget (key, tat) VALUES (:key, {now} + :interval) "
        f"ON CONFLICT (key) DO UPDATE SET tat = {greatest}(rate_budget.tat, {now}) + :interval "
        f"RETURNING tat - :burst * :interval - {now}"
    )
    params = {"key": key, "interval": interval, "burst": burst}
    connection = await session.connection()
    wait = (await connection.execute(text(sql), params)).scalar_one()
    return max(0.0, float(wait))
