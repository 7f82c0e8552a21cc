"""Find a leaderboard by slug, alias or name, with a suggestion for a typo."""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import process

from config.sources import KNOWN_LEADERBOARDS
from core.commands.reply import Reply, error_reply
from storage.tables import Leaderboard


def slugs_named(wanted: str) -> list[str]:
    """Return the slugs `wanted` can name as a slug or an alias, in the order they win."""
    key = wanted.strip().casefold()
    aliased = (known.slug for known in KNOWN_LEADERBOARDS if key in known.aliases)
    return list(dict.fromkeys((key, *aliased)))


def find_board(boards: Sequence[Leaderboard], wanted: str) -> Leaderboard | None:
    """Return the board `wanted` names: its slug, an alias, or its name, ignoring case."""
    by_slug = {board.slug: board for board in boards}
    for slug in slugs_named(wanted):
        if slug in by_slug:
            return by_slug[slug]
    key = wanted.strip().casefold()
    for board in boards:
        if board.name.casefold() == key:
            return board
    return None


def suggest_board(boards: Sequence[Leaderboard], wanted: str) -> list[str]:
    """Return the slugs closest to a name that matched nothing, best first."""
    choices: dict[str, str] = {}
    for board in boards:
        choices[board.slug] = board.slug
        choices[board.name.casefold()] = board.slug
    for known in KNOWN_LEADERBOARDS:
        for alias in known.aliases:
            choices.setdefault(alias, known.slug)
    matches = process.extract(wanted.casefold(), list(choices), limit=5, score_cutoff=60)
    return list(dict.fromkeys(choices[match] for match, _, _ in matches))


def unknown_board(known: Sequence[Leaderboard], wanted: str) -> Reply:
    """Return the short answer to a board name that matched nothing, with the closest names."""
    suggestions = suggest_board(known, wanted)
    if suggestions:
        hint = f" Did you mean {suggestions[0]}?"
    elif known:
        hint = " Leaderboards: " + ", ".join(board.slug for board in known) + "."
    else:
        hint = " No leaderboard has been imported yet."
    return error_reply(f"No leaderboard called {wanted!r}.{hint}", suggestions=tuple(suggestions))
