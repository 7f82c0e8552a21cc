"""`inference-report discord`: register the slash commands, print the invite URL."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Annotated

import discord
import typer

from bot.discord.invite import PERMISSIONS, RIGHTS, SCOPES, invite_url
from bot.discord.manage import NotConfigured, application_id, sync_commands
from config import Settings, get_settings
from storage import Database

EXIT_NOT_CONFIGURED = 2
EXIT_REFUSED = 1

discord_app = typer.Typer(
    help="The Discord bot: its commands and its invite.", no_args_is_help=True
)


def _settings() -> Settings:
    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    return settings


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@discord_app.command("sync")
def sync(
    guild: Annotated[
        int | None, typer.Option("--guild", help="Register in this guild only (instantly).")
    ] = None,
    everywhere: Annotated[
        bool, typer.Option("--global", help="Register globally, even if a test guild is set.")
    ] = False,
) -> None:
    """Register every command with Discord: globally, or in one guild.

    Without --guild or --global, DISCORD_TEST_GUILD_ID is used when set, else it is global.
    """
    settings = _settings()
    if guild is not None and everywhere:
        raise _fail("give --guild or --global, not both", EXIT_NOT_CONFIGURED)
    target = None if everywhere else (guild or settings.discord_test_guild_id)

    async def work() -> list[str]:
        db = Database(settings.database_url)
        try:
            return await sync_commands(settings, db, guild_id=target)
        finally:
            await db.dispose()

    try:
        names = asyncio.run(work())
    except NotConfigured as error:
        raise _fail(str(error), EXIT_NOT_CONFIGURED) from None
    except discord.LoginFailure:
        raise _fail("Discord refused the token in DISCORD_TOKEN", EXIT_REFUSED) from None
    except discord.Forbidden:
        raise _fail(
            f"Discord refused to register commands in guild {target}: is the bot in it, "
            "invited with the applications.commands scope?",
            EXIT_REFUSED,
        ) from None
    except discord.HTTPException as error:
        raise _fail(f"Discord refused the commands: {error}", EXIT_REFUSED) from None
    where = f"in guild {target}" if target else "globally"
    typer.echo(f"Registered {len(names)} commands {where}: " + ", ".join(f"/{n}" for n in names))


@discord_app.command("invite")
def invite() -> None:
    """Print the URL that adds the bot to a server, with the scopes and permissions it needs."""
    settings = _settings()
    try:
        app_id = asyncio.run(application_id(settings))
    except NotConfigured as error:
        raise _fail(str(error), EXIT_NOT_CONFIGURED) from None
    except discord.LoginFailure:
        raise _fail("Discord refused the token in DISCORD_TOKEN", EXIT_REFUSED) from None
    typer.echo(invite_url(app_id))
    typer.echo(f"scopes: {' '.join(SCOPES)}; permissions {PERMISSIONS.value}:", err=True)
    for name, reason in RIGHTS.items():
        typer.echo(f"  {name}: {reason}", err=True)
