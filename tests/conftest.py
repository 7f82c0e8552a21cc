"""Shared fixtures: a migrated database on SQLite always, and on PostgreSQL when one is given."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text

from config.database_url import normalise_database_url
from storage import Database
from storage.migrate import upgrade

# The fake Discord (REST and gateway on 127.0.0.1), as the `fake_discord` fixture.
# The fake Slack (Web API, response_urls, OAuth, Socket Mode), as the `fake_slack` fixture.
# The fake outside sources (arXiv, Hugging Face, leaderboards, feeds), as `fake_sources`.
pytest_plugins = [
    "tests.fakes.discord.fixtures",
    "tests.fakes.slack.fixtures",
    "tests.fakes.sources.fixtures",
    "tests.support.delivery",
]

# CI runs the property tests with a fixed seed, so a landing never hinges on a random draw.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

PROJECT = Path(__file__).resolve().parent.parent
SAMPLES = PROJECT.parent / "shared" / "samples"
EXAMPLES = PROJECT / "config" / "examples"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]
TABLES = (
    "snapshot_details",
    "paper_source",
    "news_item",
    "source_state",
    "search_champion",
    "search_term",
    "search_stats",
    "slack_installations",
    "slack_bots",
    "slack_oauth_states",
    "subscription",
    "leaderboard_entry",
    "model_alias",
    "model",
    "leaderboard_snapshot",
    "leaderboard",
    "issue_paper",
    "paper",
    "issue",
)


def _with_database(url: str, name: str) -> str:
    base, _, _ = normalise_database_url(url).rpartition("/")
    return f"{base}/{name}"


async def _admin(sql: str) -> None:
    assert POSTGRES_URL is not None
    db = Database(POSTGRES_URL)
    try:
        async with db.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(sql))
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """Create a PostgreSQL database for this run, migrated once, dropped at the end."""
    if POSTGRES_URL is None:
        pytest.skip("TEST_DATABASE_URL is not set")
    name = f"ir_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = _with_database(POSTGRES_URL, name)

    async def migrate() -> None:
        db = Database(url)
        try:
            await upgrade(db)
        finally:
            await db.dispose()

    asyncio.run(migrate())
    yield url
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def empty_postgres_url() -> Iterator[str]:
    """Create an unmigrated PostgreSQL database for one test."""
    if POSTGRES_URL is None:
        pytest.skip("TEST_DATABASE_URL is not set")
    name = f"ir_empty_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    yield _with_database(POSTGRES_URL, name)
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Return the URL of an empty, migrated database of each backend under test."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    url: str = request.getfixturevalue("postgres_database")
    return url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """Return a migrated, empty database on each backend under test."""
    database = Database(database_url)
    if database.dialect == "sqlite":
        await upgrade(database)
    else:
        async with database.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    yield database
    await database.dispose()


@pytest.fixture
def sample_path() -> Path:
    """Return the folder of captured pages shared with the project."""
    if not SAMPLES.is_dir():
        pytest.skip(f"the shared samples are not at {SAMPLES}")
    return SAMPLES
