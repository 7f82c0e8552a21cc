"""The Discord bot: a discord.py client whose app commands are the registry's commands."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

import discord
from discord import app_commands

from bot.discord.commands import build_commands
from bot.discord.endpoints import use_api, use_gateway_of
from bot.discord.respond import DEFER_AFTER, context_for, respond, send, unexpected
from bot.render.discord import render_discord, shorten
from config import Settings
from core.commands import all_commands, ask, complete, dispatch
from core.commands.reply import error_reply
from storage import Database

log = logging.getLogger("inference_report.discord")
# Discord takes at most 25 autocomplete choices, each name and value at most 100 characters.
MAX_CHOICES = 25
MAX_CHOICE_TEXT = 100


def intents() -> discord.Intents:
    """Return the gateway intents the bot asks for: guilds only, nothing privileged."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    return wanted


class DiscordBot(discord.Client):
    """A Discord client answering every registered command as an app command."""

    def __init__(
        self,
        *,
        db: Database,
        public_url: str,
        application_id: int | None = None,
        defer_after: float = DEFER_AFTER,
    ) -> None:
        # Nothing the bot sends may ping anyone, whatever a payload says.
        options: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
        if application_id is not None:
            options["application_id"] = application_id
        super().__init__(intents=intents(), **options)
        self.db = db
        self.public_url = public_url
        self.defer_after = defer_after
        self.tree: app_commands.CommandTree[DiscordBot] = app_commands.CommandTree(self)
        self.tree.error(self._command_error)
        for command in build_commands(list(all_commands()), self._answer, self._complete):
            self.tree.add_command(command)
        self._running: asyncio.Task[None] | None = None

    async def connect(self, *, reconnect: bool = True) -> None:
        """Ask the API for the gateway's address, then connect to it."""
        await use_gateway_of(self.http)
        await super().connect(reconnect=reconnect)

    async def on_ready(self) -> None:
        """Say who the bot is connected as."""
        log.info("Discord: connected as %s, in %d servers", self.user, len(self.guilds))

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Answer a button whose custom id is a command line, such as `/top swe-rebench 20`."""
        if interaction.type is not discord.InteractionType.component:
            return
        data: Mapping[str, Any] = interaction.data or {}
        line = str(data.get("custom_id", ""))
        if not line.startswith("/"):
            return
        ctx = context_for(interaction, db=self.db, public_url=self.public_url)
        name = line[1:].split(" ", 1)[0]
        await respond(interaction, name, ask(ctx, line), defer_after=self.defer_after)

    async def _answer(
        self, interaction: discord.Interaction[Any], name: str, arguments: Mapping[str, str]
    ) -> None:
        ctx = context_for(interaction, db=self.db, public_url=self.public_url)
        work = dispatch(ctx, name, arguments)
        await respond(interaction, name, work, defer_after=self.defer_after)

    async def _complete(
        self, interaction: discord.Interaction[Any], kind: str, typed: str
    ) -> list[app_commands.Choice[str]]:
        ctx = context_for(interaction, db=self.db, public_url=self.public_url)
        try:
            found = await complete(ctx, kind, typed)  # type: ignore[arg-type]
        except Exception:
            # An autocomplete has no place for an error; the person can still type the value.
            log.exception("Discord: autocomplete of a %s failed", kind)
            return []
        return [
            app_commands.Choice(name=shorten(value, MAX_CHOICE_TEXT), value=value)
            for value in found[:MAX_CHOICES]
            if len(value) <= MAX_CHOICE_TEXT
        ]

    async def _command_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        """Answer what discord.py could not run: an unknown or out-of-date command, or a bug."""
        name = interaction.command.name if interaction.command else "?"
        if isinstance(error, app_commands.CommandNotFound):
            known = ", ".join(f"/{command.name}" for command in all_commands())
            reply = error_reply(f"/{error.name} is not a command of this bot any more: {known}.")
        elif isinstance(error, app_commands.CommandSignatureMismatch):
            log.warning("Discord: /%s differs from what Discord has; run `discord sync`", name)
            reply = error_reply(
                f"/{name} has changed since it was registered; a server administrator can run "
                "`inference-report discord sync`."
            )
        else:
            reply = unexpected(name, error)
        if not interaction.response.is_done():
            with contextlib.suppress(discord.HTTPException):
                await send(interaction, render_discord(reply), deferred=False)

    async def stop(self) -> None:
        """Close the connection and wait for the client's task to end."""
        await self.close()
        if self._running is not None:
            await asyncio.gather(self._running, return_exceptions=True)


async def start_discord(settings: Settings, db: Database) -> DiscordBot | None:
    """Log in and connect in the background; return the bot, or None when it cannot run."""
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        log.info("Discord: DISCORD_TOKEN is not set; the Discord bot is not started")
        return None
    use_api(settings.discord_api_base_url)
    bot = DiscordBot(
        db=db, public_url=settings.public_url, application_id=settings.discord_application_id
    )
    try:
        await bot.login(settings.discord_token.get_secret_value())
    except discord.LoginFailure:
        log.error("Discord: the token in DISCORD_TOKEN was refused; the Discord bot is not started")
        await bot.close()
        return None
    bot._running = asyncio.create_task(_connect(bot), name="discord-gateway")
    return bot


async def _connect(bot: DiscordBot) -> None:
    try:
        await bot.connect()
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("Discord: the gateway connection ended; the Discord bot has stopped")
        raise
