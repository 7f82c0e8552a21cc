"""/model: a model's rank and score over time, per leaderboard, aliases resolved."""

from __future__ import annotations

import datetime as dt

from core.commands import CommandContext, ask
from core.commands.model import HISTORY_ROWS
from core.commands.reply import Heading, Table
from storage import Database
from storage.queries import leaderboards, models


async def test_history_on_each_board_newest_first(channel: CommandContext) -> None:
    reply = await ask(channel, "/model ORION   3.2")
    assert reply.kind == "answer"
    assert reply.title == "Orion 3.2"
    assert [b.text for b in reply.blocks if isinstance(b, Heading)] == [
        "Artificial Analysis Intelligence Index",
        "SWE-rebench",
    ]
    aa, swe = [b for b in reply.blocks if isinstance(b, Table)]
    assert aa.columns == ("As of", "#", "Score")
    assert aa.rows == (("2026-11-20", "2", "61.4"), ("2026-11-19", "1", "61.4"))
    assert swe.rows == (("2026-11-20", "1", "66.1"), ("2026-11-19", "1", "66.1"))


async def test_spellings_are_separate_until_an_alias_joins_them(
    channel: CommandContext, loaded: Database
) -> None:
    thinking = await ask(channel, "/model Kestrel-4.1 Thinking")
    assert [b.text for b in thinking.blocks if isinstance(b, Heading)] == [
        "Artificial Analysis Intelligence Index"
    ]
    async with loaded.transaction() as session:
        await models.add_alias(
            session, alias="kestrel-4.1-2026-10-02-high", model_name="Kestrel-4.1 Thinking"
        )
    for line in ("/model Kestrel-4.1 Thinking", "/model kestrel-4.1-2026-10-02-high"):
        joined = await ask(channel, line)
        assert joined.title == "Kestrel-4.1 Thinking (also kestrel-4.1-2026-10-02-high)"
        aa, swe = [b for b in joined.blocks if isinstance(b, Table)]
        assert aa.columns == ("As of", "#", "Score", "Listed as")
        assert aa.rows[0] == ("2026-11-20", "3", "58", "Kestrel-4.1 Thinking")
        assert swe.rows == (
            ("2026-11-20", "2", "65.2", "kestrel-4.1-2026-10-02-high"),
            ("2026-11-19", "2", "64.9", "kestrel-4.1-2026-10-02-high"),
        )


async def test_history_is_capped(channel: CommandContext, loaded: Database) -> None:
    async with loaded.transaction() as session:
        board = await leaderboards.save_leaderboard(
            session, slug="long-board", name="Long board", description=""
        )
        ids = await models.resolve_models(session, names=["Orion 3.2"])
        assert board.id is not None
        for day in range(HISTORY_ROWS + 2):
            await leaderboards.save_snapshot(
                session,
                leaderboard_id=board.id,
                as_of=dt.date(2026, 1, 1) + dt.timedelta(days=day),
                source="test",
                entries=[leaderboards.EntryInput(rank=1, model_id=ids["Orion 3.2"], score=day)],
            )
    reply = await ask(channel, "/model Orion 3.2")
    tables = dict(
        zip(
            [b.text for b in reply.blocks if isinstance(b, Heading)],
            [b for b in reply.blocks if isinstance(b, Table)],
            strict=True,
        )
    )
    long = tables["Long board"]
    assert len(long.rows) == HISTORY_ROWS
    assert long.rows[0] == ("2026-01-12", "1", "11")
    assert long.rows[-1] == ("2026-01-03", "1", "2")


async def test_a_model_on_no_board(channel: CommandContext, loaded: Database) -> None:
    async with loaded.transaction() as session:
        await models.resolve_models(session, names=["Ghost 1"])
    reply = await ask(channel, "/model ghost 1")
    assert reply.kind == "answer"
    assert reply.title == "Ghost 1"
    assert reply.blocks == ()
    assert reply.footer == "Not on any leaderboard yet."


async def test_a_typo_gets_close_names(channel: CommandContext) -> None:
    reply = await ask(channel, "/model orin 3.2")
    assert reply.kind == "error" and reply.ephemeral
    assert reply.title == "No model called 'orin 3.2'. Did you mean Orion 3.2?"
    assert reply.suggestions[0] == "Orion 3.2"


async def test_nothing_close_gets_no_suggestion(channel: CommandContext) -> None:
    reply = await ask(channel, "/model zzzzqqq")
    assert reply.title == "No model called 'zzzzqqq'."
    assert reply.suggestions == ()


async def test_a_name_is_needed(channel: CommandContext) -> None:
    reply = await ask(channel, "/model")
    assert reply.kind == "error"
    assert "needs name" in reply.title
