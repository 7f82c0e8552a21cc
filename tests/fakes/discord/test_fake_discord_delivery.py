"""The fake Discord at delivery scale: many channels, the global limit, lost answers, history."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route, handle_message_parameters

from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.clients import connect_gateway, logged_in
from tests.fakes.discord.fixtures import serving_discord
from tests.fakes.discord.ratelimits import GlobalLimit


@contextlib.asynccontextmanager
async def as_bot(fake: FakeDiscord) -> AsyncIterator[aiohttp.ClientSession]:
    """Return an HTTP session that speaks to the fake as the bot."""
    headers = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession(fake.api_base_url + "/", headers=headers) as session:
        yield session


async def _call(
    http: aiohttp.ClientSession, method: str, path: str, body: Any = None, **query: str
) -> tuple[int, Any]:
    async with http.request(method, path.lstrip("/"), json=body, params=query) as answer:
        return answer.status, await answer.json() if answer.status != 204 else None


async def _post(http: aiohttp.ClientSession, channel_id: str, content: str) -> tuple[int, Any]:
    return await _call(http, "POST", f"channels/{channel_id}/messages", {"content": content})


async def test_thousands_of_channels_each_take_a_message() -> None:
    async with serving_discord(global_limit=None) as fake, as_bot(fake) as http:
        channels = fake.add_channels(2000)
        assert len(set(channels)) == 2000 and fake.guild.channel_id not in channels
        assert fake.channels_of() == [fake.guild.channel_id, *channels]
        for channel_id in channels[::100]:
            assert (await _post(http, channel_id, "digest"))[0] == 200
            status, channel = await _call(http, "GET", f"channels/{channel_id}")
            assert status == 200 and channel["guild_id"] == fake.guild.id
        assert fake.deliveries() == dict.fromkeys(channels[::100], 1)
        assert [m["content"] for m in fake.messages_in(channels[100])] == ["digest"]
        assert fake.messages_in(channels[1]) == []


async def test_more_guilds_show_on_the_gateway(fake_discord: FakeDiscord) -> None:
    other = fake_discord.add_guild("Second Guild")
    (added,) = fake_discord.add_channels(1, guild=other)
    assert fake_discord.channels_of(other.id) == [other.channel_id, added]
    guilds = await connect_gateway(fake_discord, guilds=2)
    assert [g["id"] for g in guilds] == [fake_discord.guild.id, other.id]
    assert [c["id"] for c in guilds[1]["channels"]] == [other.channel_id, added]
    with pytest.raises(LookupError):
        fake_discord.add_channels(1, guild="123")


async def test_forbidden_and_deleted_channels_refuse_as_discord_does() -> None:
    async with serving_discord() as fake, as_bot(fake) as http:
        hidden, read_only, gone, fine = fake.add_channels(4)
        fake.forbid(hidden)
        fake.forbid(read_only, code=50013)
        fake.delete_channel(gone)
        assert await _post(http, hidden, "x") == (403, {"message": "Missing Access", "code": 50001})
        assert (await _call(http, "GET", f"channels/{hidden}"))[0] == 403
        assert await _post(http, read_only, "x") == (
            403,
            {"message": "Missing Permissions", "code": 50013},
        )
        assert (await _call(http, "GET", f"channels/{read_only}/messages"))[0] == 200
        assert await _post(http, gone, "x") == (404, {"message": "Unknown Channel", "code": 10003})
        assert (await _call(http, "GET", f"channels/{gone}"))[0] == 404
        assert (await _post(http, fine, "x"))[0] == 200
        assert fake.deliveries() == {fine: 1}
        assert fake.count_invalid() == 3  # two 403s on `hidden`, one on `read_only`
        with pytest.raises(ValueError, match="50001 or 50013"):
            fake.forbid(fine, code=403)


def test_the_global_bucket_holds_50_and_refills_50_a_second() -> None:
    limit = GlobalLimit(50)
    assert [limit.take(100.0) for _ in range(50)] == [0.0] * 50
    assert limit.take(100.0) == pytest.approx(0.02)
    assert limit.take(100.01) == pytest.approx(0.01)  # half a token back: not yet
    assert limit.take(100.02) == 0.0
    assert limit.take(100.02) > 0
    # A quiet second refills it, never beyond the burst.
    assert [limit.take(105.0) for _ in range(51)].count(0.0) == 50
    small = GlobalLimit(10, burst=2)
    assert [small.take(0.0) for _ in range(3)] == [0.0, 0.0, pytest.approx(0.1)]


async def test_a_burst_over_the_global_limit_gets_global_429s() -> None:
    async with serving_discord(global_limit=50) as fake, as_bot(fake) as http:
        channels = fake.add_channels(80)
        answers = await asyncio.gather(*(_post(http, c, "x") for c in channels))
        statuses = [status for status, _ in answers]
        assert statuses.count(200) + statuses.count(429) == 80
        # Fifty at once, plus what refilled while the burst was being served.
        assert 50 <= statuses.count(200) < 75
        refused = next(body for status, body in answers if status == 429)
        assert refused["global"] is True and refused["message"] == "You are being rate limited."
        assert 0 < refused["retry_after"] <= 0.02
        assert fake.count_429s("global") == statuses.count(429) == fake.count_429s()
        while True:  # drain the bucket so the next request is refused
            async with http.get("users/@me") as answer:
                if answer.status == 429:
                    break
        assert answer.headers["X-RateLimit-Global"] == "true"
        assert answer.headers["X-RateLimit-Scope"] == "global"
        assert answer.headers["Via"] == "1.1 google"
        assert int(answer.headers["Retry-After"]) >= 1
        assert len(fake.deliveries()) == statuses.count(200)
        assert len(fake.request_times("POST", "/channels/*/messages")) == statuses.count(200)


async def test_interaction_callbacks_and_webhooks_are_not_counted() -> None:
    limited = FakeDiscord(global_limit=2)
    await limited.start()
    try:
        limited.global_commands = [{"id": "1", "name": "top", "type": 1, "options": []}]
        await connect_gateway(limited)
        async with as_bot(limited) as http:
            channel = limited.guild.channel_id
            assert [(await _post(http, channel, "x"))[0] for _ in range(3)] == [200, 200, 429]
            interaction = await limited.interact("top")
            callback = f"interactions/{interaction.id}/{interaction.token}/callback"
            assert (await _call(http, "POST", callback, {"type": 5}))[0] == 204
            webhook = f"webhooks/{limited.application_id}/{interaction.token}"
            assert (await _call(http, "POST", webhook, {"content": "more"}, wait="true"))[0] == 200
    finally:
        await limited.close()


async def test_an_even_pace_at_the_limit_gets_no_429() -> None:
    async with serving_discord(global_limit=20) as fake, as_bot(fake) as http:
        channels = fake.add_channels(50)
        started = time.monotonic()
        for n, channel_id in enumerate(channels):
            await asyncio.sleep(max(0.0, started + n / 20 - time.monotonic()))
            assert (await _post(http, channel_id, "x"))[0] == 200
        times = fake.request_times("POST", "/channels/*/messages")
    assert fake.count_429s() == 0 and len(times) == 50
    assert 19 <= (len(times) - 1) / (times[-1] - times[0]) <= 21


async def test_discord_py_waits_out_the_global_limit() -> None:
    async with serving_discord(global_limit=10) as fake, logged_in(fake) as client:
        channels = fake.add_channels(25)
        for channel_id in channels:  # as a naive sender would, without pacing
            with handle_message_parameters(content="digest") as params:
                await client.http.send_message(int(channel_id), params=params)
        times = fake.request_times("POST", "/channels/*/messages")
    assert fake.deliveries() == dict.fromkeys(channels, 1)
    assert len(times) == 25 and fake.count_429s("global") >= 1
    # However the client retried, no second let more than the burst and a second's refill in.
    assert all(later - earlier >= 0.99 for earlier, later in zip(times, times[20:], strict=False))
    assert times[-1] - times[0] >= 1.4


async def test_a_lost_answer_still_made_the_message() -> None:
    async with serving_discord() as fake, as_bot(fake) as http:
        first, second, third = fake.add_channels(3)
        fake.fail_after_commit("POST", "/channels/*/messages", status=500)
        status, body = await _post(http, first, "made")
        assert (status, body["message"]) == (500, "Internal Server Error")
        fake.fail_after_commit("POST", f"/channels/{second}/messages", drop=True)
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await _post(http, second, "made too")
        assert (await _post(http, third, "answered"))[0] == 200
        assert fake.deliveries() == {first: 1, second: 1, third: 1}
        calls = fake.calls("POST", "/channels/*/messages")
        assert [call.status for call in calls] == [500, 0, 200]
        # A refused request is not "committed": the fault waits for one that succeeds.
        fake.fail_after_commit("POST", "/channels/*/messages")
        assert (await _call(http, "POST", f"channels/{first}/messages", {}))[0] == 400
        assert (await _post(http, first, "second"))[0] == 500
        assert len(fake.messages_in(first)) == 2


async def test_discord_py_retrying_a_lost_answer_with_a_nonce_makes_one_message() -> None:
    async with serving_discord() as fake, logged_in(fake) as client:
        (channel_id,) = fake.add_channels(1)
        channel = client.get_partial_messageable(int(channel_id))
        fake.fail_after_commit("POST", "/channels/*/messages", status=500)
        sent = await channel.send("digest", nonce="d-2026-11-20-1")
    assert [c.status for c in fake.calls("POST", "/channels/*/messages")] == [500, 200]
    (message,) = fake.messages_in(channel_id)
    assert message["id"] == str(sent.id)


async def test_a_nonce_belongs_to_the_author_not_the_channel() -> None:
    async with serving_discord() as fake, as_bot(fake) as http:
        one, two = fake.add_channels(2)
        body = {"content": "digest", "nonce": "digest-1", "enforce_nonce": True}
        _, first = await _call(http, "POST", f"channels/{one}/messages", body)
        _, again = await _call(http, "POST", f"channels/{two}/messages", body)
    # Discord answers the message already made, in the other channel: nonces must be per channel.
    assert again["id"] == first["id"] and again["channel_id"] == one
    assert fake.deliveries() == {one: 1}


ROOMY = {"POST /channels/{channel_id}/messages": (500, 1.0)}


async def test_history_pages_by_limit_before_and_after() -> None:
    async with serving_discord(global_limit=None, buckets=ROOMY) as fake, as_bot(fake) as http:
        (channel_id,) = fake.add_channels(1)
        ids = [(await _post(http, channel_id, str(n)))[1]["id"] for n in range(120)]
        path = f"channels/{channel_id}/messages"

        async def page(**query: str) -> list[str]:
            status, found = await _call(http, "GET", path, **query)
            assert status == 200
            return [m["content"] for m in found]

        assert await page() == [str(n) for n in range(119, 69, -1)]
        assert await page(limit="3") == ["119", "118", "117"]
        assert len(await page(limit="100")) == 100
        assert await page(before=ids[5], limit="2") == ["4", "3"]
        assert await page(before=ids[1]) == ["0"]
        assert await page(after=ids[2], limit="3") == ["5", "4", "3"]
        assert await page(after=ids[118]) == ["119"]
        assert await page(after=ids[119]) == []
        assert await page(around=ids[10], limit="3") == ["11", "10", "9"]
        for bad, code in (("0", "NUMBER_TYPE_MIN"), ("101", "NUMBER_TYPE_MAX"), ("x", "COERCE")):
            status, body = await _call(http, "GET", path, limit=bad)
            assert status == 400 and code in str(body["errors"]["limit"])
        assert (await _call(http, "GET", path, before="nope"))[0] == 400


async def test_discord_py_reads_history_after_a_message() -> None:
    async with serving_discord(global_limit=None, buckets=ROOMY) as fake, logged_in(fake) as client:
        (channel_id,) = fake.add_channels(1)
        channel = client.get_partial_messageable(int(channel_id))
        sent = [await channel.send(f"m{n}") for n in range(130)]
        after = [m.content async for m in channel.history(limit=None, after=sent[4])]
        newest = [m.content async for m in channel.history(limit=3)]
    assert after == [f"m{n}" for n in range(5, 130)]
    assert newest == ["m129", "m128", "m127"]


async def test_threads_edits_and_deletes_work_in_any_channel() -> None:
    async with serving_discord() as fake, as_bot(fake) as http:
        _, channel_id = fake.add_channels(2)
        _, message = await _post(http, channel_id, "digest")
        base = f"channels/{channel_id}/messages/{message['id']}"
        status, thread = await _call(http, "POST", base + "/threads", {"name": "Papers"})
        assert status == 201 and thread["parent_id"] == channel_id
        assert thread["guild_id"] == fake.guild.id
        assert (await _post(http, thread["id"], "in the thread"))[0] == 200
        assert (await _call(http, "POST", base + "/threads", {"name": "again"}))[0] == 400
        status, edited = await _call(http, "PATCH", base, {"content": "digest, fixed"})
        assert status == 200 and edited["edited_timestamp"]
        assert [m["content"] for m in fake.messages_in(channel_id)] == ["digest, fixed"]
        assert [m["content"] for m in fake.messages_in(thread["id"])] == ["in the thread"]
        assert (await _call(http, "DELETE", base))[0] == 204
        assert (await _call(http, "GET", base))[0] == 404
        assert fake.messages_in(channel_id) == []
        (reply,) = fake.messages_in(thread["id"])
        elsewhere = f"channels/{fake.guild.channel_id}/messages/{reply['id']}"
        assert (await _call(http, "GET", elsewhere))[0] == 404


async def test_route_buckets_still_apply_per_channel() -> None:
    async with serving_discord() as fake, as_bot(fake) as http:
        one, two = fake.add_channels(2)
        assert [(await _post(http, one, "x"))[0] for _ in range(6)] == [200] * 5 + [429]
        assert (await _post(http, two, "x"))[0] == 200
        assert fake.count_429s("user") == 1 and fake.count_429s("global") == 0
        fake.rate_limit("POST", "/channels/*/messages", scope="shared")
        assert (await _post(http, two, "x"))[0] == 429
        assert fake.count_invalid() == 1  # a shared-scope 429 does not count


async def test_discord_py_sees_channels_added_while_connected(fake_discord: FakeDiscord) -> None:
    base, gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = fake_discord.api_base_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake_discord.gateway_url)
    client = discord.Client(intents=discord.Intents.default())
    try:
        await client.login(fake_discord.token)
        runner = asyncio.get_running_loop().create_task(client.connect(reconnect=False))
        await _eventually(lambda: client.get_guild(int(fake_discord.guild.id)) is not None)
        (added,) = fake_discord.add_channels(1)
        await _eventually(lambda: client.get_channel(int(added)) is not None)
        fake_discord.delete_channel(added)
        await _eventually(lambda: client.get_channel(int(added)) is None)
    finally:
        await client.close()
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway
    await runner


async def _eventually(predicate: Callable[[], bool], within: float = 5.0) -> None:
    """Wait until the client has processed what the fake sent (it says so nowhere we can await)."""
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


async def test_a_command_is_used_in_any_channel_of_any_guild(fake_discord: FakeDiscord) -> None:
    fake_discord.global_commands = [{"id": "1", "name": "subscribe", "type": 1, "options": []}]
    other = fake_discord.add_guild("Second Guild")
    (channel_id,) = fake_discord.add_channels(1, guild=other)
    await connect_gateway(fake_discord, guilds=2)
    interaction = await fake_discord.interact("subscribe", channel_id=channel_id)
    assert interaction.payload["channel_id"] == channel_id
    assert interaction.payload["guild_id"] == other.id
    assert interaction.payload["channel"]["guild_id"] == other.id
    async with aiohttp.ClientSession(fake_discord.api_base_url + "/") as http:
        callback = f"interactions/{interaction.id}/{interaction.token}/callback"
        await _call(http, "POST", callback, {"type": 4, "data": {"content": "subscribed"}})
    (answer,) = interaction.messages
    assert answer["channel_id"] == channel_id


async def test_a_request_dropped_before_commit_makes_nothing() -> None:
    async with serving_discord() as fake, as_bot(fake) as http:
        (channel_id,) = fake.add_channels(1)
        fake.fail("POST", "/channels/*/messages", drop=True)
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await _post(http, channel_id, "lost")
        assert fake.deliveries() == {}
        assert (await _post(http, channel_id, "sent"))[0] == 200
        assert [m["content"] for m in fake.messages_in(channel_id)] == ["sent"]


async def test_discord_py_lists_guilds_and_their_channels() -> None:
    async with serving_discord() as fake, logged_in(fake) as client:
        other = fake.add_guild("Second Guild")
        added = fake.add_channels(3, guild=other)
        fake.delete_channel(added[0])
        guilds = [guild async for guild in client.fetch_guilds()]
        assert [str(g.id) for g in guilds] == [fake.guild.id, other.id]
        channels = await guilds[1].fetch_channels()
    assert [str(c.id) for c in channels] == [other.channel_id, *added[1:]]
