"""discord.py app commands built from the command registry, one per command, typed options."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, Optional

import discord
from discord import app_commands

from bot.render.discord import shorten
from core.commands import COMPLETED_KINDS
from core.commands.registry import Command, Option

MAX_DESCRIPTION = 100

# What a command does with the options a person gave: the interaction, its name, the values.
Answer = Callable[[discord.Interaction[Any], str, Mapping[str, str]], Awaitable[None]]
# What an autocomplete offers: the interaction, the option's kind, what is typed so far.
Complete = Callable[[discord.Interaction[Any], str, str], Awaitable[list[app_commands.Choice[str]]]]

# Kinds that are not text on Discord; every other kind, now or added later, is a string.
_TYPES: dict[str, type] = {"integer": int, "number": float, "boolean": bool}


def build_commands(
    commands: list[Command], answer: Answer, complete: Complete
) -> list[app_commands.Command[Any, ..., None]]:
    """Return one app command per registered command."""
    return [app_command(command, answer, complete) for command in commands]


def app_command(
    command: Command, answer: Answer, complete: Complete
) -> app_commands.Command[Any, ..., None]:
    """Return the app command for `command`, its options typed, completed where they can be."""
    # Discord wants required options first; values are passed by name, so order is free.
    options = sorted(command.options, key=lambda option: not option.required)
    # Parameters get neutral Python names and are renamed to the option names on Discord.
    names = {f"option_{index}": option for index, option in enumerate(options)}
    parameters = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    for name, option in names.items():
        annotation = _annotation(option)
        parameters.append(
            inspect.Parameter(
                name,
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                annotation=annotation if option.required else Optional[annotation],  # noqa: UP045
                default=inspect.Parameter.empty if option.required else None,
            )
        )

    async def callback(interaction: discord.Interaction[Any], **values: Any) -> None:
        arguments = {
            names[name].name: _text(value) for name, value in values.items() if value is not None
        }
        await answer(interaction, command.name, arguments)

    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_rename__ = {  # type: ignore[attr-defined]
        name: option.name for name, option in names.items()
    }
    callback.__discord_app_commands_param_description__ = {  # type: ignore[attr-defined]
        name: describe(option.description) for name, option in names.items()
    }
    built: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=command.name, description=describe(command.description), callback=callback
    )
    for name, option in names.items():
        if option.kind in COMPLETED_KINDS and _TYPES.get(option.kind, str) is str:
            built.autocomplete(name)(_completer(option.kind, complete))
    return built


def describe(text: str) -> str:
    """Return a description Discord accepts: 1 to 100 characters, cut between words."""
    return shorten(" ".join(text.split()), MAX_DESCRIPTION) or "…"


def _annotation(option: Option) -> type:
    # The core gives no bounds; a value out of range gets the command's own short answer.
    return _TYPES.get(option.kind, str)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _completer(
    kind: str, complete: Complete
) -> Callable[[discord.Interaction[Any], str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]:
    async def offer(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return await complete(interaction, kind, current)

    return offer
