"""/top: a leaderboard as of its latest (or a given) snapshot, with movement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from core.commands.context import CommandContext
from core.commands.leaderboards import find_board, slugs_named, unknown_board
from core.commands.registry import Option, command
from core.commands.reply import Paragraph, Reply, Table, error_reply
from core.leaderboard_changes import movement
from storage.queries import leaderboards

DEFAULT_ROWS = 10
MAX_ROWS = 50


@command(
    "top",
    "Show a leaderboard with movement since the snapshot before",
    Option(
        "leaderboard", "leaderboard", "which board: swe-rebench, artificial-analysis, ...", True
    ),
    Option("n", "integer", f"how many rows (1-{MAX_ROWS}, default {DEFAULT_ROWS})"),
    Option("date", "date", "the board as of this date (YYYY-MM-DD)"),
    example="/top swe-rebench 5",
)
async def top(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
    """Return the ranked table of a leaderboard."""
    wanted = args.get("leaderboard", "")
    count = _count(args.get("n"))
    if isinstance(count, Reply):
        return count
    as_of = _date(args.get("date"))
    if isinstance(as_of, Reply):
        return as_of
    # A slug or an alias, as most people type: the board and its rows in one statement.
    slugs = slugs_named(wanted)
    found = await leaderboards.newest_snapshot_entries(
        ctx.db, slugs=slugs, on_or_before=as_of, limit=2
    )
    chosen = min(found, key=lambda state: slugs.index(state.board.slug), default=None)
    if chosen is None:
        # A board's name, or a mistake: look through every board.
        async with ctx.db.session() as session:
            boards = await leaderboards.list_leaderboards(session)
        named = find_board(boards, wanted)
        if named is None:
            return unknown_board(boards, wanted)
        (chosen,) = await leaderboards.newest_snapshot_entries(
            ctx.db, slugs=[named.slug], on_or_before=as_of, limit=2
        )
    board = chosen.board
    if not chosen.snapshots:
        when = f" on or before {as_of}" if as_of else ""
        return error_reply(f"{board.name} has no snapshot{when} yet.")
    latest = chosen.snapshots[0]
    previous = chosen.snapshots[1] if len(chosen.snapshots) > 1 else None
    rows = latest.rows
    before = None
    if previous is not None:
        before = {row.model_id: row.rank for row in previous.rows}
    has_speed = any(row.tokens_per_second is not None for row in rows)
    has_price = any(row.price_cents is not None for row in rows)
    columns = ["#", "Model", "Score"]
    numeric = [True, False, True]
    if has_speed:
        columns.append("tok/s")
        numeric.append(True)
    if has_price:
        columns.append("$/1M")
        numeric.append(True)
    if before is not None:
        columns.append("Move")
        numeric.append(False)
    table_rows = []
    for row in rows[:count]:
        cells = [str(row.rank), row.model, _score(row.score)]
        if has_speed:
            cells.append("" if row.tokens_per_second is None else str(row.tokens_per_second))
        if has_price:
            cells.append("" if row.price_cents is None else f"${row.price_cents / 100:.2f}")
        if before is not None:
            cells.append(movement(before.get(row.model_id), row.rank))
        table_rows.append(tuple(cells))
    since = f" · movement since {previous.as_of.isoformat()}" if previous is not None else ""
    blocks: list[Paragraph | Table] = []
    if board.description:
        blocks.append(Paragraph.of(board.description))
    blocks.append(Table(tuple(columns), tuple(table_rows), tuple(numeric)))
    return Reply(
        title=f"{board.name} — {latest.as_of.isoformat()}",
        blocks=tuple(blocks),
        url=ctx.link(f"/leaderboards/{board.slug}"),
        footer=f"Top {len(table_rows)} of {len(rows)}{since}",
    )


def _score(score: float) -> str:
    return f"{score:g}" if score == int(score) else f"{score:.1f}"


def _count(text: str | None) -> int | Reply:
    if not text:
        return DEFAULT_ROWS
    try:
        value = int(text)
    except ValueError:
        return error_reply(f"n should be a whole number from 1 to {MAX_ROWS}, not {text!r}.")
    if not 1 <= value <= MAX_ROWS:
        return error_reply(f"n should be from 1 to {MAX_ROWS}, not {value}.")
    return value


def _date(text: str | None) -> dt.date | Reply | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return error_reply(f"date should look like 2026-03-31, not {text!r}.")
