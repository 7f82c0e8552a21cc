"""/help: every command, its description and an example, read from the registry."""

from __future__ import annotations

from collections.abc import Mapping

from core.commands.context import CommandContext
from core.commands.registry import all_commands, command
from core.commands.reply import Fields, Reply


@command("help", "List the commands, what each does, and an example", example="/help")
async def help_command(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
    """Return every registered command."""
    pairs = tuple(
        (cmd.usage, f"{cmd.description}. Example: {cmd.usage_example}") for cmd in all_commands()
    )
    return Reply(
        title="Commands",
        blocks=(Fields(pairs),),
        footer="<name> is needed, [name] is optional; options also go as name:value.",
        ephemeral=True,
    )
