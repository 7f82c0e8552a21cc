"""Benchmark delivery: one digest to 2,000 channels on each fake, at the platforms' real limits.

Run: python bench/fanout.py [--channels 2000] [--workspaces 20] [--db sqlite|postgresql URL]

For each platform it subscribes `--channels` channels (Slack's spread over `--workspaces`
workspaces, since Slack's limit is per workspace), imports an issue, and times the dispatcher's
drain through the real discord.py or slack_sdk client against the fake on 127.0.0.1, which
enforces the limits: Discord's 50 requests a second per bot, Slack's one message a second per
channel and 300 a minute per workspace. It prints the achieved rate beside the limit, their ratio
(aim: 0.9 or more), the 429s the fake had to answer, and the duplicates and misses it counted
(aim: none). The database is SQLite in a temporary folder unless `--db` names another.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.discord.delivery import DiscordPoster, delivery_client  # noqa: E402
from bot.discord.endpoints import use_api  # noqa: E402
from bot.slack.delivery import SlackPoster  # noqa: E402
from core import digest  # noqa: E402
from core.delivery import Dispatcher, MemoryBudget  # noqa: E402
from core.delivery.planner import plan  # noqa: E402
from core.ingest.store import ingest  # noqa: E402
from storage import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.queries import subscriptions  # noqa: E402
from tests.fakes.discord import FakeDiscord  # noqa: E402
from tests.fakes.slack import FakeSlack  # noqa: E402

EXAMPLE = ROOT / "config" / "examples" / "report-2026-11-20.txt"
DISCORD_LIMIT = 50.0
SLACK_PER_MINUTE = 300.0
AIM = 0.9


async def subscribe_all(db: Database, platform: str, targets: list[tuple[str, str]]) -> None:
    async with db.transaction() as session:
        for workspace_id, channel_id in targets:
            await subscriptions.save_subscription(
                session,
                platform=platform,  # type: ignore[arg-type]
                workspace_id=workspace_id,
                channel_id=channel_id,
                user_id="bench",
                settings=digest.DEFAULT_SETTINGS,
            )


async def fresh_db(url: str | None, folder: Path, name: str) -> Database:
    db = Database(url or f"sqlite:///{folder / name}.db")
    await upgrade(db)
    await ingest(db, EXAMPLE.read_bytes())
    return db


def report(name: str, sent: int, seconds: float, limit: float, unit: str, counts: dict[str, int],
           channels: list[str], limited: int) -> None:  # fmt: skip
    rate = sent / seconds
    duplicates = sum(1 for c in channels if counts.get(c, 0) > 1)
    misses = sum(1 for c in channels if counts.get(c, 0) == 0)
    ok = rate / limit >= AIM and duplicates == 0 and misses == 0
    print(
        f"{name:8} {len(channels):>6,} channels  {seconds:7.1f} s  {rate:7.1f} {unit}  "
        f"limit {limit:6.1f}  ratio {rate / limit:5.2f}  429s {limited:>4}  "
        f"duplicates {duplicates}  misses {misses}  {'ok' if ok else 'MISSED'}",
        flush=True,
    )


async def discord_run(url: str | None, folder: Path, channels: int) -> None:
    fake = FakeDiscord(global_limit=int(DISCORD_LIMIT))
    await fake.start()
    db = await fresh_db(url, folder, "discord")
    client = None
    try:
        ids = fake.add_channels(channels)
        await subscribe_all(db, "discord", [(fake.guild.id, c) for c in ids])
        use_api(fake.api_base_url)
        client = await delivery_client(fake.token)
        poster = DiscordPoster(client, MemoryBudget(), per_second=DISCORD_LIMIT)
        dispatcher = Dispatcher(db, {"discord": poster}, public_url="https://report.example")
        await plan(db, now=dt.datetime.now(dt.UTC))
        started = time.perf_counter()
        outcomes = await dispatcher.drain()
        seconds = time.perf_counter() - started
        # Every request counts against the global limit: posts, and a thread if any.
        requests = len(fake.request_times("POST", "/channels/*"))
        counts = {c: len(fake.messages_in(c)) for c in ids}
        assert len(outcomes) == channels
        report("discord", requests, seconds, DISCORD_LIMIT, "req/s", counts, ids,
               fake.count_429s())  # fmt: skip
    finally:
        if client is not None:
            await client.close()
        await db.dispose()
        await fake.close()


async def slack_run(url: str | None, folder: Path, channels: int, workspaces: int) -> None:
    fake = FakeSlack(workspace_per_minute=int(SLACK_PER_MINUTE))
    await fake.start()
    db = await fresh_db(url, folder, "slack")
    try:
        targets: list[tuple[str, str]] = []
        teams = [fake.team] + [
            fake.add_team(f"T9BENCH{n:03d}", f"Bench {n}") for n in range(1, workspaces)
        ]
        for number, team in enumerate(teams):
            share = channels // workspaces + (1 if number < channels % workspaces else 0)
            targets += [(team.id, c) for c in fake.add_channels(team, share)]
        await subscribe_all(db, "slack", targets)

        async def tokens(team_id: str) -> str | None:
            team = fake.teams.get(team_id)
            return None if team is None else team.bot_token

        poster = SlackPoster(
            tokens, MemoryBudget(), base_url=fake.api_url,
            per_minute=SLACK_PER_MINUTE, channel_per_second=1.0,
        )  # fmt: skip
        dispatcher = Dispatcher(db, {"slack": poster}, public_url="https://report.example")
        await plan(db, now=dt.datetime.now(dt.UTC))
        started = time.perf_counter()
        outcomes = await dispatcher.drain()
        seconds = time.perf_counter() - started
        sent = len(fake.request_times("chat.postMessage"))
        counts: dict[str, Any] = {}
        for team in teams:
            counts.update(fake.deliveries(team))
        assert len(outcomes) == channels
        limit = workspaces * SLACK_PER_MINUTE / 60
        report("slack", sent, seconds, limit, "msg/s", counts, [c for _, c in targets],
               fake.count_429s())  # fmt: skip
        await poster.close()
    finally:
        await db.dispose()
        await fake.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=2000)
    parser.add_argument("--workspaces", type=int, default=20)
    parser.add_argument("--db", help="a database URL instead of a temporary SQLite file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"one digest to {args.channels:,} channels on each fake (aim: ratio >= {AIM}, "
          "no duplicates, no misses)\n", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(discord_run(args.db, Path(folder), args.channels))
        asyncio.run(slack_run(args.db, Path(folder), args.channels, args.workspaces))


if __name__ == "__main__":
    main()
