"""The Discord bot, running for real against the fake Discord, on a database with the examples."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route
from pydantic import SecretStr

from bot.discord import DiscordBot, start_discord
from config import Settings
from core.commands import REGISTRY
from core.commands.registry import Command, Option
from core.ingest.store import ingest
from storage import Database
from tests.fakes.discord import FakeDiscord, FakeInteraction

EXAMPLES = Path(__file__).resolve().parents[3] / "config" / "examples"
PUBLIC_URL = "https://report.example"


@pytest.fixture(autouse=True)
def discord_endpoints() -> Iterator[None]:
    """Put discord.py's base URLs back as they were after each test."""
    base, gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    yield
    Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


def settings_for(fake: FakeDiscord, **overrides: Any) -> Settings:
    """Return settings that point the bot at the fake Discord."""
    values: dict[str, Any] = {
        "discord_token": SecretStr(fake.token),
        "discord_api_base_url": fake.api_base_url,
        "public_url": PUBLIC_URL,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
async def examples_db(db: Database) -> Database:
    """Return the database with the two example issues imported."""
    for path in sorted(EXAMPLES.glob("report-*.txt")):
        await ingest(db, path.read_bytes())
    return db


@contextlib.asynccontextmanager
async def running(fake: FakeDiscord, db: Database) -> AsyncIterator[DiscordBot]:
    """Start the bot against the fake, wait for its session, register its commands; stop it after.

    discord.py announces `ready` 2 s after the last GUILD_CREATE; events before it are handled
    all the same, so tests do not wait for it.
    """
    bot = await start_discord(settings_for(fake), db)
    assert bot is not None
    try:
        await fake.wait_for_session()
        await bot.tree.sync()
        yield bot
    finally:
        await bot.stop()


@pytest.fixture
async def bot(fake_discord: FakeDiscord, examples_db: Database) -> AsyncIterator[DiscordBot]:
    """Return the bot, connected to the fake Discord, its commands registered."""
    async with running(fake_discord, examples_db) as started:
        yield started


@contextlib.contextmanager
def extra_command(
    name: str, handler: Any, *options: Option, description: str = "A command for a test"
) -> Iterator[None]:
    """Register a command for the length of a test (before the bot is built)."""
    REGISTRY[name] = Command(name, description, options, handler, f"/{name}")
    try:
        yield
    finally:
        del REGISTRY[name]


async def use(
    bot: DiscordBot,
    fake: FakeDiscord,
    name: str,
    options: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> FakeInteraction:
    """Use a command as a person would; return the interaction once the bot is done with it."""
    done = asyncio.ensure_future(bot.wait_for("app_command_completion", timeout=15))
    await asyncio.sleep(0)  # the listener is in place before the interaction goes out
    interaction = await fake.interact(name, dict(options or {}), **kwargs)
    await done
    return interaction
