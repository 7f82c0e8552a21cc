"""The `fake_slack` fixture: a fake Slack serving on 127.0.0.1 for one test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.slack.server import FakeSlack


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """Serve a fake Slack (Web API, response_urls, OAuth, Socket Mode) on 127.0.0.1."""
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.close()
