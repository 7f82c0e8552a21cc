"""Subscriptions: one per channel, saved whole, listed for delivery, constrained by the schema."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

from storage import Database
from storage.queries.subscriptions import (
    DigestSettings,
    delete_subscription,
    get_subscription,
    list_subscriptions,
    save_subscription,
    settings_of,
)
from storage.tables import Subscription

SETTINGS = DigestSettings(
    schedule_kind="daily",
    time_of_day="08:30",
    timezone="Europe/Paris",
    sections=("editorial", "papers"),
    categories=("cs.DC",),
    keywords=("batching", "speculative decoding"),
    alert_boards=("swe-rebench",),
    alert_top_n=5,
    alert_score_threshold=1.5,
)


async def test_save_get_update_delete(db: Database) -> None:
    async with db.transaction() as session:
        saved, created = await save_subscription(
            session,
            platform="discord",
            workspace_id="g1",
            channel_id="c1",
            user_id="u1",
            settings=SETTINGS,
        )
    assert created
    async with db.session() as session:
        found = await get_subscription(session, platform="discord", channel_id="c1")
        assert await get_subscription(session, platform="slack", channel_id="c1") is None
    assert found is not None and found.id == saved.id
    assert settings_of(found) == SETTINGS
    assert (found.workspace_id, found.created_by, found.paused_at) == ("g1", "u1", None)
    assert found.created_at.tzinfo is not None

    on_publish = DigestSettings(
        schedule_kind="on-publish",
        time_of_day=None,
        timezone="UTC",
        sections=("leaderboards",),
        categories=(),
        keywords=(),
        alert_boards=(),
        alert_top_n=3,
        alert_score_threshold=0.5,
    )
    async with db.transaction() as session:
        updated, created = await save_subscription(
            session,
            platform="discord",
            workspace_id="g1",
            channel_id="c1",
            user_id="u2",
            settings=on_publish,
        )
    assert not created and updated.id == saved.id
    async with db.session() as session:
        again = await get_subscription(session, platform="discord", channel_id="c1")
    assert again is not None and again.id == saved.id
    assert settings_of(again) == on_publish
    assert again.created_by == "u1"
    assert again.updated_at >= again.created_at

    async with db.transaction() as session:
        assert await delete_subscription(session, platform="discord", channel_id="c1")
        assert not await delete_subscription(session, platform="discord", channel_id="c1")
    async with db.session() as session:
        assert await get_subscription(session, platform="discord", channel_id="c1") is None


async def test_list_by_platform_and_workspace(db: Database) -> None:
    async with db.transaction() as session:
        for platform, workspace, channel in (
            ("discord", "g1", "c1"),
            ("discord", "g2", "c2"),
            ("slack", "T1", "C1"),
        ):
            await save_subscription(
                session,
                platform=platform,  # type: ignore[arg-type]
                workspace_id=workspace,
                channel_id=channel,
                user_id="u",
                settings=SETTINGS,
            )
    async with db.session() as session:
        every = await list_subscriptions(session)
        discord = await list_subscriptions(session, platform="discord")
        one = await list_subscriptions(session, platform="discord", workspace_id="g2")
    assert [s.channel_id for s in every] == ["c1", "c2", "C1"]
    assert [s.channel_id for s in discord] == ["c1", "c2"]
    assert [s.channel_id for s in one] == ["c2"]


def _row(**changes: object) -> Subscription:
    values: dict[str, object] = {
        "platform": "discord",
        "workspace_id": "g1",
        "channel_id": "c1",
        "schedule_kind": "daily",
        "time_of_day": "08:30",
        "timezone": "UTC",
        "sections": ["papers"],
        "alert_top_n": 5,
        "alert_score_threshold": 1.0,
        "created_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        "updated_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    }
    values.update(changes)
    return Subscription(**values)  # type: ignore[arg-type]


async def test_one_subscription_per_channel(db: Database) -> None:
    async with db.transaction() as session:
        session.add(_row())
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            session.add(_row(workspace_id="g2"))
    # The same channel id on another platform is another channel.
    async with db.transaction() as session:
        session.add(_row(platform="slack"))


@pytest.mark.parametrize(
    "changes",
    [
        {"platform": "irc"},
        {"schedule_kind": "weekly"},
        {"schedule_kind": "daily", "time_of_day": None},
    ],
)
async def test_the_schema_refuses_what_cannot_be_delivered(
    db: Database, changes: dict[str, object]
) -> None:
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            session.add(_row(**changes))
