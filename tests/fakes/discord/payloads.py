"""Discord's objects as its API sends them: ids, users, the application, a guild, its channel."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000
# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
# View channel, send messages, embed links, read history, use application commands.
MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 16) | (1 << 31)


class Snowflakes:
    """Discord ids: milliseconds since 2015 shifted left 22 bits, plus a counter.

    Every id is larger than the one before, as Discord's are within a channel, so that
    `before`/`after` pagination by id orders messages by creation even thousands per millisecond.
    """

    def __init__(self) -> None:
        self._count = 0
        self._last = 0

    def __call__(self) -> str:
        self._count += 1
        now = int(time.time() * 1000) - DISCORD_EPOCH_MS
        self._last = max((now << 22) | (self._count & 0xFFF), self._last + 1)
        return str(self._last)


def snowflake_at(unix_seconds: float) -> int:
    """Return the smallest id Discord could give at a moment (for `before`/`after` by time)."""
    return max(0, int(unix_seconds * 1000) - DISCORD_EPOCH_MS) << 22


def now_iso() -> str:
    """Return the current time as Discord writes timestamps."""
    return dt.datetime.now(dt.UTC).isoformat()


def user(user_id: str, name: str, *, bot: bool = False) -> dict[str, Any]:
    """Return a user object."""
    found: dict[str, Any] = {
        "id": user_id,
        "username": name,
        "discriminator": "0",
        "global_name": name.title(),
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
    }
    if bot:
        found |= {"bot": True, "verified": True, "mfa_enabled": False}
    return found


def application(
    application_id: str, bot_user: dict[str, Any], owner: dict[str, Any]
) -> dict[str, Any]:
    """Return GET /oauth2/applications/@me."""
    return {
        "id": application_id,
        "name": "The Inference Report",
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": 0,
        "owner": owner,
        "team": None,
        "bot": bot_user,
        "rpc_origins": [],
        "tags": [],
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
        "integration_types_config": {"0": {}},
    }


@dataclass(frozen=True)
class Guild:
    """The guild the bot is in: one text channel, the @everyone role, the bot as a member."""

    id: str
    name: str
    channel_id: str
    owner_id: str

    def text_channel(self) -> dict[str, Any]:
        """Return its first text channel, #general."""
        return text_channel(self.id, self.channel_id, "general", 0)

    def create_event(
        self, bot_user: dict[str, Any], channels: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """Return the GUILD_CREATE event's data, listing `channels` (by default #general)."""
        channels = channels if channels is not None else [self.text_channel()]
        return {
            "id": self.id,
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": self.owner_id,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [
                {
                    "id": self.id,
                    "name": "@everyone",
                    "color": 0,
                    "hoist": False,
                    "position": 0,
                    "permissions": str(MEMBER_PERMISSIONS),
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": self.channel_id,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": now_iso(),
            "large": False,
            "unavailable": False,
            "member_count": 2,
            "voice_states": [],
            "members": [
                {
                    "user": bot_user,
                    "roles": [],
                    "joined_at": now_iso(),
                    "deaf": False,
                    "mute": False,
                    "flags": 0,
                }
            ],
            "channels": [{k: v for k, v in c.items() if k != "guild_id"} for c in channels],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def member(self, person: dict[str, Any], permissions: int) -> dict[str, Any]:
        """Return a member as an interaction carries it, with its resolved permissions."""
        return {
            "user": person,
            "roles": [],
            "permissions": str(permissions),
            "joined_at": now_iso(),
            "nick": None,
            "avatar": None,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
        }


def text_channel(guild_id: str, channel_id: str, name: str, position: int) -> dict[str, Any]:
    """Return a guild text channel (type 0)."""
    return {
        "id": channel_id,
        "type": 0,
        "guild_id": guild_id,
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def ready(
    session_id: str,
    bot_user: dict[str, Any],
    application_id: str,
    guild_ids: list[str],
    gateway: str,
) -> dict[str, Any]:
    """Return the READY event's data: each guild is unavailable until its GUILD_CREATE."""
    return {
        "v": 10,
        "user": bot_user,
        "guilds": [{"id": guild_id, "unavailable": True} for guild_id in guild_ids],
        "session_id": session_id,
        "resume_gateway_url": gateway,
        "shard": [0, 1],
        "application": {"id": application_id, "flags": 0},
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": [],
        "user_settings": {},
        "_trace": ["fake-gateway"],
    }
