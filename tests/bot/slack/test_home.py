"""The App Home tab: the latest issue, the top of each leaderboard, this workspace's digests."""

from __future__ import annotations

import json
from typing import Any

from core import digest
from storage import Database
from storage.queries.subscriptions import save_subscription
from tests.bot.slack.conftest import Endpoint, answer
from tests.fakes.slack import FakeSlack


async def _open_home(
    fake: FakeSlack, endpoint: Endpoint, user: str = "U04MEMBER"
) -> dict[str, Any]:
    published = len(fake.views)
    sent = await endpoint.sender.event(fake.home_opened(user))
    assert sent.status == 200
    await fake.wait_for(lambda: len(fake.views) > published)
    call = fake.calls_of("views.publish")[-1]
    assert call.ok, call.answer
    record = fake.views[-1]
    assert record["user_id"] == user
    view: dict[str, Any] = record["view"]
    return view


def _texts(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


async def _subscribe(
    db: Database, *, workspace: str, channel: str, platform: str = "slack"
) -> None:
    async with db.transaction() as session:
        await save_subscription(
            session,
            platform=platform,  # type: ignore[arg-type]
            workspace_id=workspace,
            channel_id=channel,
            user_id="U01ADMIN",
            settings=digest.DEFAULT_SETTINGS,
        )


async def test_home_shows_the_latest_issue_and_the_top_of_each_board(
    fake_slack: FakeSlack, slack: Endpoint
) -> None:
    view = await _open_home(fake_slack, slack)
    assert view["type"] == "home"
    first = view["blocks"][0]
    assert first["type"] == "header"
    assert first["text"]["text"] == "The Inference Report — 2026-11-22"
    text = _texts(view)
    for board in ("SWE-rebench — top 3", "Artificial Analysis Intelligence Index — top 3"):
        assert board in text
    tables = [
        b["text"]["text"]
        for b in view["blocks"]
        if b["type"] == "section" and b["text"]["text"].startswith("```")
    ]
    assert len(tables) == 2 and all(len(t.strip("`\n").splitlines()) == 4 for t in tables)
    assert "No channel here gets the digest yet" in text


async def test_home_lists_this_workspaces_digests_only(
    fake_slack: FakeSlack, slack: Endpoint
) -> None:
    fields = fake_slack.slash_command(
        "/subscribe", "time:08:30 timezone:Europe/Paris", user="U01ADMIN"
    )
    await answer(fake_slack, slack, fields)
    await _subscribe(slack.db, workspace="T09ELSEWHERE", channel="C09ELSEWHERE")
    await _subscribe(slack.db, workspace="T01FAKE", channel="123456", platform="discord")
    text = _texts(await _open_home(fake_slack, slack))
    assert "<#C01GENERAL>" in text
    assert "daily at 08:30 (Europe/Paris)" in text
    assert "C09ELSEWHERE" not in text and "123456" not in text
    assert "No channel here gets the digest yet" not in text


async def test_home_keeps_to_100_blocks_with_many_digests(
    fake_slack: FakeSlack, slack: Endpoint
) -> None:
    for n in range(40):
        await _subscribe(slack.db, workspace="T01FAKE", channel=f"C{n:04d}X")
    view = await _open_home(fake_slack, slack)
    assert len(view["blocks"]) <= 100  # and the fake, which refuses more, accepted it
    text = _texts(view)
    assert "<#C0000X>" in text and "<#C0019X>" in text and "<#C0020X>" not in text
    assert "and 20 more" in text


async def test_home_shows_data_mentions_as_text(fake_slack: FakeSlack, slack: Endpoint) -> None:
    text = _texts(await _open_home(fake_slack, slack))
    assert "<!channel>" not in text and "<@U123>" not in text and "<!here>" not in text
    assert "&lt;!channel&gt;" in text


async def test_the_messages_tab_publishes_nothing(fake_slack: FakeSlack, slack: Endpoint) -> None:
    event = fake_slack.home_opened()
    event["event"]["tab"] = "messages"
    sent = await slack.sender.event(event)
    assert sent.status == 200
    await fake_slack.settle()
    assert fake_slack.views == []
