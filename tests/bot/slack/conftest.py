"""Fixtures for the Slack app: the service's real web server with the Slack routes, the real
slack-bolt app and AsyncWebClient, and a fake Slack on 127.0.0.1 (the `fake_slack` fixture)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr
from slack_bolt.async_app import AsyncApp
from sqlalchemy import text

from bot.slack import add_slack_routes, create_slack_app
from config import Settings
from core.ingest.store import ingest
from feeds.app import create_app
from storage import Database
from tests.fakes.slack import FakeSlack, SlackSender

EXAMPLES = Path(__file__).resolve().parents[3] / "config" / "examples"
MENTIONS = Path(__file__).with_name("fixtures") / "report-mentions.txt"
SECRET = "test-signing-secret-5f2b8c0d9e"
PUBLIC_URL = "https://report.example"
SLACK_TABLES = ("slack_installations", "slack_bots", "slack_oauth_states")


def slack_settings(fake: FakeSlack, **changes: Any) -> Settings:
    """Return settings for one workspace (bot token) in HTTP mode, against the fake."""
    values: dict[str, Any] = {
        "public_url": PUBLIC_URL,
        "slack_signing_secret": SecretStr(SECRET),
        "slack_bot_token": SecretStr(fake.team.bot_token),
        "slack_app_token": None,
        "slack_client_id": None,
        "slack_client_secret": None,
        "slack_mode": "http",
        "slack_api_base_url": fake.api_url,
        "websub_hub_url": None,
    }
    values.update(changes)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def oauth_settings(fake: FakeSlack, **changes: Any) -> Settings:
    """Return settings for any number of workspaces, installed with OAuth."""
    return slack_settings(
        fake,
        slack_bot_token=None,
        slack_client_id=fake.client_id,
        slack_client_secret=SecretStr(fake.client_secret),
        **changes,
    )


@dataclass
class Endpoint:
    """The service's web server with the Slack routes, and a sender of requests to it."""

    base: str
    app: AsyncApp
    db: Database
    sender: SlackSender

    @property
    def events_url(self) -> str:
        """Return the address Slack sends commands, events and clicks to."""
        return f"{self.base}/slack/events"


@asynccontextmanager
async def serve(
    settings: Settings, db: Database, *, working_after: float = 1.0
) -> AsyncIterator[Endpoint]:
    """Serve the feeds app with the Slack routes mounted, on a free port of 127.0.0.1."""
    bolt_app = create_slack_app(settings, db, working_after=working_after)
    app = create_app(settings, db)
    add_slack_routes(app, bolt_app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield Endpoint(base, bolt_app, db, SlackSender(f"{base}/slack/events", SECRET))
    finally:
        await runner.cleanup()


@pytest.fixture
async def loaded(db: Database) -> Database:
    """Return the database with the example issues and the mention-injection issue imported."""
    for path in [*sorted(EXAMPLES.glob("report-*.txt")), MENTIONS]:
        await ingest(db, path.read_bytes())
    return db


@pytest.fixture
async def slack(loaded: Database, fake_slack: FakeSlack) -> AsyncIterator[Endpoint]:
    """Serve the Slack app for the fake's workspace (bot token, HTTP mode)."""
    async with serve(slack_settings(fake_slack), loaded) as endpoint:
        yield endpoint


async def answer(
    fake: FakeSlack, endpoint: Endpoint, fields: dict[str, str]
) -> list[dict[str, Any]]:
    """Send a signed slash command; return what it posted to its response_url."""
    sent = await endpoint.sender.command(fields)
    assert sent.status == 200, sent.text
    url = fields["response_url"]
    await fake.wait_for(lambda: bool(fake.posts_to(url)))
    # Every part of a long answer follows the first at once; give them a moment to arrive.
    await fake.settle(0.2)
    return fake.posts_to(url)


async def state(db: Database) -> dict[str, int]:
    """Return how many rows each table a request could change holds."""
    async with db.engine.connect() as conn:
        return {
            table: (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
            for table in ("subscription", *SLACK_TABLES)
        }
