"""/top and /paper answer from the database, and mistakes get a short answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.commands import CommandContext, ask
from core.commands.reply import ItemList, Table
from core.ingest.store import ingest
from storage import Database
from storage.queries import leaderboards

EXAMPLES = Path(__file__).resolve().parents[3] / "config" / "examples"


@pytest.fixture
async def ctx(db: Database) -> CommandContext:
    for path in sorted(EXAMPLES.glob("report-*.txt")):
        await ingest(db, path.read_bytes())
    return CommandContext(db=db, public_url="https://report.example/")


async def test_top_shows_the_latest_snapshot_with_movement(ctx: CommandContext) -> None:
    reply = await ask(ctx, "/top aa 3")
    assert reply.kind == "answer"
    assert reply.title == "Artificial Analysis Intelligence Index — 2026-11-20"
    assert reply.url == "https://report.example/leaderboards/artificial-analysis"
    table = next(b for b in reply.blocks if isinstance(b, Table))
    assert table.columns == ("#", "Model", "Score", "tok/s", "$/1M", "Move")
    assert table.rows == (
        ("1", "Lumen Pro 2", "62.3", "140", "$4.20", "▲1"),
        ("2", "Orion 3.2", "61.4", "88", "$9.50", "▼1"),
        ("3", "Kestrel-4.1 Thinking", "58", "70", "$12.00", "="),
    )


async def test_top_as_of_a_date_uses_that_snapshot(ctx: CommandContext) -> None:
    reply = await ask(ctx, "/top swe-rebench 5 2026-11-19")
    table = next(b for b in reply.blocks if isinstance(b, Table))
    assert reply.title.endswith("2026-11-19")
    assert table.columns == ("#", "Model", "Score")
    assert table.rows[-1] == ("5", "Nimbus 7.5", "62")


async def test_top_finds_a_board_by_name_slug_or_alias_alike(ctx: CommandContext) -> None:
    by_slug = await ask(ctx, "/top swe-rebench 4")
    for line in ("/top SWE 4", '/top "SWE-rebench" 4'):
        reply = await ask(ctx, line)
        assert (reply.kind, reply.title, reply.blocks) == ("answer", by_slug.title, by_slug.blocks)
    by_name = await ask(ctx, '/top "artificial analysis intelligence index" 2')
    assert by_name.title == "Artificial Analysis Intelligence Index — 2026-11-20"


async def test_top_of_a_board_without_a_snapshot_says_so(ctx: CommandContext) -> None:
    async with ctx.db.transaction() as session:
        await leaderboards.save_leaderboard(
            session, slug="fresh-board", name="Fresh Board", description=""
        )
    reply = await ask(ctx, "/top fresh-board")
    assert (reply.kind, reply.title) == ("error", "Fresh Board has no snapshot yet.")
    dated = await ask(ctx, "/top aa 3 2026-01-01")
    assert dated.title == (
        "Artificial Analysis Intelligence Index has no snapshot on or before 2026-01-01 yet."
    )


async def test_a_typo_gets_a_suggestion(ctx: CommandContext) -> None:
    reply = await ask(ctx, "/top swe-rebnch")
    assert reply.kind == "error" and reply.ephemeral
    assert reply.suggestions[0] == "swe-rebench"
    assert "Did you mean swe-rebench?" in reply.title


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("/top", "needs leaderboard"),
        ("/top aa lots", "whole number"),
        ("/top aa 0", "from 1 to 50"),
        ("/top aa 5 yesterday", "2026-03-31"),
        ("/nope", "no /nope command"),
        ("/paper", "needs query"),
        ("/paper 🚀", "Type a word"),
    ],
)
async def test_bad_arguments_get_an_answer_a_person_can_act_on(
    ctx: CommandContext, line: str, needle: str
) -> None:
    reply = await ask(ctx, line)
    assert reply.kind == "error"
    assert needle.casefold() in reply.title.casefold()


async def test_paper_finds_matches_and_marks_them(ctx: CommandContext) -> None:
    reply = await ask(ctx, "/paper batching")
    (results,) = [b for b in reply.blocks if isinstance(b, ItemList)]
    titles = [item.title for item in results.items]
    assert titles[:2] == [
        "Speculative Batching for Long-Context Decoding",
        "Prefix Sharing Across Tenants in Batched Inference",
    ]
    first = results.items[0]
    assert first.meta == "cs.DC"
    assert first.url is not None and first.url.startswith("https://report.example/papers/t-")
    assert any(span.strong and span.text.casefold().startswith("batch") for span in first.body)


async def test_paper_suggests_a_close_spelling_when_nothing_matches(ctx: CommandContext) -> None:
    reply = await ask(ctx, "/paper speculatve")
    assert reply.kind == "error"
    assert "Did you mean 'speculative'?" in reply.title
    assert reply.suggestions == ("speculative",)


async def test_paper_category_option(ctx: CommandContext) -> None:
    reply = await ask(ctx, "/paper experts category:cs.LG")
    (results,) = [b for b in reply.blocks if isinstance(b, ItemList)]
    assert [item.title for item in results.items] == ["Sparse Routers Forget Less"]
