"""Fixtures for the feeds: a real application on a real database, served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from config import Settings
from feeds.app import create_app
from storage import Database
from tests.feeds.support import PUBLIC, MakeClient


@pytest.fixture
async def make_client(db: Database) -> AsyncIterator[MakeClient]:
    """Return a factory of test clients of the real application, settings given as overrides."""
    clients: list[TestClient[Any, Any]] = []

    async def factory(**overrides: Any) -> TestClient[Any, Any]:
        values: dict[str, Any] = {"public_url": PUBLIC, "feed_refresh_seconds": 3600.0}
        values.update(overrides)
        settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
        client: TestClient[Any, Any] = TestClient(TestServer(create_app(settings, db)))
        await client.start_server()
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.close()
