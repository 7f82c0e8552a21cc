"""Clients of the fake Discord for tests: the real discord.py over REST, a bare gateway session."""

from __future__ import annotations

import asyncio
import contextlib
import json
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
from discord.http import Route

from tests.fakes.discord.server import FakeDiscord

# Gateway sessions kept open until the fake closes them (a task nobody holds may be collected).
_draining: set[asyncio.Task[None]] = set()


@contextlib.asynccontextmanager
async def logged_in(fake: FakeDiscord) -> AsyncIterator[discord.Client]:
    """Return the real discord.py client, logged in to the fake (REST only)."""
    base = Route.BASE
    Route.BASE = fake.api_base_url
    client = discord.Client(intents=discord.Intents.none())
    try:
        await client.login(fake.token)
        yield client
    finally:
        await client.close()
        Route.BASE = base


async def connect_gateway(fake: FakeDiscord, *, guilds: int = 1) -> list[dict[str, Any]]:
    """Identify on the fake gateway with zlib-stream, as discord.py does, and keep it open.

    Return the data of the `guilds` GUILD_CREATE events that follow READY.
    """
    session = aiohttp.ClientSession()
    socket = await session.ws_connect(fake.gateway_url + "?v=10&encoding=json&compress=zlib-stream")
    inflate = zlib.decompressobj()
    hello = json.loads(inflate.decompress(await socket.receive_bytes()))
    assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
    await socket.send_json({"op": 2, "d": {"token": fake.token, "intents": 1, "properties": {}}})
    ready = json.loads(inflate.decompress(await socket.receive_bytes()))
    assert (ready["op"], ready["t"], ready["s"]) == (0, "READY", 1)
    assert len(ready["d"]["guilds"]) == guilds
    created = []
    for _ in range(guilds):
        guild = json.loads(inflate.decompress(await socket.receive_bytes()))
        assert guild["t"] == "GUILD_CREATE" and guild["d"]["channels"]
        created.append(guild["d"])

    async def drain() -> None:
        try:
            async for _ in socket:
                pass
        finally:
            await session.close()

    task = asyncio.get_running_loop().create_task(drain())
    _draining.add(task)
    task.add_done_callback(_draining.discard)
    return created
