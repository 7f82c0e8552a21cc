"""The fake Slack answers the real slack_sdk clients as Slack does, refusals included."""

from __future__ import annotations

import time

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.fakes.slack import FakeSlack

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}


def _client(fake: FakeSlack, token: str | None = None) -> AsyncWebClient:
    return AsyncWebClient(token=token or fake.team.bot_token, base_url=fake.api_url)


async def _error(call: object) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call  # type: ignore[misc]
    return str(caught.value.response["error"])


async def test_auth_test_names_the_workspace_and_the_bot(fake_slack: FakeSlack) -> None:
    answer = await _client(fake_slack).auth_test()
    assert (answer["team_id"], answer["user_id"], answer["bot_id"]) == (
        "T01FAKE",
        fake_slack.team.bot_user_id,
        fake_slack.team.bot_id,
    )


async def test_tokens_are_checked(fake_slack: FakeSlack) -> None:
    assert await _error(AsyncWebClient(base_url=fake_slack.api_url).auth_test()) == "not_authed"
    assert await _error(_client(fake_slack, "xoxb-wrong").auth_test()) == "invalid_auth"
    fake_slack.revoke(fake_slack.team.bot_token)
    assert await _error(_client(fake_slack).auth_test()) == "token_revoked"


async def test_messages_are_posted_updated_and_listed(fake_slack: FakeSlack) -> None:
    client = _client(fake_slack)
    posted = await client.chat_postMessage(channel="C01GENERAL", text="hi", blocks=[SECTION])
    await client.chat_update(channel="C01GENERAL", ts=posted["ts"], text="hi again")
    history = await client.conversations_history(channel="C01GENERAL")
    (message,) = history["messages"]
    assert message["ts"] == posted["ts"] and message["text"] == "hi again"
    assert message["bot_id"] == fake_slack.team.bot_id
    private = await client.chat_postEphemeral(channel="C01GENERAL", user="U04MEMBER", text="psst")
    assert private["message_ts"] and len(history["messages"]) == 1  # ephemeral: not in history
    assert await _error(client.chat_update(channel="C01GENERAL", ts="1.2", text="x")) == (
        "message_not_found"
    )


async def test_slacks_block_limits_are_enforced(fake_slack: FakeSlack) -> None:
    client = _client(fake_slack)
    long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    big = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3000}}
    assert await _error(client.chat_postMessage(channel="C01GENERAL", blocks=[long])) == (
        "invalid_blocks"
    )
    assert await _error(
        client.chat_postMessage(channel="C01GENERAL", text="t", blocks=[SECTION] * 51)
    ) == ("invalid_blocks")
    assert await _error(
        client.chat_postMessage(channel="C01GENERAL", text="t", blocks=[big] * 5)
    ) == ("msg_blocks_too_long")
    assert await _error(client.chat_postMessage(channel="C01GENERAL", text="x" * 40_001)) == (
        "msg_too_long"
    )
    assert await _error(client.chat_postMessage(channel="C01GENERAL")) == "no_text"
    view = {"type": "home", "blocks": [SECTION] * 101}
    assert await _error(client.views_publish(user_id="U04MEMBER", view=view)) == (
        "invalid_arguments"
    )
    assert await _error(client.chat_postMessage(channel="C99NOPE", text="t")) == (
        "channel_not_found"
    )
    assert [call.ok for call in fake_slack.calls] == [False] * 7


async def test_errors_and_rate_limits_on_demand(fake_slack: FakeSlack) -> None:
    client = _client(fake_slack)
    fake_slack.fail("chat.postMessage", "not_in_channel")
    assert await _error(client.chat_postMessage(channel="C01GENERAL", text="t")) == (
        "not_in_channel"
    )
    fake_slack.rate_limit("chat.postMessage", retry_after=1)
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C01GENERAL", text="t")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "1"
    # The SDK's retry handler honours Retry-After and gets through the second time.
    patient = _client(fake_slack)
    patient.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    fake_slack.rate_limit("chat.postMessage", retry_after=1)
    started = time.monotonic()
    assert (await patient.chat_postMessage(channel="C01GENERAL", text="t"))["ok"]
    assert time.monotonic() - started >= 1.0


async def test_who_someone_is_and_who_made_a_channel(fake_slack: FakeSlack) -> None:
    client = _client(fake_slack)
    assert (await client.users_info(user="U01ADMIN"))["user"]["is_admin"] is True
    assert (await client.users_info(user="U04MEMBER"))["user"]["is_admin"] is False
    channel = (await client.conversations_info(channel="C02CREATED"))["channel"]
    assert channel["creator"] == "U03CREATOR"
    direct = (await client.conversations_info(channel="D01DIRECT"))["channel"]
    assert direct["is_im"] is True and direct["user"] == "U04MEMBER"
    assert await _error(client.users_info(user="U99")) == "user_not_found"


async def test_a_response_url_takes_five_posts_in_thirty_minutes(fake_slack: FakeSlack) -> None:
    url = fake_slack.new_response_url()
    hook = AsyncWebhookClient(url)
    for n in range(5):
        assert (await hook.send(text=f"part {n}")).status_code == 200
    refused = await hook.send(text="one too many")
    assert (refused.status_code, refused.body) == (404, "used_url")
    assert [p["text"] for p in fake_slack.posts_to(url)] == [f"part {n}" for n in range(5)]

    now = [time.time()]
    fake_slack.clock = lambda: now[0]
    late = fake_slack.new_response_url()
    now[0] += 30 * 60 + 1
    expired = await AsyncWebhookClient(late).send(text="too late")
    assert (expired.status_code, expired.body) == (404, "expired_url")
    bad = await AsyncWebhookClient(fake_slack.new_response_url()).send(blocks=[SECTION] * 51)
    assert (bad.status_code, bad.body) == (400, "invalid_blocks")


async def test_oauth_exchanges_a_code_once_for_a_bot_token(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(base_url=fake_slack.api_url)
    code = fake_slack.oauth_code()
    wrong = client.oauth_v2_access(client_id=fake_slack.client_id, client_secret="no", code=code)
    assert await _error(wrong) == "bad_client_secret"
    answer = await client.oauth_v2_access(
        client_id=fake_slack.client_id, client_secret=fake_slack.client_secret, code=code
    )
    assert answer["team"]["id"] == "T02OTHER" and answer["access_token"].startswith("xoxb-")
    assert (await _client(fake_slack, answer["access_token"]).auth_test())["team_id"] == "T02OTHER"
    again = client.oauth_v2_access(
        client_id=fake_slack.client_id, client_secret=fake_slack.client_secret, code=code
    )
    assert await _error(again) == "invalid_code"
