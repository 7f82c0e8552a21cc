"""Starting the Slack app: Socket Mode against the fake's WebSocket, HTTP mode, or a clear no."""

from __future__ import annotations

import asyncio
import logging

import pytest
from pydantic import SecretStr

from bot.slack import start_slack
from storage import Database
from tests.bot.slack.conftest import oauth_settings, slack_settings
from tests.fakes.slack import FakeSlack


async def test_socket_mode_answers_commands_and_events(
    fake_slack: FakeSlack, loaded: Database
) -> None:
    settings = slack_settings(
        fake_slack, slack_mode="socket", slack_app_token=SecretStr(fake_slack.app_token)
    )
    runner = await start_slack(settings, loaded)
    assert runner is not None and runner.mode == "socket"
    try:
        await fake_slack.wait_for_socket()
        (opened,) = fake_slack.calls_of("apps.connections.open")
        assert opened.token == fake_slack.app_token and opened.ok
        fields = fake_slack.slash_command("/top", "swe-rebench")
        envelope = await fake_slack.socket_send("slash_commands", fields)
        ack = await asyncio.wait_for(envelope.acked, 3.0)
        assert ack == {"envelope_id": envelope.envelope_id}
        await fake_slack.wait_for(lambda: bool(fake_slack.posts_to(fields["response_url"])))
        (post,) = fake_slack.posts_to(fields["response_url"])
        assert post["text"] == "SWE-rebench — 2026-11-22" and post["response_type"] == "in_channel"

        home = await fake_slack.socket_send("events_api", fake_slack.home_opened())
        await asyncio.wait_for(home.acked, 3.0)
        await fake_slack.wait_for(lambda: bool(fake_slack.views))
    finally:
        await runner.stop()


async def test_http_mode_returns_the_app_to_mount(fake_slack: FakeSlack, db: Database) -> None:
    runner = await start_slack(slack_settings(fake_slack), db)
    assert runner is not None and runner.mode == "http" and runner.handler is None
    assert [call.method for call in fake_slack.calls] == ["auth.test"]
    await runner.stop()


async def test_oauth_needs_no_token_to_start(fake_slack: FakeSlack, db: Database) -> None:
    runner = await start_slack(oauth_settings(fake_slack), db)
    assert runner is not None and runner.app.oauth_flow is not None
    assert fake_slack.calls == []


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        pytest.param(
            {"slack_signing_secret": None, "slack_bot_token": None},
            "Slack: not configured (SLACK_SIGNING_SECRET is not set); the Slack app is not started",
            id="nothing-set",
        ),
        pytest.param(
            {"slack_bot_token": None},
            "Slack: not configured (set SLACK_BOT_TOKEN (one workspace), or SLACK_CLIENT_ID",
            id="no-credentials",
        ),
        pytest.param(
            {"slack_mode": "socket"},
            "Slack: SLACK_MODE is socket but SLACK_APP_TOKEN (xapp-...) is not set",
            id="socket-without-app-token",
        ),
        pytest.param(
            {"slack_bot_token": SecretStr("xoxb-not-a-real-token-0000")},
            "Slack: Slack refused SLACK_BOT_TOKEN (invalid_auth)",
            id="bot-token-refused",
        ),
        pytest.param(
            {"slack_mode": "socket", "slack_app_token": SecretStr("xapp-1-not-the-app-token")},
            "Slack: Slack refused SLACK_APP_TOKEN (invalid_auth)",
            id="app-token-refused",
        ),
    ],
)
async def test_a_slack_app_that_cannot_run_says_why_and_is_not_started(
    fake_slack: FakeSlack,
    db: Database,
    caplog: pytest.LogCaptureFixture,
    changes: dict[str, object],
    said: str,
) -> None:
    caplog.set_level(logging.INFO, logger="inference_report.slack")
    assert await start_slack(slack_settings(fake_slack, **changes), db) is None
    assert said in caplog.text
    for secret in ("xoxb-not-a-real-token-0000", "xapp-1-not-the-app-token"):
        assert secret not in caplog.text
