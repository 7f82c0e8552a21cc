"""The digest: composed from stored rows and a channel's choices, one post."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
from pathlib import Path

from core.commands.reply import Heading, Item, ItemList, Paragraph, Table
from core.digest import (
    DEFAULT_SETTINGS,
    BoardState,
    DigestData,
    compose,
    editorial_summary,
    load_digest,
    paper_matches,
    preview_sentence,
    trim_words,
)
from core.ingest.store import ingest
from storage import Database
from storage.queries import sources
from storage.queries.leaderboards import EntryRow
from storage.queries.sources import NewsInput
from storage.tables import Issue, Leaderboard, NewsItem, Paper

PROJECT = Path(__file__).resolve().parents[2]
EXAMPLES = PROJECT / "config" / "examples"
URL = "https://report.example"


def paper(title: str, category: str | None, abstract: str = "", key: str = "") -> Paper:
    return Paper(
        key=key or title[:8],
        title_key=title.casefold(),
        title=title,
        category=category,
        abstract=abstract,
    )


def row(rank: int, model_id: int, score: float) -> EntryRow:
    return EntryRow(rank, model_id, f"Model {model_id}", score, None, None)


ISSUE = Issue(
    date=dt.date(2026, 6, 1),
    title="The Inference Report",
    author="A. Writer",
    editorial=["First paragraph.", "Second paragraph.", "Third paragraph."],
)
PAPERS = (
    paper("Batching at Scale", "cs.DC", "We batch requests.", "p1"),
    paper("Routers That Forget", "cs.LG", "Mixture of experts routing.", "p2"),
    paper("Agents in Repos", None, "Continuous batching of agents.", "p3"),
)
BOARD = BoardState(
    board=Leaderboard(id=1, slug="demo", name="Demo board"),
    as_of=dt.date(2026, 6, 1),
    entries=[row(1, 2, 70), row(2, 1, 69.5), row(3, 3, 50)],
    previous_as_of=dt.date(2026, 5, 31),
    previous=[row(1, 1, 69.5), row(2, 2, 68), row(3, 4, 55)],
)
DATA = DigestData(issue=ISSUE, papers=PAPERS, boards=(BOARD,))


def test_every_section_by_default() -> None:
    reply = compose(DATA, DEFAULT_SETTINGS, public_url=URL + "/")
    assert reply.title == "The Inference Report — 2026-06-01"
    assert reply.url == "https://report.example/issues/2026-06-01"
    assert reply.blocks == (
        Paragraph.of("First paragraph."),
        Paragraph.of("Second paragraph."),
        Heading("Research papers"),
        ItemList(
            (
                Item("Batching at Scale", "cs.DC", url=f"{URL}/papers/p1"),
                Item("Routers That Forget", "cs.LG", url=f"{URL}/papers/p2"),
                Item("Agents in Repos", "", url=f"{URL}/papers/p3"),
            )
        ),
        Heading("Demo board — top 3"),
        Table(
            ("#", "Model", "Score", "Move"),
            (
                ("1", "Model 2", "70", "▲1"),
                ("2", "Model 1", "69.5", "▼1"),
                ("3", "Model 3", "50", "new"),
            ),
            (True, False, True, False),
        ),
    )
    assert reply.footer == "Sections: editorial, papers, leaderboards, news"


def test_sections_papers_and_alerts_as_chosen() -> None:
    settings = dataclasses.replace(
        DEFAULT_SETTINGS,
        sections=("papers",),
        categories=("CS.lg",),
        keywords=("batch",),
        alert_boards=("demo", "gone"),
        alert_top_n=3,
        alert_score_threshold=1.5,
    )
    reply = compose(DATA, settings, public_url=URL)
    assert reply.blocks == (
        Heading("Research papers"),
        ItemList(
            (
                Item("Batching at Scale", "cs.DC", url=f"{URL}/papers/p1"),
                Item("Routers That Forget", "cs.LG", url=f"{URL}/papers/p2"),
                Item("Agents in Repos", "", url=f"{URL}/papers/p3"),
            )
        ),
        Heading("Leaderboard alerts"),
        ItemList(
            (
                Item("Model 2 is the new #1 (70)", "Demo board"),
                Item("Model 1 moves from #1 to #2", "Demo board"),
                Item("Model 3 enters the top 3 at #3 (50)", "Demo board"),
                Item("Model 4 leaves the top 3 (was #3)", "Demo board"),
            )
        ),
    )
    assert (
        reply.footer == 'Sections: papers · papers in CS.lg or about "batch" · alerts: demo, gone'
    )


def test_a_quiet_board_and_nothing_chosen() -> None:
    calm = dataclasses.replace(BOARD, previous=BOARD.entries)
    settings = dataclasses.replace(DEFAULT_SETTINGS, sections=("news",), alert_boards=("demo",))
    reply = compose(dataclasses.replace(DATA, boards=(calm,)), settings, public_url=URL)
    assert reply.blocks == (
        Heading("Leaderboard alerts"),
        Paragraph.of("No change worth an alert on Demo board."),
    )
    nothing = dataclasses.replace(DEFAULT_SETTINGS, sections=("news",))
    assert compose(DATA, nothing, public_url=URL).blocks == (
        Paragraph.of("Nothing in this issue matches this channel's choices."),
    )


def test_paper_filters() -> None:
    batching, routers, agents = PAPERS
    assert paper_matches(routers, (), ())
    assert paper_matches(routers, ("cs.lg",), ())
    assert not paper_matches(batching, ("cs.lg",), ())
    # A keyword matches words that start with it, in the title or the abstract, ignoring case.
    assert paper_matches(agents, (), ("BATCH",))
    assert not paper_matches(routers, (), ("outer",))
    assert paper_matches(routers, (), ("mixture of",))
    assert paper_matches(routers, (), ("experts  routing",))
    # Characters that mean something in a pattern mean nothing here.
    assert not paper_matches(routers, (), ("(.*)",))


def test_editorial_summary_takes_a_paragraph_or_two_within_the_limit() -> None:
    assert editorial_summary(["One.", "", "Two.", "Three."]) == ["One."]
    assert editorial_summary(["One.", "Two.", "Three."]) == ["One.", "Two."]
    assert editorial_summary(["a" * 50, "b " * 300], limit=100) == ["a" * 50]
    long = "word " * 200
    (summary,) = editorial_summary([long, "Two."], limit=100)
    assert len(summary) <= 100
    assert summary.endswith("word…")
    assert summary[:-1].split() == ["word"] * len(summary[:-1].split())


def test_trim_words_never_cuts_a_word() -> None:
    text = "The quick brown fox jumps over the lazy dog"
    assert trim_words(text, 100) == text
    assert trim_words(text, 12) == "The quick…"
    assert trim_words(text, 10) == "The quick…"
    assert trim_words(text, 9) == "The…"
    assert trim_words("https://example.com/a/very/long/link", 10) == "https://e…"


def test_preview_sentence() -> None:
    settings = dataclasses.replace(
        DEFAULT_SETTINGS, categories=("cs.DC",), alert_boards=("demo",), alert_top_n=3
    )
    assert preview_sentence(DATA, settings) == (
        "From the latest issue, 2026-06-01, it would carry the editorial, 1 of 3 papers, "
        "1 leaderboard and 4 leaderboard alerts."
    )
    only = dataclasses.replace(DEFAULT_SETTINGS, sections=("papers",))
    assert (
        preview_sentence(DATA, only)
        == "From the latest issue, 2026-06-01, it would carry 3 papers."
    )


async def test_load_digest_reads_an_issue_and_its_boards(db: Database) -> None:
    async with db.session() as session:
        assert await load_digest(session) is None
    for path in sorted(EXAMPLES.glob("report-*.txt")):
        await ingest(db, path.read_bytes())
    async with db.session() as session:
        latest = await load_digest(session)
        first = await load_digest(session, date=dt.date(2026, 11, 19))
        missing = await load_digest(session, date=dt.date(2026, 11, 21))
    assert missing is None
    assert latest is not None and first is not None
    assert latest.issue.date == dt.date(2026, 11, 20)
    assert latest.papers[0].title == "Prefix Sharing Across Tenants in Batched Inference"
    assert [(s.board.slug, s.as_of, s.previous_as_of) for s in latest.boards] == [
        ("artificial-analysis", dt.date(2026, 11, 20), dt.date(2026, 11, 19)),
        ("swe-rebench", dt.date(2026, 11, 20), dt.date(2026, 11, 19)),
    ]
    # An older issue's digest shows the boards as they stood on its date.
    assert [(s.as_of, s.previous) for s in first.boards] == [
        (dt.date(2026, 11, 19), None),
        (dt.date(2026, 11, 19), None),
    ]


def test_the_digest_module_can_be_imported_first() -> None:
    # core.digest and core.commands import each other; either may come first.
    done = subprocess.run(
        [sys.executable, "-c", "import core.digest, core.commands as c; print(len(c.REGISTRY))"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 11


def _post(section: str, title: str, hour: int, source: str = "lab-feed") -> NewsItem:
    return NewsItem(
        source=source,
        section=section,
        guid=title,
        title=title,
        url=f"https://news.example/{hour}",
        published_at=dt.datetime(2026, 6, 1, hour, tzinfo=dt.UTC),
    )


def test_news_sections_follow_the_leaderboards() -> None:
    news = (
        _post("labs", "A lab ships a model", 9),
        _post("wire", "Chips get cheaper", 8, "wire-feed"),
    )
    data = dataclasses.replace(DATA, news=news)
    blocks = compose(data, DEFAULT_SETTINGS, public_url=URL).blocks
    start = blocks.index(Heading("AI Labs"))
    assert blocks[start : start + 4] == (
        Heading("AI Labs"),
        ItemList((Item("A lab ships a model", "lab-feed", url="https://news.example/9"),)),
        Heading("From the Wire"),
        ItemList((Item("Chips get cheaper", "wire-feed", url="https://news.example/8"),)),
    )
    without = dataclasses.replace(DEFAULT_SETTINGS, sections=("editorial",))
    assert Heading("AI Labs") not in compose(data, without, public_url=URL).blocks
    assert "2 news posts" in preview_sentence(data, DEFAULT_SETTINGS)


async def test_load_digest_takes_the_news_of_the_issues_days(db: Database) -> None:
    await ingest(db, (EXAMPLES / "report-2026-11-20.txt").read_bytes())
    day = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    posts = [
        ("labs", "too old", day - dt.timedelta(days=1, seconds=1)),
        ("labs", "day before", day - dt.timedelta(hours=3)),
        ("wire", "on the day", day + dt.timedelta(hours=23)),
        ("wire", "day after", day + dt.timedelta(days=1)),
    ]
    async with db.transaction() as session:
        for section, title, at in posts:
            await sources.upsert_news(
                session,
                source=f"{section}-feed",
                section=section,
                items=[NewsInput(guid=title, title=title, url=None, summary="", published_at=at)],
            )
    async with db.session() as session:
        data = await load_digest(session, date=dt.date(2026, 11, 20))
    assert data is not None
    assert [item.title for item in data.news] == ["day before", "on the day"]
