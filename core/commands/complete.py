"""Autocompletion of option values, for the platforms that offer it while a person types."""

from __future__ import annotations

from collections.abc import Iterable

from config.sources import KNOWN_LEADERBOARDS
from core.commands.context import CommandContext
from core.commands.registry import OptionKind
from core.commands.schedule import timezone_names
from storage.queries import leaderboards, models
from storage.queries.categories import paper_categories
from storage.queries.subscriptions import SECTIONS

MAX_CHOICES = 25
# A list kind completes its last item from its single kind.
_LIST_OF: dict[OptionKind, OptionKind] = {
    "leaderboards": "leaderboard",
    "categories": "category",
    "sections": "sections",
}
COMPLETED_KINDS: frozenset[OptionKind] = frozenset(
    {"leaderboard", "leaderboards", "model", "category", "categories", "timezone", "sections"}
)


async def complete(ctx: CommandContext, kind: OptionKind, prefix: str) -> list[str]:
    """Return at most 25 values of an option that fit what was typed so far, best first."""
    if kind in _LIST_OF:
        head, comma, last = prefix.rpartition(",")
        lead = head + comma if comma else ""
        found = await _values(ctx, _LIST_OF[kind], last.strip())
        chosen = {part.strip().casefold() for part in head.split(",") if part.strip()}
        return [lead + value for value in found if value.casefold() not in chosen][:MAX_CHOICES]
    return (await _values(ctx, kind, prefix.strip()))[:MAX_CHOICES]


async def _values(ctx: CommandContext, kind: OptionKind, typed: str) -> list[str]:
    if kind == "model":
        async with ctx.db.session() as session:
            return await models.model_names_containing(session, fragment=typed, limit=MAX_CHOICES)
    if kind == "leaderboard":
        async with ctx.db.session() as session:
            slugs = [board.slug for board in await leaderboards.list_leaderboards(session)]
        aliases = [
            alias for known in KNOWN_LEADERBOARDS if known.slug in slugs for alias in known.aliases
        ]
        return _matching([*slugs, *aliases], typed)
    if kind == "category":
        async with ctx.db.session() as session:
            return _matching(await paper_categories(session), typed)
    if kind == "timezone":
        return _matching(timezone_names(), "_".join(typed.split()))
    if kind == "sections":
        return _matching(SECTIONS, typed)
    return []


def _matching(values: Iterable[str], typed: str) -> list[str]:
    """Return the values that start with `typed`, then those that contain it, ignoring case."""
    key = typed.casefold()
    starts, contains = [], []
    for value in dict.fromkeys(values):
        folded = value.casefold()
        if folded.startswith(key):
            starts.append(value)
        elif key in folded:
            contains.append(value)
    return [*starts, *contains][:MAX_CHOICES]
