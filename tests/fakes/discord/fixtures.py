"""The `fake_discord` fixture: a fake Discord serving on 127.0.0.1 for one test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.discord.server import FakeDiscord


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """Serve a fake Discord (REST and gateway) on a free port of 127.0.0.1."""
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.close()
