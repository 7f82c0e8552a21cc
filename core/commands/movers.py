"""/movers: what changed between the last two snapshots of each leaderboard (or one)."""

from __future__ import annotations

from collections.abc import Mapping

from core import digest
from core.commands.context import CommandContext
from core.commands.leaderboards import find_board, unknown_board
from core.commands.registry import Option, command
from core.commands.reply import Block, Heading, ItemList, Paragraph, Reply, error_reply
from core.leaderboard_changes import DEFAULT_SCORE_THRESHOLD, DEFAULT_TOP_N
from storage.queries import leaderboards
from storage.tables import Leaderboard


@command(
    "movers",
    "Show what changed between the last two snapshots of the leaderboards",
    Option("leaderboard", "leaderboard", "only this board: swe-rebench, artificial-analysis, ..."),
    example="/movers swe",
)
async def movers(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
    """Return the changes on every board, or on the one named."""
    wanted = args.get("leaderboard", "").strip()
    board: Leaderboard | None = None
    async with ctx.db.session() as session:
        if wanted:
            boards = await leaderboards.list_leaderboards(session)
            board = find_board(boards, wanted)
            if board is None:
                return unknown_board(boards, wanted)
        states = await digest.load_boards(session)
    if board is not None:
        states = [state for state in states if state.board.slug == board.slug]
        if not states:
            return error_reply(f"{board.name} has no snapshot yet.")
    if not states:
        return error_reply("No leaderboard has been imported yet.")
    blocks: list[Block] = []
    for state in states:
        changes = state.changes(DEFAULT_TOP_N, DEFAULT_SCORE_THRESHOLD)
        if changes is None:
            blocks.append(Heading(state.board.name))
            blocks.append(Paragraph.of(f"Only one snapshot so far, of {state.as_of}."))
            continue
        blocks.append(Heading(f"{state.board.name}: {state.previous_as_of} → {state.as_of}"))
        if changes:
            blocks.append(ItemList(digest.change_items(changes, DEFAULT_TOP_N)))
        else:
            blocks.append(
                Paragraph.of(
                    f"No change in the top {DEFAULT_TOP_N}, and no score moved by "
                    f"{DEFAULT_SCORE_THRESHOLD:g} point or more."
                )
            )
    return Reply(
        title=f"What moved on {board.name}" if board else "What moved on the leaderboards",
        blocks=tuple(blocks),
        url=ctx.link(f"/leaderboards/{board.slug}") if board else None,
        footer=(
            f"New leaders, entries and exits of the top {DEFAULT_TOP_N}, and scores that moved by "
            f"{DEFAULT_SCORE_THRESHOLD:g} or more"
        ),
    )
