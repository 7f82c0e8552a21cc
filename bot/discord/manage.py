"""Managing the application: registering its commands, and finding its id."""

from __future__ import annotations

import discord

from bot.discord.client import DiscordBot
from bot.discord.endpoints import use_api
from config import Settings
from storage import Database


class NotConfigured(Exception):
    """A setting the operation needs is missing."""


def _token(settings: Settings) -> str:
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        raise NotConfigured("DISCORD_TOKEN is not set")
    return settings.discord_token.get_secret_value()


async def sync_commands(settings: Settings, db: Database, *, guild_id: int | None) -> list[str]:
    """Register every command with Discord, globally or in one guild; return their names."""
    token = _token(settings)
    use_api(settings.discord_api_base_url)
    bot = DiscordBot(
        db=db, public_url=settings.public_url, application_id=settings.discord_application_id
    )
    try:
        await bot.login(token)
        if guild_id is None:
            synced = await bot.tree.sync()
        else:
            guild = discord.Object(guild_id)
            bot.tree.copy_global_to(guild=guild)
            synced = await bot.tree.sync(guild=guild)
    finally:
        await bot.close()
    return [command.name for command in synced]


async def application_id(settings: Settings) -> int:
    """Return the application's id: the setting, or else Discord's answer for the token."""
    if settings.discord_application_id is not None:
        return settings.discord_application_id
    try:
        token = _token(settings)
    except NotConfigured:
        raise NotConfigured("set DISCORD_APPLICATION_ID (or DISCORD_TOKEN to look it up)") from None
    use_api(settings.discord_api_base_url)
    client = discord.Client(intents=discord.Intents.none())
    try:
        await client.login(token)
        info = await client.application_info()
    finally:
        await client.close()
    return info.id
