"""Fixtures for the commands: the example issues loaded, and a Discord channel to ask in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from core.commands import CommandContext
from core.ingest.store import ingest
from storage import Database

EXAMPLES = Path(__file__).resolve().parents[3] / "config" / "examples"
# A Monday morning after both example issues, in winter time in Europe.
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
PUBLIC_URL = "https://report.example/"

MakeContext = Callable[..., CommandContext]


@pytest.fixture
async def loaded(db: Database) -> Database:
    """Return the database with both example issues imported."""
    for path in sorted(EXAMPLES.glob("report-*.txt")):
        await ingest(db, path.read_bytes())
    return db


@pytest.fixture
def make_ctx(loaded: Database) -> MakeContext:
    """Return a maker of contexts: a Discord channel whose asker may manage it, by default."""

    def make(**changes: object) -> CommandContext:
        fields: dict[str, object] = {
            "db": loaded,
            "public_url": PUBLIC_URL,
            "platform": "discord",
            "workspace_id": "guild-1",
            "channel_id": "channel-1",
            "user_id": "user-1",
            "can_manage_channel": True,
            "clock": lambda: NOW,
        }
        fields.update(changes)
        return CommandContext(**fields)  # type: ignore[arg-type]

    return make


@pytest.fixture
def channel(make_ctx: MakeContext) -> CommandContext:
    """Return a Discord channel, asked by a member who may manage it."""
    return make_ctx()
