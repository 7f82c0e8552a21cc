"""Requests are verified before anything runs: forged, replayed, stale or unsigned get 401."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from tests.bot.slack.conftest import SECRET, Endpoint, answer, state
from tests.fakes.slack import FakeSlack
from tests.fakes.slack.signing import form_body, sign

FIVE_MINUTES = 5 * 60


async def _nothing_happened(fake: FakeSlack, endpoint: Endpoint, before: dict[str, int]) -> None:
    await fake.settle(0.5)
    assert fake.calls == []  # not even auth.test: nothing got past the signature check
    assert fake.all_posts() == []
    assert fake.views == []
    assert await state(endpoint.db) == before


async def test_a_signed_subscribe_changes_the_channel(
    fake_slack: FakeSlack, slack: Endpoint
) -> None:
    # The same request the forgeries below imitate does work when Slack signs it.
    before = await state(slack.db)
    fields = fake_slack.slash_command("/subscribe", "time:08:30", user="U01ADMIN")
    posts = await answer(fake_slack, slack, fields)
    assert posts[0]["response_type"] == "in_channel"
    assert (await state(slack.db))["subscription"] == before["subscription"] + 1


@pytest.mark.parametrize(
    "forgery",
    [
        pytest.param({"secret": "not-the-signing-secret"}, id="wrong-secret"),
        pytest.param({"signature": "v0=" + "0" * 64}, id="made-up-signature"),
        pytest.param({"signature": "v1=abc"}, id="other-version"),
        pytest.param({"signed": False}, id="unsigned"),
        pytest.param({"age": FIVE_MINUTES + 30}, id="stale"),
        pytest.param({"age": -FIVE_MINUTES - 30}, id="from-the-future"),
    ],
)
async def test_a_forged_command_gets_401_and_changes_nothing(
    fake_slack: FakeSlack, slack: Endpoint, forgery: dict[str, Any]
) -> None:
    before = await state(slack.db)
    fields = fake_slack.slash_command("/subscribe", "time:08:30", user="U01ADMIN")
    options = dict(forgery)
    if "age" in options:
        options["timestamp"] = time.time() - options.pop("age")
    sent = await slack.sender.command(fields, **options)
    assert sent.status == 401
    await _nothing_happened(fake_slack, slack, before)


async def test_a_replayed_command_gets_401(fake_slack: FakeSlack, slack: Endpoint) -> None:
    before = await state(slack.db)
    fields = fake_slack.slash_command("/subscribe", "time:08:30", user="U01ADMIN")
    body = form_body(fields)
    # A request Slack really signed, six minutes ago, sent again now.
    then = str(int(time.time()) - FIVE_MINUTES - 60)
    headers = {"X-Slack-Request-Timestamp": then, "X-Slack-Signature": sign(SECRET, then, body)}
    sent = await slack.sender.post(body, signed=False, headers=headers)
    assert sent.status == 401
    await _nothing_happened(fake_slack, slack, before)


async def test_a_signature_for_another_body_gets_401(
    fake_slack: FakeSlack, slack: Endpoint
) -> None:
    before = await state(slack.db)
    harmless = form_body(fake_slack.slash_command("/help"))
    stamp = str(int(time.time()))
    signature = sign(SECRET, stamp, harmless)
    tampered = form_body(fake_slack.slash_command("/subscribe", "time:08:30", user="U01ADMIN"))
    headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}
    sent = await slack.sender.post(tampered, signed=False, headers=headers)
    assert sent.status == 401
    await _nothing_happened(fake_slack, slack, before)


async def test_a_request_four_minutes_old_is_still_taken(
    fake_slack: FakeSlack, slack: Endpoint
) -> None:
    # The window is five minutes, not less: a slow network is not an attack.
    fields = fake_slack.slash_command("/help")
    sent = await slack.sender.command(fields, timestamp=time.time() - 4 * 60)
    assert sent.status == 200
    await fake_slack.wait_for(lambda: bool(fake_slack.posts_to(fields["response_url"])))


async def test_forged_events_and_clicks_get_401(fake_slack: FakeSlack, slack: Endpoint) -> None:
    before = await state(slack.db)
    home = await slack.sender.event(fake_slack.home_opened(), secret="forged")
    click = await slack.sender.action(fake_slack.block_action("/digest"), signed=False)
    challenge = await slack.sender.event(
        {"type": "url_verification", "challenge": "c1", "token": "t"}, secret="forged"
    )
    assert (home.status, click.status, challenge.status) == (401, 401, 401)
    await _nothing_happened(fake_slack, slack, before)


async def test_slack_checking_the_url_gets_the_challenge_back(slack: Endpoint) -> None:
    sent = await slack.sender.event({"type": "url_verification", "challenge": "c1", "token": "t"})
    assert sent.status == 200 and sent.json() == {"challenge": "c1"}


async def test_no_token_or_secret_reaches_the_log(
    fake_slack: FakeSlack, slack: Endpoint, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await answer(fake_slack, slack, fake_slack.slash_command("/top", "swe-rebench"))
    await slack.sender.command(fake_slack.slash_command("/help"), secret="forged")
    await slack.sender.event(fake_slack.home_opened())
    await fake_slack.wait_for(lambda: bool(fake_slack.views))
    logged = caplog.text
    # The bot token went out on every Web API call (DEBUG logs each one), yet is nowhere here.
    assert "auth.test" in logged and "views.publish" in logged
    assert fake_slack.team.bot_token not in logged
    assert SECRET not in logged
    assert "xoxb-" not in logged
