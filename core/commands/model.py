"""/model: a model's rank and score over time on each leaderboard."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from rapidfuzz import process
from rapidfuzz.utils import default_process

from core import digest
from core.commands.context import CommandContext
from core.commands.registry import Option, command
from core.commands.reply import Block, Heading, Reply, Table, error_reply
from storage.queries import leaderboards, models
from storage.queries.leaderboards import HistoryRow
from storage.tables import Leaderboard

HISTORY_ROWS = 10
SUGGESTIONS = 3


@command(
    "model",
    "Show a model's rank and score over time on each leaderboard",
    Option("name", "model", "the model's name or an alias, such as Orion 3.2", True, rest=True),
    example="/model Orion 3.2",
)
async def model(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
    """Return a model's history on every board it appears on."""
    name = " ".join(args.get("name", "").split())
    if not name:
        return error_reply("Type a model's name, for example: /model Orion 3.2")
    async with ctx.db.session() as session:
        found = await models.joined_models(session, name=name)
        if not found:
            known = await models.known_model_names(session)
            return _unknown_model(name, known)
        ids = [m.id for m in found if m.id is not None]
        history = await leaderboards.model_history(session, model_ids=ids)
        boards = {board.id: board for board in await leaderboards.list_leaderboards(session)}
    title = found[0].name
    if len(found) > 1:
        title += " (also " + ", ".join(m.name for m in found[1:]) + ")"
    if not history:
        return Reply(title=title, footer="Not on any leaderboard yet.")
    by_board: dict[int, list[HistoryRow]] = defaultdict(list)
    for row in history:
        by_board[row.leaderboard_id].append(row)
    blocks: list[Block] = []
    ordered = sorted(by_board, key=lambda board_id: _slug(boards.get(board_id)))
    for board_id in ordered:
        blocks.append(Heading(_board_name(boards.get(board_id))))
        blocks.append(_history_table(by_board[board_id], several=len(found) > 1))
    return Reply(
        title=title,
        blocks=tuple(blocks),
        footer=f"Newest first; the last {HISTORY_ROWS} snapshots of each leaderboard at most",
    )


def _history_table(rows: Sequence[HistoryRow], *, several: bool) -> Table:
    columns = ("As of", "#", "Score", *(("Listed as",) if several else ()))
    numeric = (False, True, True, *((False,) if several else ()))
    cells = []
    for row in rows[:HISTORY_ROWS]:
        line = (row.as_of.isoformat(), str(row.rank), digest.format_score(row.score))
        cells.append((*line, row.model) if several else line)
    return Table(columns, tuple(cells), numeric)


def _slug(board: Leaderboard | None) -> str:
    return "" if board is None else board.slug


def _board_name(board: Leaderboard | None) -> str:
    return "A removed leaderboard" if board is None else board.name


def _unknown_model(name: str, known: Sequence[str]) -> Reply:
    matches = process.extract(
        name,
        list(dict.fromkeys(known)),
        processor=default_process,
        limit=SUGGESTIONS,
        score_cutoff=60,
    )
    suggestions = tuple(match for match, _, _ in matches)
    hint = f" Did you mean {suggestions[0]}?" if suggestions else ""
    return error_reply(f"No model called {name!r}.{hint}", suggestions=suggestions)
