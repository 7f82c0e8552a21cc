"""The `fake_discord` fixture, and `serving_discord` for a fake built with other limits."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.fakes.discord.server import FakeDiscord


@contextlib.asynccontextmanager
async def serving_discord(**options: Any) -> AsyncIterator[FakeDiscord]:
    """Serve `FakeDiscord(**options)` on a free port of 127.0.0.1 until the block ends."""
    fake = FakeDiscord(**options)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """Serve a fake Discord (REST and gateway) on a free port of 127.0.0.1."""
    async with serving_discord() as fake:
        yield fake
