"""Benchmark delivery: one digest to 2,000 channels on each fake, at the platforms' real limits.

Run: python bench/fanout.py [--channels 2000] [--workspaces 20] [--db sqlite|postgresql URL]

Each fake runs in a process of its own on 127.0.0.1, as the platform would, and enforces the
limits: Discord's 50 requests a second per bot, Slack's one message a second per channel and 300
a minute per workspace. For each platform the bench subscribes `--channels` channels (Slack's
spread over `--workspaces` workspaces, since Slack's limit is per workspace), imports an issue,
and times the dispatcher's drain through the real discord.py or slack_sdk client. It prints the
achieved rate beside the limit, their ratio (aim: 0.9 or more), the 429s the fake had to answer,
and the duplicates and misses it counted (aim: none). The database is SQLite in a temporary
folder unless `--db` names another.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import multiprocessing
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.discord.delivery import DiscordPoster, delivery_client  # noqa: E402
from bot.discord.endpoints import use_api  # noqa: E402
from bot.slack.delivery import SlackPoster  # noqa: E402
from config import Settings  # noqa: E402
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
# The limits the fakes enforce (Discord's and Slack's own); the service paces itself by its
# default settings, as it would in production.
DISCORD_LIMIT = 50.0
SLACK_PER_MINUTE = 300.0
AIM = 0.9
SETTINGS = Settings(_env_file=None)  # type: ignore[call-arg]


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
           channels: list[str], limited: dict[str, int]) -> None:  # fmt: skip
    rate = sent / seconds
    duplicates = sum(1 for c in channels if counts.get(c, 0) > 1)
    misses = sum(1 for c in channels if counts.get(c, 0) == 0)
    ok = rate / limit >= AIM and duplicates == 0 and misses == 0
    refused = " ".join(f"{scope} {count}" for scope, count in limited.items())
    print(
        f"{name:8} {len(channels):>6,} channels  {seconds:7.1f} s  {rate:7.1f} {unit}  "
        f"limit {limit:6.1f}  ratio {rate / limit:5.2f}  429s: {refused}  "
        f"duplicates {duplicates}  misses {misses}  {'ok' if ok else 'MISSED'}",
        flush=True,
    )


def _fake_process(kind: str, conn: Connection) -> None:
    """Run a fake in its own process (as the platform is), answering the bench's questions."""

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        fake: Any = (
            FakeDiscord(global_limit=int(DISCORD_LIMIT))
            if kind == "discord"
            else FakeSlack(workspace_per_minute=int(SLACK_PER_MINUTE))
        )
        await fake.start()
        conn.send(fake.api_base_url if kind == "discord" else fake.api_url)
        while True:
            command, argument = await loop.run_in_executor(None, conn.recv)
            if command == "stop":
                break
            conn.send(_answer(fake, command, argument))
        await fake.close()

    asyncio.run(serve())


def _answer(fake: Any, command: str, argument: Any) -> Any:
    if command == "discord-channels":
        return fake.token, fake.guild.id, fake.add_channels(argument)
    if command == "slack-channels":
        channels, workspaces = argument
        others = [fake.add_team(f"T9BENCH{n:03d}", f"Bench {n}") for n in range(1, workspaces)]
        targets = []
        for number, team in enumerate([fake.team, *others]):
            share = channels // workspaces + (1 if number < channels % workspaces else 0)
            targets += [(team.id, team.bot_token, c) for c in fake.add_channels(team, share)]
        return targets
    if command == "discord-stats":
        counts = {c: len(fake.messages_in(c)) for c in argument}
        limited = {scope: fake.count_429s(scope) for scope in ("global", "user")}
        return counts, len(fake.request_times("POST", "/channels/*")), limited
    if command == "slack-stats":
        counts: dict[str, int] = {}
        for team in fake.teams.values():
            counts.update(fake.deliveries(team))
        limited = {scope: fake.count_429s(scope) for scope in ("workspace", "channel")}
        return counts, len(fake.request_times("chat.postMessage")), limited
    raise ValueError(command)


class Fake:
    """A fake platform in a child process, and the pipe to ask it things."""

    def __init__(self, kind: str) -> None:
        self.conn, child = multiprocessing.Pipe()
        self.process = multiprocessing.Process(target=_fake_process, args=(kind, child))
        self.process.start()
        self.url: str = self.conn.recv()

    def ask(self, command: str, argument: Any = None) -> Any:
        self.conn.send((command, argument))
        return self.conn.recv()

    def stop(self) -> None:
        self.conn.send(("stop", None))
        self.process.join(timeout=30)


async def discord_run(url: str | None, folder: Path, channels: int) -> None:
    fake = Fake("discord")
    db = await fresh_db(url, folder, "discord")
    client = None
    try:
        token, guild_id, ids = fake.ask("discord-channels", channels)
        await subscribe_all(db, "discord", [(guild_id, c) for c in ids])
        use_api(fake.url)
        client = await delivery_client(token)
        poster = DiscordPoster(
            client, MemoryBudget(), per_second=SETTINGS.discord_requests_per_second
        )
        dispatcher = Dispatcher(
            db, {"discord": poster}, public_url="https://report.example",
            concurrency=SETTINGS.delivery_concurrency,
        )  # fmt: skip
        await plan(db, now=dt.datetime.now(dt.UTC))
        started = time.perf_counter()
        outcomes = await dispatcher.drain()
        seconds = time.perf_counter() - started
        assert len(outcomes) == channels
        # Every request counts against the global limit: posts, and threads if any.
        counts, requests, limited = fake.ask("discord-stats", ids)
        report("discord", requests, seconds, DISCORD_LIMIT, "req/s", counts, ids, limited)
    finally:
        if client is not None:
            await client.close()
        await db.dispose()
        fake.stop()


async def slack_run(url: str | None, folder: Path, channels: int, workspaces: int) -> None:
    fake = Fake("slack")
    db = await fresh_db(url, folder, "slack")
    poster = None
    try:
        targets = fake.ask("slack-channels", (channels, workspaces))
        await subscribe_all(db, "slack", [(team, channel) for team, _, channel in targets])
        token_of = {team: token for team, token, _ in targets}

        async def tokens(team_id: str) -> str | None:
            return token_of.get(team_id)

        poster = SlackPoster(
            tokens, MemoryBudget(), base_url=fake.url,
            per_minute=SETTINGS.slack_messages_per_minute,
            channel_per_second=SETTINGS.slack_channel_messages_per_second,
        )  # fmt: skip
        dispatcher = Dispatcher(
            db, {"slack": poster}, public_url="https://report.example",
            concurrency=SETTINGS.delivery_concurrency,
        )  # fmt: skip
        await plan(db, now=dt.datetime.now(dt.UTC))
        started = time.perf_counter()
        outcomes = await dispatcher.drain()
        seconds = time.perf_counter() - started
        assert len(outcomes) == channels
        counts, sent, limited = fake.ask("slack-stats")
        limit = workspaces * SLACK_PER_MINUTE / 60
        report("slack", sent, seconds, limit, "msg/s", counts, [c for _, _, c in targets], limited)
    finally:
        if poster is not None:
            await poster.close()
        await db.dispose()
        fake.stop()


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
