"""Workers as the Procfile runs them: several at once on PostgreSQL, and killed mid-fan-out.

Each worker is a real `inference-report worker` process delivering to the fake Discord (REST
only, DISCORD_GATEWAY=false). What must hold: every channel ends up with exactly one digest.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from bot.discord.endpoints import use_api
from core.delivery.planner import plan
from storage import Database
from storage.migrate import upgrade
from storage.tables import Delivery
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack
from tests.support.delivery import FIRST, published, subscriber

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL is not set"
)
PROJECT = Path(__file__).resolve().parents[2]
CHANNELS = 120
SLACK_CHANNELS = 30
NO_SOURCES = PROJECT / "tests" / "support" / "no-sources.toml"


@pytest.fixture
async def pg(empty_postgres_url: str) -> AsyncIterator[Database]:
    database = Database(empty_postgres_url)
    await upgrade(database)
    yield database
    await database.dispose()


async def subscribed(db: Database, fake: FakeDiscord) -> list[str]:
    subscribe = subscriber(db)
    ids = fake.add_channels(CHANNELS)
    for channel_id in ids:
        await subscribe(channel_id=channel_id, workspace_id=fake.guild.id)
    return ids


def worker_env(url: str, fake: FakeDiscord) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "REDIS"))}
    env |= {
        "DATABASE_URL": url,
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_BASE_URL": fake.api_base_url,
        "DISCORD_GATEWAY": "false",
        "DISCORD_REQUESTS_PER_SECOND": "50",
        "DELIVERY_POLL_SECONDS": "0.5",
        "DELIVERY_LEASE_SECONDS": "5",
        "DELIVERY_CONCURRENCY": "16",
        "RATE_LIMIT_BACKEND": "database",
        # No source is fetched: the tests reach nothing outside this machine.
        "SOURCES_FILE": str(NO_SOURCES),
    }
    return env


async def start_worker(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli", "worker", cwd=PROJECT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def sent(db: Database) -> int:
    async with db.session() as session:
        query = select(func.count()).select_from(Delivery).where(col(Delivery.status) == "sent")
        return int((await session.exec(query)).one())


async def wait_until_all_sent(db: Database, *, within: float, count: int = CHANNELS) -> None:
    # The workers are other processes: the database is the only thing to watch.
    async with asyncio.timeout(within):
        while await sent(db) < count:  # noqa: ASYNC110
            await asyncio.sleep(0.2)


async def stop(workers: list[asyncio.subprocess.Process]) -> list[str]:
    logs = []
    for worker in workers:
        if worker.returncode is None:
            worker.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(worker.communicate(), timeout=30)
        logs.append(err.decode())
    return logs


def assert_exactly_one_each(fake: FakeDiscord, ids: list[str]) -> None:
    counts = {channel_id: len(fake.messages_in(channel_id)) for channel_id in ids}
    duplicates = {c: n for c, n in counts.items() if n > 1}
    missing = [c for c, n in counts.items() if n == 0]
    assert (duplicates, missing) == ({}, [])


async def test_three_workers_on_postgres_deliver_each_digest_exactly_once(
    pg: Database, fake_discord: FakeDiscord, fake_slack: FakeSlack, empty_postgres_url: str
) -> None:
    use_api(fake_discord.api_base_url)
    ids = await subscribed(pg, fake_discord)
    slack_ids = fake_slack.add_channels(fake_slack.team, SLACK_CHANNELS)
    subscribe = subscriber(pg)
    for channel_id in slack_ids:
        await subscribe(platform="slack", channel_id=channel_id, workspace_id=fake_slack.team.id)
    await published(pg, FIRST, dt.datetime.now(dt.UTC))
    env = worker_env(empty_postgres_url, fake_discord)
    env |= {"SLACK_BOT_TOKEN": fake_slack.team.bot_token, "SLACK_API_BASE_URL": fake_slack.api_url}
    workers = [await start_worker(env) for _ in range(3)]
    try:
        await wait_until_all_sent(pg, within=90, count=CHANNELS + SLACK_CHANNELS)
    finally:
        logs = await stop(workers)
        print("\n".join(logs))
    assert all(w.returncode == 0 for w in workers), logs
    assert_exactly_one_each(fake_discord, ids)
    slack_counts = {c: len(fake_slack.messages_in(c)) for c in slack_ids}
    assert set(slack_counts.values()) == {1}
    # The three shared one budget in the database: neither platform had to say "slow down".
    assert fake_discord.count_429s("global") == 0
    assert fake_slack.count_429s() == 0
    # Each worker sent some: the work was shared, not done by one while the others idled.
    assert sum("deliveries:" in log and " sent" in log for log in logs) >= 2


async def test_a_worker_killed_at_random_points_leaves_no_duplicate_and_no_gap(
    pg: Database, fake_discord: FakeDiscord, empty_postgres_url: str
) -> None:
    use_api(fake_discord.api_base_url)
    ids = await subscribed(pg, fake_discord)
    await published(pg, FIRST, dt.datetime.now(dt.UTC))
    # Plan here, so the deliveries exist before any worker starts and dies.
    await plan(pg, now=dt.datetime.now(dt.UTC))
    env = worker_env(empty_postgres_url, fake_discord)
    chance = random.Random(int(os.environ.get("KILL_SEED", "7")))
    killed_midway = 0
    for _ in range(4):
        before = await sent(pg)
        worker = await start_worker(env)
        # Kill it at a random moment once it has begun sending (starting takes a while).
        async with asyncio.timeout(60):
            while await sent(pg) == before:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        await asyncio.sleep(chance.uniform(0.0, 0.6))
        worker.send_signal(signal.SIGKILL)
        await worker.wait()
        done = await sent(pg)
        killed_midway += 0 < done < CHANNELS
        if done >= CHANNELS:
            break
    # The kills fell during the fan-out, not before it began or after it ended.
    assert killed_midway >= 1
    survivor = await start_worker(env)
    try:
        await wait_until_all_sent(pg, within=90)
    finally:
        print("\n".join(await stop([survivor])))
    assert_exactly_one_each(fake_discord, ids)


async def test_a_worker_stopped_mid_fan_out_hands_its_deliveries_back_at_once(
    pg: Database, fake_discord: FakeDiscord, empty_postgres_url: str
) -> None:
    use_api(fake_discord.api_base_url)
    ids = await subscribed(pg, fake_discord)
    await published(pg, FIRST, dt.datetime.now(dt.UTC))
    await plan(pg, now=dt.datetime.now(dt.UTC))
    # A lease far longer than the test: only handing back lets the next worker go on.
    env = worker_env(empty_postgres_url, fake_discord) | {"DELIVERY_LEASE_SECONDS": "3600"}
    worker = await start_worker(env)
    async with asyncio.timeout(60):
        while await sent(pg) == 0:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    worker.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(worker.communicate(), timeout=30)
    assert worker.returncode == 0, err.decode()
    async with pg.session() as session:
        held = (
            select(func.count()).select_from(Delivery).where(col(Delivery.lease_owner).is_not(None))
        )
        assert (await session.exec(held)).one() == 0
    assert await sent(pg) < CHANNELS
    survivor = await start_worker(env)
    try:
        await wait_until_all_sent(pg, within=60)
    finally:
        await stop([survivor])
    assert_exactly_one_each(fake_discord, ids)
