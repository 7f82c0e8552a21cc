"""The command registry: every command, its options, and dispatch from text."""

from __future__ import annotations

import logging
import secrets
import shlex
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from core.commands.context import CommandContext
from core.commands.reply import Reply, error_reply

# What an option takes; platforms pick an input and autocompletion from it:
#   text          free text (a search query, ...)
#   integer       a whole number
#   number        a number, decimals allowed
#   date          YYYY-MM-DD (some commands also take `latest`)
#   leaderboard   one board: its slug or an alias (autocompleted)
#   leaderboards  boards separated by commas (the last one autocompleted), or `none`
#   category      one arXiv category such as cs.DC (autocompleted)
#   categories    categories separated by commas (the last one autocompleted), or `all`
#   model         a model's name or alias (autocompleted)
#   time          a time of day HH:MM (24-hour), or `publish`
#   timezone      an IANA timezone such as Europe/Paris (autocompleted)
#   sections      digest sections separated by commas (the last one autocompleted), or `all`
#   list          words or phrases separated by commas, or `none`
OptionKind = Literal[
    "text",
    "integer",
    "number",
    "date",
    "leaderboard",
    "leaderboards",
    "category",
    "categories",
    "model",
    "time",
    "timezone",
    "sections",
    "list",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Option:
    """An argument of a command."""

    name: str
    kind: OptionKind
    description: str
    required: bool = False
    # The last positional option may take the rest of the line (a search query).
    rest: bool = False


Handler = Callable[[CommandContext, Mapping[str, str]], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class Command:
    """A command, written once for every platform."""

    name: str
    description: str
    options: tuple[Option, ...]
    handler: Handler
    usage_example: str

    @property
    def usage(self) -> str:
        """Return how the command is typed: `/top <leaderboard> [n] [date]`."""
        words = [f"/{self.name}"]
        for option in self.options:
            words.append(f"<{option.name}>" if option.required else f"[{option.name}]")
        return " ".join(words)


REGISTRY: dict[str, Command] = {}


def command(
    name: str, description: str, *options: Option, example: str
) -> Callable[[Handler], Handler]:
    """Register the decorated handler as the command `name`."""

    def register(handler: Handler) -> Handler:
        if name in REGISTRY:
            raise ValueError(f"command {name!r} is registered twice")
        REGISTRY[name] = Command(name, description, options, handler, example)
        return handler

    return register


def parse_arguments(cmd: Command, text: str) -> dict[str, str] | Reply:
    """Bind the words after a command to its options; `key:value` names an option."""
    try:
        words = shlex.split(text)
    except ValueError:
        # An unbalanced quote is still something a person typed: take the words as they are.
        words = text.split()
    by_name = {option.name: option for option in cmd.options}
    values: dict[str, str] = {}
    positional: list[str] = []
    for word in words:
        key, sep, value = word.partition(":")
        if sep and key in by_name and value:
            values[key] = value
        else:
            positional.append(word)
    free = [option for option in cmd.options if option.name not in values]
    for index, option in enumerate(free):
        if not positional:
            break
        if option.rest or index == len(free) - 1:
            values[option.name] = " ".join(positional)
            positional = []
        else:
            values[option.name] = positional.pop(0)
    for option in cmd.options:
        if option.required and not values.get(option.name):
            return error_reply(
                f"/{cmd.name} needs {option.name}: {option.description}. "
                f"For example: {cmd.usage_example}"
            )
    return values


async def dispatch(ctx: CommandContext, name: str, arguments: Mapping[str, str]) -> Reply:
    """Run the command `name` with bound arguments."""
    cmd = REGISTRY.get(name)
    if cmd is None:
        return error_reply(f"There is no /{name} command. Try /help.")
    return await _run(cmd, ctx, arguments)


async def ask(ctx: CommandContext, line: str) -> Reply:
    """Answer a command typed as text, such as `/top swe-rebench 5`."""
    head, _, rest = line.strip().partition(" ")
    name = head.removeprefix("/").casefold()
    cmd = REGISTRY.get(name)
    if cmd is None:
        known = ", ".join(f"/{n}" for n in sorted(REGISTRY))
        return error_reply(f"There is no /{name or '?'} command. Commands: {known}.")
    bound = parse_arguments(cmd, rest)
    if isinstance(bound, Reply):
        return bound
    return await _run(cmd, ctx, bound)


async def _run(cmd: Command, ctx: CommandContext, arguments: Mapping[str, str]) -> Reply:
    """Run a handler; an unexpected error is logged under a reference the person is shown."""
    try:
        return await cmd.handler(ctx, arguments)
    except Exception:
        reference = secrets.token_hex(4)
        log.exception(
            "/%s failed (ref %s) on %s channel %r",
            cmd.name,
            reference,
            ctx.platform,
            ctx.channel_id,
        )
        return error_reply(
            f"Something went wrong (ref {reference}). It has been logged; "
            "please try again later, and quote the ref if you report it."
        )


def all_commands() -> Sequence[Command]:
    """Return every registered command, by name."""
    return [REGISTRY[name] for name in sorted(REGISTRY)]
