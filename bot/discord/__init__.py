"""The Discord adapter: discord.py app commands built from the command registry."""

from bot.discord.client import DiscordBot, start_discord

__all__ = ["DiscordBot", "start_discord"]
