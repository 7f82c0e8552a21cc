"""Post digests to Discord channels over REST, at most the bot's global rate, exactly once.

Every message carries a nonce with `enforce_nonce`, so Discord itself answers a repeated post
within a few minutes with the message it already made. A post in doubt for longer than that (a
process that died and came back later) is looked for among the channel's recent messages first.
discord.py keeps the per-route buckets and retries 429s and 5xx; the bot's global limit of 50
requests a second, which discord.py only learns of from a 429, is kept ahead by the budget.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

import aiohttp
import discord
from discord.http import Route

from bot.render.discord import render_discord, shorten
from core.commands.reply import Reply
from core.delivery import Budget, Message, PermanentFailure, Target, TransientFailure

log = logging.getLogger("inference_report.discord")

# Discord keeps nonces for "the past few minutes"; past this, look before posting again.
NONCE_TRUST = dt.timedelta(minutes=3)
# How far back before the doubtful attempt to look, for clocks a little apart.
LOOK_BACK = dt.timedelta(seconds=30)
THREAD_NAME = 100
# A thread under a post lives a day without activity before Discord archives it.
THREAD_ARCHIVE_MINUTES = 1440
THREAD_EXISTS = 160004
UNKNOWN_MESSAGE = 10008


def snowflake_at(moment: dt.datetime) -> int:
    """Return the smallest Discord id made at `moment`, for `after=` in message lists."""
    return discord.utils.time_snowflake(moment, high=False)


class DiscordPoster:
    """The Discord side of delivery, on a logged-in discord.py client's REST connection."""

    platform = "discord"

    def __init__(
        self,
        client: discord.Client,
        budget: Budget,
        *,
        per_second: float,
    ) -> None:
        self.client = client
        self.budget = budget
        self.per_second = per_second

    @property
    def _budget_key(self) -> str:
        user = self.client.user
        return f"discord:global:{user.id if user else 'bot'}"

    def render(self, reply: Reply) -> list[dict[str, Any]]:
        """Return the digest's messages as Discord payloads."""
        return render_discord(reply)

    async def pace(self, target: Target) -> None:
        """Wait for the bot's global budget to allow one more request (any channel's)."""
        await self.budget.wait(self._budget_key, per_second=self.per_second)

    async def _request(self, route: Route, *, paced: bool = False, **kwargs: Any) -> Any:
        if not paced:
            await self.budget.wait(self._budget_key, per_second=self.per_second)
        try:
            return await self.client.http.request(route, **kwargs)
        except discord.Forbidden as error:
            raise PermanentFailure(
                f"Discord refused the bot in this channel (403, code {error.code}: {error.text}); "
                "give it View Channel, Send Messages and Embed Links there, then /subscribe again"
            ) from error
        except discord.NotFound as error:
            if error.code == UNKNOWN_MESSAGE:
                raise
            raise PermanentFailure(
                f"Discord no longer knows this channel (404, code {error.code}: {error.text})"
            ) from error
        except discord.RateLimited as error:
            # Raised before the request is sent: nothing was posted.
            raise TransientFailure(
                "Discord is rate limiting", retry_after=error.retry_after, refused=True
            ) from error
        except discord.HTTPException as error:
            raise TransientFailure(
                f"Discord answered {error.status}: {error.text}", refused=error.status < 500
            ) from error
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise TransientFailure(f"could not reach Discord: {error!r}") from error

    async def send(
        self,
        target: Target,
        message: Message,
        *,
        marker: str,
        thread_id: str | None,
        in_doubt_since: dt.datetime | None,
        now: dt.datetime,
    ) -> str:
        """Post a message with `marker` as its nonce; find it instead if it may be out already."""
        channel = thread_id or target.channel_id
        if in_doubt_since is not None and now - in_doubt_since > NONCE_TRUST:
            found = await self._find(channel, message, marker, in_doubt_since)
            if found is not None:
                log.info("Discord: message %s was posted before; not posting it again", marker)
                return found
        body = {**message.payload, "nonce": marker, "enforce_nonce": True}
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel)
        posted = await self._request(route, paced=True, json=body)
        return str(posted["id"])

    async def _find(
        self, channel: str, message: Message, marker: str, since: dt.datetime
    ) -> str | None:
        after = snowflake_at(since - LOOK_BACK)
        route = Route("GET", "/channels/{channel_id}/messages", channel_id=channel)
        recent = await self._request(route, params={"limit": 100, "after": after})
        me = str(self.client.user.id) if self.client.user else None
        for found in recent:
            if str(found.get("author", {}).get("id")) != me:
                continue
            if found.get("nonce") == marker or _same_content(found, message.payload):
                return str(found["id"])
        return None

    async def open_thread(self, target: Target, main_id: str, title: str) -> str:
        """Start the thread under the main post (its id is the post's); fine if it exists."""
        route = Route(
            "POST",
            "/channels/{channel_id}/messages/{message_id}/threads",
            channel_id=target.channel_id,
            message_id=main_id,
        )
        body = {
            "name": shorten(title, THREAD_NAME),
            "auto_archive_duration": THREAD_ARCHIVE_MINUTES,
        }
        try:
            thread = await self._request(route, json=body)
        except TransientFailure as error:
            cause = error.__cause__
            if isinstance(cause, discord.HTTPException) and cause.code == THREAD_EXISTS:
                return main_id
            raise
        return str(thread["id"])

    async def edit(
        self, target: Target, message_id: str, message: Message, *, thread_id: str | None
    ) -> str:
        """Edit a posted message; post it again if someone deleted it."""
        channel = thread_id or target.channel_id
        route = Route(
            "PATCH",
            "/channels/{channel_id}/messages/{message_id}",
            channel_id=channel,
            message_id=message_id,
        )
        try:
            await self._request(route, json=dict(message.payload))
        except discord.NotFound:
            post = Route("POST", "/channels/{channel_id}/messages", channel_id=channel)
            posted = await self._request(post, json=dict(message.payload))
            return str(posted["id"])
        return message_id

    async def delete(self, target: Target, message_id: str, *, thread_id: str | None) -> None:
        """Delete a posted message; one already gone is fine."""
        route = Route(
            "DELETE",
            "/channels/{channel_id}/messages/{message_id}",
            channel_id=thread_id or target.channel_id,
            message_id=message_id,
        )
        with contextlib.suppress(discord.NotFound):
            await self._request(route)


def _same_content(found: Mapping[str, Any], payload: Mapping[str, Any]) -> bool:
    """Return whether a fetched message carries the payload's text (ids and times aside)."""
    if (found.get("content") or "") != (payload.get("content") or ""):
        return False
    mine = payload.get("embeds") or []
    theirs = found.get("embeds") or []
    if len(mine) != len(theirs):
        return False
    return all(
        (a.get("title"), a.get("description")) == (b.get("title"), b.get("description"))
        for a, b in zip(mine, theirs, strict=True)
    )


async def delivery_client(token: str) -> discord.Client:
    """Return a discord.py client logged in for REST only (no gateway), for delivery."""
    # Intents only matter on the gateway, which this client never joins; `guilds` spares the log
    # discord.py's warning about a client without it.
    client = discord.Client(
        intents=discord.Intents(guilds=True), allowed_mentions=discord.AllowedMentions.none()
    )
    try:
        await client.login(token)
    except BaseException:
        await client.close()
        raise
    return client
