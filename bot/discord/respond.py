"""Answer an interaction: run the command, defer if it runs past 2 s, send every message."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Mapping
from typing import Any

import discord

from bot.render.discord import EPHEMERAL, render_discord
from core.commands import CommandContext, Reply
from core.commands.reply import error_reply
from storage import Database

# Discord drops an interaction not answered within 3 s; past this, the bot defers (type 5) first.
DEFER_AFTER = 2.0
log = logging.getLogger("inference_report.discord")


def context_for(
    interaction: discord.Interaction[Any], *, db: Database, public_url: str
) -> CommandContext:
    """Return the command context of an interaction: who, where, and whether they manage it."""
    permissions = interaction.permissions
    return CommandContext(
        db=db,
        public_url=public_url,
        platform="discord",
        channel_id=str(interaction.channel_id or ""),
        user_id=str(interaction.user.id),
        can_manage_channel=bool(
            permissions.manage_channels or permissions.manage_guild or permissions.administrator
        ),
        workspace_id=str(interaction.guild_id or ""),
    )


async def answered(name: str, work: Awaitable[Reply]) -> Reply:
    """Return the command's reply; an unexpected failure is logged under a reference shown."""
    try:
        return await work
    except Exception as error:
        return unexpected(name, error)


def unexpected(name: str, error: BaseException) -> Reply:
    """Log an unexpected failure under a fresh reference; return the private answer citing it."""
    reference = secrets.token_hex(4)
    log.error("Discord: /%s failed; reference %s", name, reference, exc_info=error)
    return error_reply(
        f"Something went wrong on our side (reference {reference}). It has been logged; "
        "please try again in a while."
    )


async def respond(
    interaction: discord.Interaction[Any],
    name: str,
    work: Awaitable[Reply],
    *,
    defer_after: float = DEFER_AFTER,
) -> Reply | None:
    """Answer `interaction` with the reply `work` makes; return it, or None if it was not sent."""
    task = asyncio.ensure_future(answered(name, work))
    try:
        deferred = False
        done, _ = await asyncio.wait({task}, timeout=defer_after)
        if not done:
            await interaction.response.defer(thinking=True)
            deferred = True
        reply = await task
        await send(interaction, render_discord(reply), deferred=deferred)
        return reply
    except discord.NotFound as error:
        log.warning("Discord: /%s: the interaction ended before the answer (%s)", name, error)
    except discord.HTTPException:
        reference = secrets.token_hex(4)
        log.exception("Discord: /%s: Discord refused the answer; reference %s", name, reference)
    finally:
        if not task.done():
            task.cancel()
    return None


async def send(
    interaction: discord.Interaction[Any], payloads: list[dict[str, Any]], *, deferred: bool
) -> None:
    """Send rendered payloads: the first as the response, the rest as followups."""
    first, *rest = payloads
    private = _ephemeral(first)
    if not deferred:
        await interaction.response.send_message(**_arguments(first), ephemeral=private)
    elif private:
        # The deferral showed publicly; a private answer cannot take its place, so it goes.
        await interaction.delete_original_response()
        await interaction.followup.send(**_arguments(first), ephemeral=True)
    else:
        await interaction.edit_original_response(**_arguments(first))
    for payload in rest:
        await interaction.followup.send(**_arguments(payload), ephemeral=_ephemeral(payload))


def _ephemeral(payload: Mapping[str, Any]) -> bool:
    return bool(payload.get("flags", 0) & EPHEMERAL)


def _arguments(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Return discord.py's arguments for a payload, which it turns back into the same JSON."""
    arguments: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
    if "content" in payload:
        arguments["content"] = payload["content"]
    if payload.get("embeds"):
        arguments["embeds"] = [discord.Embed.from_dict(embed) for embed in payload["embeds"]]
    if payload.get("components"):
        arguments["view"] = _view(payload["components"])
    return arguments


def _view(rows: list[dict[str, Any]]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for number, row in enumerate(rows):
        for button in row["components"]:
            view.add_item(
                discord.ui.Button(
                    style=discord.ButtonStyle(button["style"]),
                    label=button.get("label"),
                    custom_id=button.get("custom_id"),
                    url=button.get("url"),
                    row=number,
                )
            )
    # A stopped view is sent but not kept in memory: clicks arrive in on_interaction instead.
    view.stop()
    return view
