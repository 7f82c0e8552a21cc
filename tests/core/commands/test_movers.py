"""/movers: what changed between the last two snapshots, of every board or one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from core.commands import CommandContext, ask
from core.commands.reply import Heading, ItemList, Paragraph
from core.ingest.store import ingest
from storage import Database
from storage.queries import leaderboards, models

EXAMPLES = Path(__file__).resolve().parents[3] / "config" / "examples"


async def test_every_board(channel: CommandContext) -> None:
    reply = await ask(channel, "/movers")
    assert reply.kind == "answer"
    assert reply.title == "What moved on the leaderboards"
    assert reply.url is None
    assert [b.text for b in reply.blocks if isinstance(b, Heading)] == [
        "Artificial Analysis Intelligence Index: 2026-11-19 → 2026-11-20",
        "SWE-rebench: 2026-11-19 → 2026-11-20",
    ]
    aa, swe = [b for b in reply.blocks if isinstance(b, ItemList)]
    assert [i.title for i in aa.items] == [
        "Lumen Pro 2 is the new #1 (62.3)",
        "Orion 3.2 moves from #1 to #2",
        "Sable 2 Flash enters the top 5 at #5 (55.5)",
        "Quill K3.1 leaves the top 5 (was #5)",
    ]
    assert [i.title for i in swe.items] == [
        "Sable 2 Flash enters the top 5 at #5 (61.8)",
        "Nimbus 7.5 leaves the top 5 (was #5)",
    ]


async def test_one_board_by_alias(channel: CommandContext) -> None:
    reply = await ask(channel, "/movers swe")
    assert reply.title == "What moved on SWE-rebench"
    assert reply.url == "https://report.example/leaderboards/swe-rebench"
    (changes,) = [b for b in reply.blocks if isinstance(b, ItemList)]
    assert len(changes.items) == 2


async def test_a_typo_gets_the_same_suggestion_as_top(channel: CommandContext) -> None:
    reply = await ask(channel, "/movers swe-rebnch")
    assert reply.kind == "error"
    assert reply.title == "No leaderboard called 'swe-rebnch'. Did you mean swe-rebench?"
    assert (await ask(channel, "/top swe-rebnch")).title == reply.title


async def test_a_board_with_one_snapshot(db: Database) -> None:
    await ingest(db, (EXAMPLES / "report-2026-11-19.txt").read_bytes())
    reply = await ask(CommandContext(db=db, public_url="https://x.example"), "/movers aa")
    assert reply.blocks == (
        Heading("Artificial Analysis Intelligence Index"),
        Paragraph.of("Only one snapshot so far, of 2026-11-19."),
    )


async def test_nothing_changed(db: Database) -> None:
    async with db.transaction() as session:
        board = await leaderboards.save_leaderboard(
            session, slug="calm", name="Calm board", description=""
        )
        ids = await models.resolve_models(session, names=["A", "B"])
        assert board.id is not None
        for day in (1, 2):
            await leaderboards.save_snapshot(
                session,
                leaderboard_id=board.id,
                as_of=dt.date(2026, 5, day),
                source="test",
                entries=[
                    leaderboards.EntryInput(rank=1, model_id=ids["A"], score=50),
                    leaderboards.EntryInput(rank=2, model_id=ids["B"], score=40.5),
                ],
            )
    reply = await ask(CommandContext(db=db, public_url="https://x.example"), "/movers calm")
    assert reply.blocks[1] == Paragraph.of(
        "No change in the top 5, and no score moved by 1 point or more."
    )


async def test_no_board_at_all(db: Database) -> None:
    reply = await ask(CommandContext(db=db, public_url="https://x.example"), "/movers")
    assert reply.kind == "error"
    assert reply.title == "No leaderboard has been imported yet."
