"""The registry: what platforms build their commands from, and how unexpected errors look."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import get_args

import pytest

from core.commands import REGISTRY, CommandContext, ask, dispatch
from core.commands.registry import Command, OptionKind, command, parse_arguments
from core.commands.reply import Reply

CORE = Path(__file__).resolve().parents[3] / "core"
# Discord's rule for command and option names (lower case), and its description limit.
NAME = re.compile(r"^[-_\w]{1,32}$")
DESCRIPTION_LIMIT = 100


@pytest.mark.parametrize("cmd", list(REGISTRY.values()), ids=list(REGISTRY))
def test_every_command_fits_the_platforms_limits(cmd: Command) -> None:
    assert NAME.match(cmd.name) and cmd.name == cmd.name.lower()
    assert 1 <= len(cmd.description) <= DESCRIPTION_LIMIT
    assert len(cmd.options) <= 25
    names = [option.name for option in cmd.options]
    assert len(set(names)) == len(names)
    for option in cmd.options:
        assert NAME.match(option.name) and option.name == option.name.lower(), option.name
        assert 1 <= len(option.description) <= DESCRIPTION_LIMIT, option.name
        assert option.kind in get_args(OptionKind)
    # Discord wants required options before optional ones.
    required = [option.required for option in cmd.options]
    assert required == sorted(required, reverse=True)


@pytest.mark.parametrize("cmd", list(REGISTRY.values()), ids=list(REGISTRY))
def test_every_example_parses(cmd: Command) -> None:
    name, _, rest = cmd.usage_example.partition(" ")
    assert name == f"/{cmd.name}"
    assert isinstance(parse_arguments(cmd, rest), dict)


def test_the_issue_s_commands_are_all_registered() -> None:
    assert set(REGISTRY) >= {
        "top",
        "paper",
        "issue",
        "model",
        "movers",
        "subscribe",
        "unsubscribe",
        "subscriptions",
        "digest",
        "status",
        "help",
    }


@pytest.fixture
def broken() -> Iterator[str]:
    async def handler(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
        raise RuntimeError("the database caught fire")

    command("zz-broken", "Always fails", example="/zz-broken")(handler)
    yield "zz-broken"
    del REGISTRY["zz-broken"]


async def test_an_unexpected_error_is_logged_with_a_reference(
    channel: CommandContext, broken: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="core.commands.registry"):
        replies = [await ask(channel, f"/{broken}"), await dispatch(channel, broken, {})]
    references = []
    for reply in replies:
        assert reply.kind == "error" and reply.ephemeral
        match = re.match(r"Something went wrong \(ref ([0-9a-f]{8})\)\.", reply.title)
        assert match, reply.title
        assert "caught fire" not in reply.title
        references.append(match.group(1))
    assert references[0] != references[1]
    logged = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(logged) == 2
    for record, reference in zip(logged, references, strict=True):
        assert reference in record.getMessage()
        assert record.exc_info is not None
        assert "caught fire" in str(record.exc_info[1])


async def test_dispatch_of_an_unknown_command(channel: CommandContext) -> None:
    reply = await dispatch(channel, "nope", {})
    assert reply.kind == "error"
    assert reply.title == "There is no /nope command. Try /help."


def test_the_core_builds_no_mention_syntax() -> None:
    # Data text is handed to renderers as it is; nothing in the core may write a ping itself.
    mention = re.compile(
        r"<@[!&]?[\d{]|<#[\d{]|<!(?:channel|here|everyone|subteam)|@everyone|@here"
    )
    offending = [
        f"{path.relative_to(CORE.parent)}:{number}"
        for path in CORE.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if mention.search(line)
    ]
    assert offending == []


async def test_data_text_reaches_the_reply_untouched(channel: CommandContext) -> None:
    # What a renderer must neutralise arrives as the data says: the core adds and removes nothing.
    from storage.queries import models

    async with channel.db.transaction() as session:
        await models.resolve_models(session, names=["@everyone <@&123> Model"])
    reply = await ask(channel, "/model @everyone <@&123> model")
    assert reply.title == "@everyone <@&123> Model"


def test_the_readme_lists_every_command() -> None:
    readme = (CORE.parent / "README.md").read_text()
    section = readme.split("### Commands", 1)[1].split("\n#", 1)[0]
    documented = set(re.findall(r"^\| `/([a-z_-]+)", section, re.MULTILINE))
    assert documented == set(REGISTRY)
