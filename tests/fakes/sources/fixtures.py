"""The `fake_sources` fixture: the fake sources serving on 127.0.0.1 for one test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.sources.server import FakeSources


@pytest.fixture
async def fake_sources() -> AsyncIterator[FakeSources]:
    """Serve the fake sources on 127.0.0.1."""
    fake = FakeSources()
    await fake.start()
    yield fake
    await fake.close()
