"""Request budgets: wait for a slot before each request, so the platforms' limits are kept.

A budget allows `burst` requests at once, then one every 1/`per_second` seconds (the generic
cell rate algorithm, as a reservation: each caller takes the next free slot and sleeps until it).
Processes that post with one token must share one budget, so besides the in-process one there is
one kept in the database (PostgreSQL) and one kept in Redis.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Protocol

from storage import Database
from storage.queries import budget as budget_queries


class Budget(Protocol):
    """A rate budget keyed by what it limits (a bot token, a workspace, a channel)."""

    async def wait(self, key: str, *, per_second: float, burst: int = 1) -> None:
        """Return when one more request under `key` keeps within `per_second`."""
        ...


def _interval(per_second: float) -> float:
    if per_second <= 0:
        raise ValueError(f"a budget needs a positive rate, not {per_second}")
    return 1.0 / per_second


class MemoryBudget:
    """A budget for one process."""

    def __init__(self) -> None:
        self._next_free: dict[str, float] = {}

    async def wait(self, key: str, *, per_second: float, burst: int = 1) -> None:
        """Take the next slot of `key` and sleep until it comes."""
        interval = _interval(per_second)
        now = time.monotonic()
        # No await between reading and writing the slot: tasks of this loop cannot interleave.
        tat = max(self._next_free.get(key, now), now) + interval
        self._next_free[key] = tat
        delay = tat - burst * interval - now
        if delay > 0:
            await asyncio.sleep(delay)


class DatabaseBudget:
    """A budget shared by every process using one database, reserved in one statement each."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def wait(self, key: str, *, per_second: float, burst: int = 1) -> None:
        """Reserve the next slot of `key` in the database and sleep until it comes."""
        async with self.db.transaction() as session:
            delay = await budget_queries.reserve(
                session, key=key, interval=_interval(per_second), burst=burst
            )
        if delay > 0:
            await asyncio.sleep(delay)


# GCRA on Redis's own clock, in one atomic script; floats travel as strings (Lua numbers
# returned to Redis would be truncated to integers).
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.6f', tat), 'PX', math.ceil((tat - now) * 1000) + 1000)
return string.format('%.6f', tat - burst * interval - now)
"""


class RedisBudget:
    """A budget shared through Redis by every process that reaches it."""

    def __init__(self, url: str, *, prefix: str = "inference-report:budget:") -> None:
        # Imported here: only deployments that name a Redis server need the client.
        from redis.asyncio import Redis

        self._redis: Any = Redis.from_url(url)
        self._script = self._redis.register_script(_RESERVE)
        self._prefix = prefix

    async def wait(self, key: str, *, per_second: float, burst: int = 1) -> None:
        """Reserve the next slot of `key` in Redis and sleep until it comes."""
        raw = await self._script(keys=[self._prefix + key], args=[_interval(per_second), burst])
        delay = float(raw)
        if delay > 0:
            await asyncio.sleep(delay)

    async def close(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()


def budget_for(db: Database, *, backend: str, redis_url: str | None) -> Budget:
    """Return the budget the settings ask for: `auto` shares one when processes can share it."""
    if backend == "redis" or (backend == "auto" and redis_url):
        if not redis_url:
            raise ValueError("RATE_LIMIT_BACKEND is redis but REDIS_URL is not set")
        return RedisBudget(redis_url)
    if backend == "database" or (backend == "auto" and db.dialect == "postgresql"):
        return DatabaseBudget(db)
    return MemoryBudget()
