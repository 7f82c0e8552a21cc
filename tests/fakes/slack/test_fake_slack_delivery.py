"""The fake Slack at delivery scale: many channels, refusals, rate limits, metadata, threads."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack import FakeSlack
from tests.fakes.slack.fixtures import serving_slack
from tests.fakes.slack.ratelimits import PostLimits, RateLimited

UNLIMITED: dict[str, Any] = {"workspace_per_minute": None, "channel_per_second": None}
EVENT = {"event_type": "digest_posted", "event_payload": {"issue": "2026-11-20", "part": 1}}


def _client(fake: FakeSlack, token: str | None = None, **options: Any) -> AsyncWebClient:
    return AsyncWebClient(token=token or fake.team.bot_token, base_url=fake.api_url, **options)


async def _error(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call
    return str(caught.value.response["error"])


async def test_thousands_of_channels_in_several_workspaces() -> None:
    async with serving_slack(**UNLIMITED) as fake:
        other = fake.add_team("T02SECOND", "Second Workspace")
        first = fake.add_channels(fake.team, 2000)
        second = fake.add_channels("T02SECOND", 3, private=True)
        assert len(set(first + second)) == 2003 and second[0].startswith("G")
        client, theirs = _client(fake), _client(fake, other.bot_token)
        for channel_id in first[::250]:
            assert (await client.chat_postMessage(channel=channel_id, text="digest"))["ok"]
        await theirs.chat_postMessage(channel=second[0], text="digest")
        # A workspace's token reaches its own channels only.
        assert await _error(client.chat_postMessage(channel=second[1], text="x")) == (
            "channel_not_found"
        )
        expected = dict.fromkeys([*first[::250], second[0]], 1)
        assert fake.deliveries() == expected
        assert fake.deliveries(other) == {second[0]: 1}
        assert [m["text"] for m in fake.messages_in(first[250])] == ["digest"]
        assert fake.channel(second[0]).is_private and fake.messages_in(first[1]) == []
        with pytest.raises(LookupError):
            fake.add_channels("T99NONE", 1)


async def test_permanent_refusals_as_slack_gives_them() -> None:
    async with serving_slack(**UNLIMITED) as fake:
        left, archived, fine = fake.add_channels(fake.team, 3)
        (uninvited,) = fake.add_channels(fake.team, 1, private=True, member=False)
        fake.leave(left)
        fake.archive(archived)
        client = _client(fake)
        post = client.chat_postMessage
        assert await _error(post(channel="C99NOPE", text="x")) == "channel_not_found"
        assert await _error(post(channel=left, text="x")) == "not_in_channel"
        assert await _error(post(channel=uninvited, text="x")) == "not_in_channel"
        assert await _error(client.conversations_history(channel=left)) == "not_in_channel"
        assert await _error(post(channel=archived, text="x")) == "is_archived"
        assert (await post(channel=fine, text="x"))["ok"]
        other = fake.add_team("T03GONE", "Gone Workspace")
        fake.deactivate(other)
        gone = _client(fake, other.bot_token)
        assert await _error(gone.auth_test()) == "account_inactive"
        assert await _error(gone.chat_postMessage(channel="C01GENERAL", text="x")) == (
            "account_inactive"
        )
        assert fake.deliveries() == {fine: 1}


def test_the_buckets_refill_as_configured() -> None:
    limits = PostLimits(
        channel_per_second=1.0, channel_burst=2, workspace_per_minute=120, workspace_burst=3
    )
    limits.take("T", "C1", 0.0)
    limits.take("T", "C1", 0.0)
    with pytest.raises(RateLimited) as caught:
        limits.take("T", "C1", 0.0)
    assert (caught.value.retry_after, caught.value.scope) == (1, "channel")
    limits.take("T", "C2", 0.0)  # a refused call spent nothing: the workspace had 1 left
    with pytest.raises(RateLimited) as caught:
        limits.take("T", "C3", 0.1)
    assert (caught.value.retry_after, caught.value.scope) == (1, "workspace")
    limits.take("U", "C3", 0.1)  # another workspace: its own allowance
    limits.take("T", "C3", 0.6)  # 120 a minute: one more every half second


async def test_a_channel_takes_a_burst_of_two_then_one_a_second() -> None:
    async with serving_slack() as fake:
        one, two = fake.add_channels(fake.team, 2)
        client = _client(fake)
        for _ in range(2):
            await client.chat_postMessage(channel=one, text="x")
        with pytest.raises(SlackApiError) as caught:
            await client.chat_postMessage(channel=one, text="x")
        answer = caught.value.response
        assert answer.status_code == 429 and answer.headers["Retry-After"] == "1"
        assert answer.data == {"ok": False, "error": "ratelimited"}
        assert (await client.chat_postMessage(channel=two, text="x"))["ok"]
        await asyncio.sleep(1.0)
        assert (await client.chat_postMessage(channel=one, text="x"))["ok"]
        assert fake.count_429s("channel") == 1 == fake.count_429s()
        assert fake.deliveries() == {one: 3, two: 1}
        assert len(fake.request_times("chat.postMessage")) == 4


async def test_the_workspace_limit_spans_its_channels_only() -> None:
    tight = {"workspace_per_minute": 60, "workspace_burst": 5, "channel_per_second": None}
    async with serving_slack(**tight) as fake:
        other = fake.add_team("T02SECOND", "Second Workspace")
        mine = fake.add_channels(fake.team, 6)
        theirs = fake.add_channels(other, 1)
        client = _client(fake)
        for channel_id in mine[:5]:
            await client.chat_postMessage(channel=channel_id, text="x")
        with pytest.raises(SlackApiError) as caught:
            await client.chat_postMessage(channel=mine[5], text="x")
        assert caught.value.response.status_code == 429
        assert caught.value.response.headers["Retry-After"] == "1"
        await _client(fake, other.bot_token).chat_postMessage(channel=theirs[0], text="x")
        assert fake.count_429s("workspace") == 1 and fake.count_429s("channel") == 0


async def test_an_even_pace_at_the_limit_gets_no_429() -> None:
    async with serving_slack(channel_per_second=10.0) as fake:
        (channel_id,) = fake.add_channels(fake.team, 1)
        client = _client(fake)
        started = time.monotonic()
        for n in range(20):
            await asyncio.sleep(max(0.0, started + n / 10 - time.monotonic()))
            await client.chat_postMessage(channel=channel_id, text=str(n))
        times = fake.request_times("chat.postMessage")
    assert fake.count_429s() == 0
    assert 9 <= (len(times) - 1) / (times[-1] - times[0]) <= 11


async def test_the_sdk_retry_handler_waits_out_a_channel_limit() -> None:
    async with serving_slack(channel_burst=1) as fake:
        (channel_id,) = fake.add_channels(fake.team, 1)
        client = _client(fake)
        client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
        started = time.monotonic()
        for n in range(2):
            await client.chat_postMessage(channel=channel_id, text=str(n))
        assert time.monotonic() - started >= 1.0
    assert [m["text"] for m in fake.messages_in(channel_id)] == ["0", "1"]
    assert [c.status for c in fake.calls_of("chat.postMessage")] == [200, 429, 200]


async def test_metadata_is_stored_and_shown_when_asked() -> None:
    async with serving_slack(**UNLIMITED) as fake:
        (channel_id,) = fake.add_channels(fake.team, 1)
        client = _client(fake)
        posted = await client.chat_postMessage(channel=channel_id, text="digest", metadata=EVENT)
        assert posted["message"]["metadata"] == EVENT
        # As a form post, metadata arrives JSON-encoded.
        form = {"channel": channel_id, "text": "part 2", "metadata": json.dumps(EVENT)}
        headers = {"Authorization": f"Bearer {fake.team.bot_token}"}
        async with (
            aiohttp.ClientSession() as http,
            http.post(fake.api_url + "chat.postMessage", data=form, headers=headers) as answer,
        ):
            assert (await answer.json())["ok"]
        plain = await client.conversations_history(channel=channel_id)
        assert all("metadata" not in m for m in plain["messages"])
        full = await client.conversations_history(channel=channel_id, include_all_metadata=True)
        assert [m["metadata"] for m in full["messages"]] == [EVENT, EVENT]
        message = full["messages"][0]
        assert (message["bot_id"], message["app_id"]) == (fake.team.bot_id, fake.app_id)
        assert message["text"] == "part 2" and message["blocks"] == []
        bad = client.chat_postMessage(channel=channel_id, text="x", metadata={"event_type": 1})
        assert await _error(bad) == "invalid_metadata_format"


async def test_history_pages_newest_first_between_bounds() -> None:
    async with serving_slack(**UNLIMITED) as fake:
        (channel_id,) = fake.add_channels(fake.team, 1)
        client = _client(fake)
        ts = [
            (await client.chat_postMessage(channel=channel_id, text=str(n)))["ts"] for n in range(7)
        ]
        assert ts == sorted(ts, key=float) and len(set(ts)) == 7
        pages = []
        async for page in await client.conversations_history(channel=channel_id, limit=3):
            pages.append([m["text"] for m in page["messages"]])
        assert pages == [["6", "5", "4"], ["3", "2", "1"], ["0"]]
        first = await client.conversations_history(channel=channel_id, limit=3)
        assert first["has_more"] and first["response_metadata"]["next_cursor"]

        async def texts(**bounds: Any) -> list[str]:
            answer = await client.conversations_history(channel=channel_id, **bounds)
            return [m["text"] for m in answer["messages"]]

        assert await texts(oldest=ts[2], latest=ts[5]) == ["4", "3"]
        assert await texts(oldest=ts[2], latest=ts[5], inclusive=True) == ["5", "4", "3", "2"]
        assert await texts(oldest=ts[5]) == ["6"]
        assert await texts(latest=ts[1]) == ["0"]
        assert await _error(client.conversations_history(channel=channel_id, cursor="x")) == (
            "invalid_cursor"
        )
        assert await _error(client.conversations_history(channel=channel_id, oldest="no")) == (
            "invalid_ts_oldest"
        )


async def test_threads_show_in_replies_not_in_history() -> None:
    async with serving_slack(**UNLIMITED) as fake:
        (channel_id,) = fake.add_channels(fake.team, 1)
        client = _client(fake)
        parent = (await client.chat_postMessage(channel=channel_id, text="digest"))["ts"]
        first = await client.chat_postMessage(channel=channel_id, text="r1", thread_ts=parent)
        # A reply's ts names the thread too.
        await client.chat_postMessage(channel=channel_id, text="r2", thread_ts=first["ts"])
        lost = await client.chat_postMessage(channel=channel_id, text="lost", thread_ts="1.000001")
        assert lost["ok"]
        history = await client.conversations_history(channel=channel_id)
        (shown,) = history["messages"]
        assert (shown["text"], shown["reply_count"], shown["thread_ts"]) == ("digest", 2, parent)
        replies = await client.conversations_replies(channel=channel_id, ts=parent)
        assert [m["text"] for m in replies["messages"]] == ["digest", "r1", "r2"]
        assert replies["messages"][2]["thread_ts"] == parent
        assert [m["text"] for m in fake.messages_in(channel_id)] == ["digest", "r1", "r2", "lost"]
        assert fake.deliveries() == {channel_id: 1}
        bad = client.chat_postMessage(channel=channel_id, text="x", thread_ts="yesterday")
        assert await _error(bad) == "invalid_thread_ts"
        missing = client.conversations_replies(channel=channel_id, ts="2.000002")
        assert await _error(missing) == "thread_not_found"


async def test_messages_are_updated_and_deleted_where_they_are() -> None:
    async with serving_slack(**UNLIMITED) as fake:
        one, two = fake.add_channels(fake.team, 2)
        client = _client(fake)
        posted = await client.chat_postMessage(channel=two, text="draft")
        updated = await client.chat_update(channel=two, ts=posted["ts"], text="final")
        assert updated["text"] == "final"
        (stored,) = fake.messages_in(two)
        assert stored["text"] == "final" and stored["edited"]
        long = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
        assert await _error(client.chat_update(channel=two, ts=posted["ts"], blocks=long)) == (
            "invalid_blocks"
        )
        assert await _error(client.chat_delete(channel=one, ts=posted["ts"])) == (
            "message_not_found"
        )
        assert (await client.chat_delete(channel=two, ts=posted["ts"]))["ts"] == posted["ts"]
        assert fake.messages_in(two) == []
        again = await client.chat_postMessage(channel=two, text="again")
        fake.archive(two)
        assert await _error(client.chat_update(channel=two, ts=again["ts"], text="x")) == (
            "is_archived"
        )


async def test_a_lost_answer_still_posted_the_message() -> None:
    async with serving_slack(**UNLIMITED) as fake:
        first, second = fake.add_channels(fake.team, 2)
        fake.fail_after_commit("chat.postMessage")
        with pytest.raises(SlackApiError) as caught:
            await _client(fake).chat_postMessage(channel=first, text="digest")
        assert caught.value.response.status_code == 500
        fake.fail_after_commit("chat.postMessage", drop=True)
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await _client(fake, retry_handlers=[]).chat_postMessage(channel=second, text="d")
        assert fake.deliveries() == {first: 1, second: 1}
        assert [c.status for c in fake.calls_of("chat.postMessage")] == [500, 0]


async def test_the_sdks_default_retry_repeats_a_dropped_post() -> None:
    async with serving_slack(**UNLIMITED) as fake:
        (channel_id,) = fake.add_channels(fake.team, 1)
        fake.fail_after_commit("chat.postMessage", drop=True)
        # slack_sdk retries a connection error once by default: Slack has no idempotency key.
        assert (await _client(fake).chat_postMessage(channel=channel_id, text="digest"))["ok"]
        assert fake.deliveries() == {channel_id: 2}


async def test_history_as_a_non_marketplace_app_gets_it() -> None:
    async with serving_slack(history_per_minute=1, history_page_max=15, **UNLIMITED) as fake:
        (channel_id,) = fake.add_channels(fake.team, 1)
        client = _client(fake)
        for n in range(20):
            await client.chat_postMessage(channel=channel_id, text=str(n))
        page = await client.conversations_history(channel=channel_id, limit=100)
        assert len(page["messages"]) == 15 and page["has_more"]
        with pytest.raises(SlackApiError) as caught:
            await client.conversations_history(channel=channel_id)
        assert caught.value.response.status_code == 429
        assert 59 <= int(caught.value.response.headers["Retry-After"]) <= 60
        # Per method: replies has its own allowance.
        replies = await client.conversations_replies(
            channel=channel_id, ts=page["messages"][0]["ts"]
        )
        assert replies["ok"] and fake.count_429s("method") == 1


async def test_conversations_info_tells_archived_and_membership() -> None:
    async with serving_slack() as fake:
        (channel_id,) = fake.add_channels(fake.team, 1, private=True, member=False)
        fake.archive(channel_id)
        info = (await _client(fake).conversations_info(channel=channel_id))["channel"]
        assert info["is_archived"] and not info["is_member"] and info["is_private"]


async def test_tiered_methods_count_per_workspace() -> None:
    async with serving_slack(tiers={"chat.update": 2, "auth.test": None}, **UNLIMITED) as fake:
        (channel_id,) = fake.add_channels(fake.team, 1)
        client = _client(fake)
        ts = (await client.chat_postMessage(channel=channel_id, text="draft"))["ts"]
        for n in range(2):
            await client.chat_update(channel=channel_id, ts=ts, text=f"edit {n}")
        with pytest.raises(SlackApiError) as caught:
            await client.chat_update(channel=channel_id, ts=ts, text="one too many")
        assert caught.value.response.status_code == 429
        assert int(caught.value.response.headers["Retry-After"]) == 30
        assert fake.messages_in(channel_id)[0]["text"] == "edit 1"
        other = fake.add_team("T02SECOND", "Second Workspace")
        (theirs,) = fake.add_channels(other, 1)
        them = _client(fake, other.bot_token)
        posted = await them.chat_postMessage(channel=theirs, text="draft")
        assert (await them.chat_update(channel=theirs, ts=posted["ts"], text="edit"))["ok"]


async def test_the_bot_joins_public_channels_only() -> None:
    async with serving_slack(**UNLIMITED) as fake:
        (public,) = fake.add_channels(fake.team, 1, member=False)
        (private,) = fake.add_channels(fake.team, 1, private=True, member=False)
        client = _client(fake)
        assert await _error(client.chat_postMessage(channel=public, text="x")) == "not_in_channel"
        assert (await client.conversations_join(channel=public))["channel"]["id"] == public
        assert (await client.chat_postMessage(channel=public, text="x"))["ok"]
        assert await _error(client.conversations_join(channel=private)) == (
            "method_not_supported_for_channel_type"
        )


async def test_a_call_dropped_before_commit_posts_nothing() -> None:
    async with serving_slack(**UNLIMITED) as fake:
        (channel_id,) = fake.add_channels(fake.team, 1)
        fake.fail("chat.postMessage", drop=True)
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await _client(fake, retry_handlers=[]).chat_postMessage(channel=channel_id, text="x")
        assert fake.deliveries() == {}
        fake.fail("chat.postMessage", "fatal_error")
        assert await _error(_client(fake).chat_postMessage(channel=channel_id, text="x")) == (
            "fatal_error"
        )
        assert fake.messages_in(channel_id) == []
