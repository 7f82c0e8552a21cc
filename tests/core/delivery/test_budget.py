"""Request budgets: the pace they keep, alone and shared between processes."""

from __future__ import annotations

import asyncio
import os
import socket
import time

import pytest

from core.delivery.budget import DatabaseBudget, MemoryBudget, RedisBudget, budget_for
from storage import Database

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


async def timed(budget: object, key: str, count: int, per_second: float) -> list[float]:
    """Return when each of `count` concurrent waiters got its slot, from the first call."""
    started = time.monotonic()
    slots: list[float] = []

    async def one() -> None:
        await budget.wait(key, per_second=per_second)  # type: ignore[attr-defined]
        slots.append(time.monotonic() - started)

    await asyncio.gather(*(one() for _ in range(count)))
    return sorted(slots)


def assert_paced(slots: list[float], per_second: float) -> None:
    # The n-th request waits at least (n - 1) intervals: never faster than the budget.
    interval = 1 / per_second
    for number, slot in enumerate(slots):
        assert slot >= number * interval - 0.005, (number, slot)


async def test_a_memory_budget_spaces_requests_evenly() -> None:
    slots = await timed(MemoryBudget(), "k", 20, per_second=100)
    assert_paced(slots, 100)
    assert slots[-1] < 1.0  # and it does not sleep much past the last slot


async def test_budgets_of_different_keys_do_not_wait_for_each_other() -> None:
    budget = MemoryBudget()
    started = time.monotonic()
    await asyncio.gather(*(budget.wait(f"channel-{n}", per_second=1) for n in range(50)))
    assert time.monotonic() - started < 0.5


async def test_a_burst_goes_at_once_then_the_pace_holds() -> None:
    budget = MemoryBudget()
    started = time.monotonic()
    await asyncio.gather(*(budget.wait("k", per_second=10, burst=5) for _ in range(5)))
    assert time.monotonic() - started < 0.09
    await budget.wait("k", per_second=10, burst=5)
    assert time.monotonic() - started >= 0.09


async def test_two_processes_share_one_database_budget(database_url: str, db: Database) -> None:
    # Two engines stand for two processes: together they keep the one pace.
    other = Database(database_url)
    try:
        first, second = DatabaseBudget(db), DatabaseBudget(other)
        started = time.monotonic()
        slots: list[float] = []

        async def one(budget: DatabaseBudget) -> None:
            await budget.wait("discord:global:1", per_second=50)
            slots.append(time.monotonic() - started)

        await asyncio.gather(*(one(first if n % 2 else second) for n in range(30)))
    finally:
        await other.dispose()
    assert_paced(sorted(slots), 50)


@pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379")
async def test_two_processes_share_one_redis_budget() -> None:
    first, second = RedisBudget(REDIS_URL), RedisBudget(REDIS_URL)
    key = f"test:{time.monotonic_ns()}"
    try:
        started = time.monotonic()
        slots: list[float] = []

        async def one(budget: RedisBudget) -> None:
            await budget.wait(key, per_second=50)
            slots.append(time.monotonic() - started)

        await asyncio.gather(*(one(first if n % 2 else second) for n in range(30)))
    finally:
        await first.close()
        await second.close()
    assert_paced(sorted(slots), 50)


async def test_auto_shares_a_budget_when_processes_can(db: Database) -> None:
    chosen = budget_for(db, backend="auto", redis_url=None)
    expected = DatabaseBudget if db.dialect == "postgresql" else MemoryBudget
    assert isinstance(chosen, expected)
    with pytest.raises(ValueError, match="REDIS_URL"):
        budget_for(db, backend="redis", redis_url=None)
