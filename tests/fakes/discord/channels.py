"""The fake's guilds, channels and stored messages: O(1) lookups by id, pages as Discord cuts them.

Channel messages are kept per channel, oldest first; snowflake ids only grow (payloads.py), so
each list is sorted by id and `before`/`after` are binary searches, whatever the total stored.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

from tests.fakes.discord import payloads
from tests.fakes.discord.limits import Invalid, form_error
from tests.fakes.discord.payloads import Guild, Snowflakes

UNKNOWN_CHANNEL = {"message": "Unknown Channel", "code": 10003}
UNKNOWN_MESSAGE = {"message": "Unknown Message", "code": 10008}
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
REFUSALS = {
    MISSING_ACCESS: {"message": "Missing Access", "code": MISSING_ACCESS},
    MISSING_PERMISSIONS: {"message": "Missing Permissions", "code": MISSING_PERMISSIONS},
}
# GET /channels/{id}/messages: `limit` is 1 to 100, 50 when not given (Discord's channel docs).
PAGE_DEFAULT, PAGE_MAX = 50, 100


@dataclass(frozen=True)
class Refusal:
    """Why the bot may not use a channel: 50001 (cannot see it) or 50013 (cannot write)."""

    code: int

    def applies_to(self, method: str) -> bool:
        """Return whether a request with this method is refused."""
        return self.code == MISSING_ACCESS or method != "GET"


class Directory:
    """Every guild and channel (threads included) the bot can reach, and their messages."""

    def __init__(self, snowflake: Snowflakes) -> None:
        self._snowflake = snowflake
        self.guilds: dict[str, Guild] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        # What the bot posted in each channel, oldest first; a key appears with the first post.
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.deleted: set[str] = set()
        self._refusals: dict[str, Refusal] = {}
        self._by_id: dict[str, dict[str, Any]] = {}
        self._in_guild: dict[str, list[str]] = {}

    # --- guilds and channels ----------------------------------------------------------------

    def add_guild(self, name: str, owner_id: str) -> Guild:
        """Add a guild with its #general text channel."""
        guild = Guild(
            id=self._snowflake(), name=name, channel_id=self._snowflake(), owner_id=owner_id
        )
        self.guilds[guild.id] = guild
        self._in_guild[guild.id] = []
        self._add(guild.text_channel())
        return guild

    def add_channels(self, guild: Guild, count: int) -> list[dict[str, Any]]:
        """Add `count` text channels to a guild; return them."""
        known = self._in_guild[guild.id]
        added = []
        for _ in range(count):
            position = len(known)
            channel = payloads.text_channel(
                guild.id, self._snowflake(), f"digest-{position:05d}", position
            )
            self._add(channel)
            added.append(channel)
        return added

    def add_thread(self, thread: dict[str, Any]) -> None:
        """Add a thread: it is a channel of its own."""
        self._add(thread)

    def _add(self, channel: dict[str, Any]) -> None:
        self.channels[channel["id"]] = channel
        if channel.get("guild_id") in self._in_guild and channel["type"] == 0:
            self._in_guild[channel["guild_id"]].append(channel["id"])

    def guild_channels(self, guild_id: str) -> list[dict[str, Any]]:
        """Return a guild's text channels that still exist, in order."""
        found = (self.channels.get(cid) for cid in self._in_guild.get(guild_id, []))
        return [channel for channel in found if channel is not None]

    def refuse(self, channel_id: str, code: int) -> None:
        """Refuse the bot in a channel from now on: 403 with `code` (50001 or 50013)."""
        if code not in REFUSALS:
            raise ValueError(f"Discord refuses with 50001 or 50013, not {code}")
        self._refusals[channel_id] = Refusal(code)

    def delete(self, channel_id: str) -> dict[str, Any]:
        """Delete a channel: every later request about it gets 404 Unknown Channel."""
        channel = self.channels.pop(channel_id, None)
        if channel is None:
            raise LookupError(f"no channel {channel_id}")
        self.deleted.add(channel_id)
        return channel

    def channel(self, channel_id: str, method: str) -> dict[str, Any]:
        """Return a channel the bot may use with `method`, or raise Discord's 404 or 403."""
        channel = self.channels.get(channel_id)
        if channel is None:
            raise Invalid(404, UNKNOWN_CHANNEL)
        refusal = self._refusals.get(channel_id)
        if refusal is not None and refusal.applies_to(method):
            raise Invalid(403, REFUSALS[refusal.code])
        return channel

    # --- messages ---------------------------------------------------------------------------

    def store(self, message: dict[str, Any]) -> None:
        """Keep a message the bot created in a channel."""
        self.messages.setdefault(message["channel_id"], []).append(message)
        self._by_id[message["id"]] = message

    def message(self, channel_id: str, message_id: str) -> dict[str, Any]:
        """Return a stored message of a channel, or raise 404 Unknown Message."""
        found = self._by_id.get(message_id)
        if found is None or found["channel_id"] != channel_id:
            raise Invalid(404, UNKNOWN_MESSAGE)
        return found

    def remove(self, message: dict[str, Any]) -> None:
        """Delete a stored message."""
        self.messages[message["channel_id"]].remove(message)
        del self._by_id[message["id"]]

    def page(self, channel_id: str, query: dict[str, str]) -> list[dict[str, Any]]:
        """Return GET /channels/{id}/messages: newest first, cut by `around`/`before`/`after`.

        As Discord does: `before` gives the `limit` newest older messages, `after` the `limit`
        oldest newer ones, `around` those on both sides; every page is newest first.
        """
        limit = _limit(query.get("limit"))
        found = self.messages.get(channel_id, [])

        def index(snowflake: str, *, right: bool) -> int:
            target = _snowflake(snowflake, query)
            cut = bisect.bisect_right if right else bisect.bisect_left
            return cut(found, target, key=lambda m: int(m["id"]))

        if query.get("around"):
            middle = index(query["around"], right=False)
            start = max(0, middle - limit // 2)
            chosen = found[start : start + limit]
        elif query.get("before"):
            end = index(query["before"], right=False)
            chosen = found[max(0, end - limit) : end]
        elif query.get("after"):
            start = index(query["after"], right=True)
            chosen = found[start : start + limit]
        else:
            chosen = found[-limit:]
        return chosen[::-1]


def _limit(raw: str | None) -> int:
    if raw is None:
        return PAGE_DEFAULT
    try:
        value = int(raw)
    except ValueError:
        problem = {"code": "NUMBER_TYPE_COERCE", "message": f'Value "{raw}" is not int.'}
        raise form_error({"limit": {"_errors": [problem]}}) from None
    if value < 1:
        problem = {
            "code": "NUMBER_TYPE_MIN",
            "message": "int value should be greater than or equal to 1.",
        }
        raise form_error({"limit": {"_errors": [problem]}})
    if value > PAGE_MAX:
        problem = {
            "code": "NUMBER_TYPE_MAX",
            "message": f"int value should be less than or equal to {PAGE_MAX}.",
        }
        raise form_error({"limit": {"_errors": [problem]}})
    return value


def _snowflake(raw: str, query: dict[str, str]) -> int:
    try:
        return int(raw)
    except ValueError:
        name = next(key for key, value in query.items() if value == raw)
        problem = {"code": "NUMBER_TYPE_COERCE", "message": f'Value "{raw}" is not snowflake.'}
        raise form_error({name: {"_errors": [problem]}}) from None
