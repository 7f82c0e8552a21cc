"""The `fake_slack` fixture, and `serving_slack` for a fake built with other limits."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.fakes.slack.server import FakeSlack


@contextlib.asynccontextmanager
async def serving_slack(**options: Any) -> AsyncIterator[FakeSlack]:
    """Serve `FakeSlack(**options)` on a free port of 127.0.0.1 until the block ends."""
    fake = FakeSlack(**options)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """Serve a fake Slack (Web API, response_urls, OAuth, Socket Mode) on 127.0.0.1."""
    async with serving_slack() as fake:
        yield fake
