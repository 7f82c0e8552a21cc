"""Every registered command is a Discord app command, with every option, typed and completed."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from pathlib import Path

import pytest
from discord import app_commands

from bot.discord import DiscordBot
from bot.discord.commands import MAX_DESCRIPTION, app_command, describe
from core.commands import COMPLETED_KINDS, REGISTRY
from core.commands.registry import Command, Option, OptionKind
from core.commands.reply import Reply
from storage import Database

# Discord's option types: string, integer, number.
STRING, INTEGER, NUMBER = 3, 4, 10
TYPES = {"integer": INTEGER, "number": NUMBER}


@pytest.fixture
def tree(tmp_path: Path) -> app_commands.CommandTree[DiscordBot]:
    """Return the bot's command tree, as built from the registry (no connection needed)."""
    bot = DiscordBot(db=Database(f"sqlite:///{tmp_path / 'unused.db'}"), public_url="https://x")
    return bot.tree


def test_every_command_is_on_discord_with_every_option(
    tree: app_commands.CommandTree[DiscordBot],
) -> None:
    built = {command.name: command.to_dict(tree) for command in tree.get_commands()}
    assert set(built) == set(REGISTRY)
    for name, command in REGISTRY.items():
        payload = built[name]
        assert payload["description"] == describe(command.description)
        options = {option["name"]: option for option in payload["options"]}
        assert set(options) == {option.name for option in command.options}
        for option in command.options:
            sent = options[option.name]
            assert sent["required"] == option.required, (name, option.name)
            assert sent["type"] == TYPES.get(option.kind, STRING), (name, option.name)
            assert sent.get("autocomplete", False) == (option.kind in COMPLETED_KINDS)
            assert 1 <= len(sent["description"]) <= MAX_DESCRIPTION
        # Discord wants required options first.
        required = [option["required"] for option in payload["options"]]
        assert required == sorted(required, reverse=True)


@pytest.mark.parametrize("kind", typing.get_args(OptionKind))
def test_every_option_kind_makes_a_valid_option(kind: str) -> None:
    async def handler(ctx: typing.Any, args: Mapping[str, str]) -> Reply:
        return Reply(title="x")

    # A dash is fine in a Discord option name though not in a Python one.
    option = Option("the-value", kind, "a value", required=True)  # type: ignore[arg-type]
    command = Command("probe", "Probe", (option,), handler, "/probe")

    async def answer(*_: typing.Any) -> None:
        return None

    async def complete(*_: typing.Any) -> list[app_commands.Choice[str]]:
        return []

    built = app_command(command, answer, complete)
    (param,) = built.parameters
    assert param.display_name == "the-value" and param.required
    assert param.type.value == TYPES.get(kind, STRING)
    assert param.autocomplete == (kind in COMPLETED_KINDS)


def test_descriptions_are_cut_between_words_to_discords_100() -> None:
    text = "word " * 40
    short = describe(text)
    assert len(short) <= MAX_DESCRIPTION and short.endswith("…")
    assert text.startswith(short[:-1])
    assert describe("") == "…"
