"""/issue: an issue's summary, papers and leaderboards, with a link to its page."""

from __future__ import annotations

import pytest

from core.commands import CommandContext, ask
from core.commands.reply import Heading, ItemList, Paragraph, Table
from storage import Database


async def test_latest_issue_has_summary_papers_and_top_three(channel: CommandContext) -> None:
    reply = await ask(channel, "/issue")
    assert reply.kind == "answer"
    assert reply.title == "The Inference Report — 2026-11-20"
    assert reply.url == "https://report.example/issues/2026-11-20"
    assert reply.footer == "By Ada Lindqvist · 3 papers"
    paragraphs = [b for b in reply.blocks if isinstance(b, Paragraph)]
    assert len(paragraphs) == 2
    assert paragraphs[0].spans[0].text.startswith("This is the second example issue")
    assert paragraphs[1].spans[0].text.endswith("with the fastest output on the table.")
    headings = [b.text for b in reply.blocks if isinstance(b, Heading)]
    assert headings == [
        "Research papers",
        "Artificial Analysis Intelligence Index — top 3",
        "SWE-rebench — top 3",
    ]
    (papers,) = [b for b in reply.blocks if isinstance(b, ItemList)]
    assert [(i.title, i.meta) for i in papers.items] == [
        ("Prefix Sharing Across Tenants in Batched Inference", "cs.DC"),
        ("Speculative Batching for Long-Context Decoding", "cs.DC"),
        ("Sparse Routers Forget Less", "cs.LG"),
    ]
    assert all(i.url and i.url.startswith("https://report.example/papers/") for i in papers.items)
    aa, swe = [b for b in reply.blocks if isinstance(b, Table)]
    assert aa.columns == ("#", "Model", "Score", "Move")
    assert aa.rows == (
        ("1", "Lumen Pro 2", "62.3", "▲1"),
        ("2", "Orion 3.2", "61.4", "▼1"),
        ("3", "Kestrel-4.1 Thinking", "58", "="),
    )
    assert swe.rows[1] == ("2", "kestrel-4.1-2026-10-02-high", "65.2", "=")


@pytest.mark.parametrize("line", ["/issue 2026-11-19", "/issue date:2026-11-19"])
async def test_an_issue_by_date(channel: CommandContext, line: str) -> None:
    reply = await ask(channel, line)
    assert reply.title == "The Inference Report — 2026-11-19"
    assert reply.url == "https://report.example/issues/2026-11-19"
    tables = [b for b in reply.blocks if isinstance(b, Table)]
    # The first issue has no snapshot before it, so no movement column.
    assert tables[0].columns == ("#", "Model", "Score")
    assert tables[0].rows[0] == ("1", "Orion 3.2", "61.4")


async def test_latest_is_the_same_as_no_date(channel: CommandContext) -> None:
    assert await ask(channel, "/issue latest") == await ask(channel, "/issue")


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("/issue yesterday", "should be a date like 2026-11-20, or latest, not 'yesterday'"),
        ("/issue 2026-13-01", "should be a date like"),
        ("/issue 2026-11-21", "There is no issue of 2026-11-21. The latest is 2026-11-20"),
    ],
)
async def test_bad_dates_get_a_short_answer(
    channel: CommandContext, line: str, needle: str
) -> None:
    reply = await ask(channel, line)
    assert reply.kind == "error" and reply.ephemeral
    assert needle in reply.title


async def test_no_issue_at_all(db: Database) -> None:
    reply = await ask(CommandContext(db=db, public_url="https://x.example"), "/issue")
    assert reply.kind == "error"
    assert reply.title == "No issue has been imported yet."
