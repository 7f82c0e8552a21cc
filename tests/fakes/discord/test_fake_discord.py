"""The fake Discord refuses what Discord refuses, rate limits as Discord does, and records all."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest

from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.clients import connect_gateway, logged_in


@pytest.fixture
async def http(fake_discord: FakeDiscord) -> AsyncIterator[aiohttp.ClientSession]:
    """Return an HTTP session that speaks to the fake as the bot."""
    headers = {"Authorization": f"Bot {fake_discord.token}"}
    async with aiohttp.ClientSession(fake_discord.api_base_url + "/", headers=headers) as session:
        yield session


async def _post(http: aiohttp.ClientSession, path: str, body: Any) -> tuple[int, Any]:
    async with http.post(path.lstrip("/"), json=body) as response:
        return response.status, await response.json() if response.status != 204 else None


@pytest.mark.parametrize(
    ("payload", "path", "code"),
    [
        ({"content": "x" * 2001}, ("content",), "BASE_TYPE_MAX_LENGTH"),
        ({"embeds": [{"title": "t"}] * 11}, ("embeds",), "BASE_TYPE_MAX_LENGTH"),
        ({"embeds": [{"description": "x" * 4097}]}, ("embeds", "0", "description"), None),
        ({"embeds": [{"title": "x" * 257}]}, ("embeds", "0", "title"), None),
        (
            {"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]},
            ("embeds", "0", "fields"),
            None,
        ),
        ({"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]}, None, None),
        (
            {"embeds": [{"description": "x" * 3000}, {"description": "x" * 3001}]},
            ("embeds",),
            "MAX_EMBED_SIZE_EXCEEDED",
        ),
        ({"content": "x", "nonce": "n" * 26}, ("nonce",), None),
        (
            {"components": [{"type": 1, "components": [{"type": 2, "style": 2, "label": "x"}]}]},
            None,
            "BASE_TYPE_REQUIRED",
        ),
    ],
)
async def test_a_message_over_a_limit_gets_discords_400(
    fake_discord: FakeDiscord,
    http: aiohttp.ClientSession,
    payload: dict[str, Any],
    path: tuple[str, ...] | None,
    code: str | None,
) -> None:
    status, body = await _post(http, f"/channels/{fake_discord.guild.channel_id}/messages", payload)
    assert status == 400
    assert body["code"] == 50035 and body["message"] == "Invalid Form Body"
    node = body["errors"]
    for key in path or ():
        node = node[key]
    text = json.dumps(node)
    if code is not None:
        assert code in text
    assert fake_discord.channel_messages == {}


async def test_an_empty_message_and_a_bad_token_are_refused(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    channel = f"/channels/{fake_discord.guild.channel_id}/messages"
    assert await _post(http, channel, {}) == (
        400,
        {"message": "Cannot send an empty message", "code": 50006},
    )
    stranger = {"Authorization": "Bot not-the-token"}
    async with http.post(channel.lstrip("/"), json={"content": "x"}, headers=stranger) as answer:
        assert answer.status == 401


async def test_interactions_are_answered_once_and_within_3_seconds(
    fake_discord: FakeDiscord,
) -> None:
    fake_discord.interaction_window = 0.2
    fake_discord.global_commands = [
        {"id": "1", "name": "top", "description": "d", "type": 1, "options": []}
    ]
    await connect_gateway(fake_discord)
    async with aiohttp.ClientSession(fake_discord.api_base_url + "/") as http:
        late = await fake_discord.interact("top")
        await asyncio.sleep(0.3)
        status, body = await _post(
            http, f"/interactions/{late.id}/{late.token}/callback", {"type": 5}
        )
        assert (status, body["code"]) == (404, 10062)

        first = await fake_discord.interact("top")
        callback = f"/interactions/{first.id}/{first.token}/callback"
        assert (await _post(http, callback, {"type": 4, "data": {"content": "hi"}}))[0] == 204
        status, body = await _post(http, callback, {"type": 4, "data": {"content": "again"}})
        assert (status, body["code"]) == (400, 40060)
        assert [m["content"] for m in first.messages] == ["hi"]
        # Before an acknowledgement there is no webhook for followups.
        other = await fake_discord.interact("top")
        webhook = f"/webhooks/{fake_discord.application_id}/{other.token}"
        status, body = await _post(http, webhook, {"content": "x"})
        assert (status, body["code"]) == (404, 10015)


async def test_a_bad_token_closes_the_gateway_with_4004(fake_discord: FakeDiscord) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(fake_discord.gateway_url) as socket,
    ):
        assert (await socket.receive_json())["op"] == 10
        await socket.send_json({"op": 2, "d": {"token": "wrong", "intents": 1, "properties": {}}})
        closed = await socket.receive()
        assert closed.type == aiohttp.WSMsgType.CLOSE and closed.data == 4004


@pytest.fixture
async def client(fake_discord: FakeDiscord) -> AsyncIterator[discord.Client]:
    """Return the real discord.py client, logged in to the fake (REST only)."""
    async with logged_in(fake_discord) as found:
        yield found


async def test_discord_py_waits_out_buckets_from_the_headers() -> None:
    fake = FakeDiscord(buckets={"POST /channels/{channel_id}/messages": (2, 0.6)})
    await fake.start()
    try:
        async with logged_in(fake) as client:
            channel = await client.fetch_channel(int(fake.guild.channel_id))
            assert isinstance(channel, discord.TextChannel)
            started = time.monotonic()
            for n in range(3):
                await channel.send(f"message {n}")
            elapsed = time.monotonic() - started
    finally:
        await fake.close()
    # Two fit the first window; discord.py read `Remaining: 0` and waited for the reset.
    assert elapsed >= 0.5
    calls = fake.calls("POST", "/channels/*/messages")
    assert [call.status for call in calls] == [200, 200, 200]
    assert calls[1].answer is not None
    sent = fake.channel_messages[fake.guild.channel_id]
    assert [m["content"] for m in sent] == ["message 0", "message 1", "message 2"]


async def test_a_request_over_the_bucket_gets_429_with_the_headers(
    fake_discord: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    path = f"channels/{fake_discord.guild.channel_id}/messages"
    for _ in range(5):
        async with http.post(path, json={"content": "x"}) as answer:
            assert answer.status == 200
            remaining = answer.headers["X-RateLimit-Remaining"]
    assert remaining == "0"
    async with http.post(path, json={"content": "x"}) as answer:
        assert answer.status == 429
        body = await answer.json()
        headers = answer.headers
    assert body["global"] is False and 0 < body["retry_after"] <= 5
    assert headers["X-RateLimit-Scope"] == "user" and headers["Via"]
    assert int(headers["Retry-After"]) >= 1
    assert {"X-RateLimit-Limit", "X-RateLimit-Reset", "X-RateLimit-Bucket"} <= set(headers)
    assert len(fake_discord.channel_messages[fake_discord.guild.channel_id]) == 5


async def test_discord_py_retries_a_429_and_a_502(
    fake_discord: FakeDiscord, client: discord.Client
) -> None:
    channel = await client.fetch_channel(int(fake_discord.guild.channel_id))
    assert isinstance(channel, discord.TextChannel)
    fake_discord.rate_limit("POST", "/channels/*/messages", retry_after=0.2, is_global=True)
    fake_discord.fail("POST", "/channels/*/messages", status=502)
    await channel.send("after all")
    calls = fake_discord.calls("POST", "/channels/*/messages")
    assert [call.status for call in calls] == [429, 502, 200]
    assert calls[0].answer == {
        "message": "You are being rate limited.",
        "retry_after": 0.2,
        "global": True,
        "code": 0,
    }


async def test_a_nonce_sent_twice_makes_one_message(
    fake_discord: FakeDiscord, client: discord.Client
) -> None:
    channel = await client.fetch_channel(int(fake_discord.guild.channel_id))
    assert isinstance(channel, discord.TextChannel)
    first = await channel.send("digest for 2026-11-20", nonce="digest-2026-11-20")
    again = await channel.send("digest for 2026-11-20", nonce="digest-2026-11-20")
    assert first.id == again.id
    assert len(fake_discord.channel_messages[fake_discord.guild.channel_id]) == 1
    (call, _) = fake_discord.calls("POST", "/channels/*/messages")
    assert call.body["enforce_nonce"] is True


async def test_channel_messages_ping_unless_told_not_to(
    fake_discord: FakeDiscord, client: discord.Client
) -> None:
    channel = await client.fetch_channel(int(fake_discord.guild.channel_id))
    assert isinstance(channel, discord.TextChannel)
    await channel.send("@everyone <@&12> <@34>")
    await channel.send("@everyone <@&12> <@34>", allowed_mentions=discord.AllowedMentions.none())
    loud, quiet = fake_discord.channel_messages[fake_discord.guild.channel_id]
    # Discord's default for channel messages parses everything: the fake counts that as a ping.
    assert loud["mention_everyone"] and loud["mention_roles"] == ["12"]
    assert [user["id"] for user in loud["mentions"]] == ["34"]
    assert not quiet["mention_everyone"] and quiet["mentions"] == []
