"""A channel's digest of an issue: its chosen sections, papers and leaderboard alerts, one post.

`compose` is pure (stored rows and choices in, a neutral reply out); `load_digest` reads what it
needs. /digest previews with them and /issue shows an issue whole; delivery posts the same reply.
Commands reach this module as `from core import digest` and look names up when they run: it
imports from `core.commands`, whose package imports every command.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from core.commands.context import page_link
from core.commands.reply import Block, Heading, Item, ItemList, Paragraph, Reply, Span, Table
from core.leaderboard_changes import (
    DEFAULT_SCORE_THRESHOLD,
    DEFAULT_TOP_N,
    Change,
    compare,
    movement,
)
from storage.queries import issues, leaderboards, sources
from storage.queries.leaderboards import EntryRow
from storage.queries.subscriptions import SECTIONS, DigestSettings
from storage.tables import Issue, Leaderboard, NewsItem, Paper

SUMMARY_CHARS = 600
TOP_ROWS = 3
NEWS_ITEMS = 5
NEWS_SECTIONS = (("labs", "AI Labs"), ("wire", "From the Wire"))

DEFAULT_SETTINGS = DigestSettings(
    schedule_kind="on-publish",
    time_of_day=None,
    timezone="UTC",
    sections=SECTIONS,
    categories=(),
    keywords=(),
    alert_boards=(),
    alert_top_n=DEFAULT_TOP_N,
    alert_score_threshold=DEFAULT_SCORE_THRESHOLD,
)


@dataclass(frozen=True, slots=True)
class BoardState:
    """A board's latest snapshot (as of a date) and the one before it."""

    board: Leaderboard
    as_of: dt.date
    entries: Sequence[EntryRow]
    previous_as_of: dt.date | None = None
    previous: Sequence[EntryRow] | None = None

    def changes(self, top_n: int, score_threshold: float) -> list[Change] | None:
        """Return what changed since the snapshot before, or None when there is none before."""
        if self.previous is None:
            return None
        return compare(self.previous, self.entries, top_n=top_n, score_threshold=score_threshold)


@dataclass(frozen=True, slots=True)
class DigestData:
    """Everything a digest of one issue is made from."""

    issue: Issue
    papers: Sequence[Paper]
    boards: Sequence[BoardState]
    # Lab and wire posts of the issue's day and the day before, newest first.
    news: Sequence[NewsItem] = ()


async def load_boards(
    session: AsyncSession, *, on_or_before: dt.date | None = None
) -> list[BoardState]:
    """Return every board with a snapshot (on or before a date), by slug."""
    states = []
    for board in await leaderboards.list_leaderboards(session):
        assert board.id is not None
        found = await leaderboards.snapshots(
            session, leaderboard_id=board.id, on_or_before=on_or_before, limit=2
        )
        if not found or found[0].id is None:
            continue
        latest = found[0]
        assert latest.id is not None
        entries = await leaderboards.snapshot_entries(session, snapshot_id=latest.id)
        before = found[1] if len(found) > 1 else None
        previous = None
        if before is not None and before.id is not None:
            previous = await leaderboards.snapshot_entries(session, snapshot_id=before.id)
        states.append(
            BoardState(
                board=board,
                as_of=latest.as_of,
                entries=entries,
                previous_as_of=None if before is None else before.as_of,
                previous=previous,
            )
        )
    return states


async def load_digest(session: AsyncSession, *, date: dt.date | None = None) -> DigestData | None:
    """Return what the digest of the issue of `date` (else the latest) is made from."""
    if date is None:
        issue = await issues.latest_issue(session)
    else:
        issue = await issues.get_issue(session, date=date)
    if issue is None:
        return None
    assert issue.id is not None
    papers = await issues.issue_papers(session, issue_id=issue.id)
    boards = await load_boards(session, on_or_before=issue.date)
    news = await load_news(session, date=issue.date)
    return DigestData(issue=issue, papers=papers, boards=boards, news=news)


async def load_news(session: AsyncSession, *, date: dt.date) -> list[NewsItem]:
    """Return the newest lab and wire posts of `date` and the day before, a few per section."""
    until = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), dt.UTC)
    since = until - dt.timedelta(days=2)
    found: list[NewsItem] = []
    for section, _ in NEWS_SECTIONS:
        found.extend(
            await sources.latest_news(
                session,
                sections=(section,),
                limit=NEWS_ITEMS,
                since=since,
                before=until,
            )
        )
    return found


def compose(data: DigestData, settings: DigestSettings, *, public_url: str) -> Reply:
    """Return the digest of an issue as one reply, with only the sections and papers chosen."""
    issue = data.issue
    blocks: list[Block] = []
    if "editorial" in settings.sections:
        blocks.extend(Paragraph.of(text) for text in editorial_summary(issue.editorial))
    if "papers" in settings.sections:
        blocks.extend(_paper_blocks(data.papers, settings, public_url))
    if "leaderboards" in settings.sections:
        for state in data.boards:
            blocks.append(Heading(f"{state.board.name} — top {TOP_ROWS}"))
            blocks.append(top_table(state, TOP_ROWS))
    if "news" in settings.sections:
        blocks.extend(_news_blocks(data.news))
    if settings.alert_boards:
        blocks.extend(_alert_blocks(data.boards, settings))
    if not blocks:
        blocks.append(Paragraph.of("Nothing in this issue matches this channel's choices."))
    return Reply(
        title=issue_title(issue),
        blocks=tuple(blocks),
        url=page_link(public_url, f"/issues/{issue.date.isoformat()}"),
        footer=describe_choices(settings),
    )


def issue_title(issue: Issue) -> str:
    """Return an issue's heading: `The Inference Report — 2026-11-20`."""
    return f"{issue.title} — {issue.date.isoformat()}"


def editorial_summary(paragraphs: Sequence[str], limit: int = SUMMARY_CHARS) -> list[str]:
    """Return the first paragraph or two, within `limit` characters, cut at a word boundary."""
    chosen: list[str] = []
    for paragraph in paragraphs[:2]:
        text = " ".join(paragraph.split())
        if not text:
            continue
        used = sum(len(p) for p in chosen)
        if chosen and used + len(text) > limit:
            break
        chosen.append(text)
    if chosen and len(chosen[0]) > limit:
        chosen[0] = trim_words(chosen[0], limit)
    return chosen


def trim_words(text: str, limit: int) -> str:
    """Return `text` cut to at most `limit` characters at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if not text[limit - 1].isspace() and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:—-") + "…"


def paper_matches(paper: Paper, categories: Sequence[str], keywords: Sequence[str]) -> bool:
    """Return whether a paper is in one of `categories` or mentions one of `keywords`.

    No categories and no keywords means every paper; a keyword matches words that start with it
    (`batch` finds "batching"), ignoring case.
    """
    if not categories and not keywords:
        return True
    folded = {category.casefold() for category in categories}
    if paper.category is not None and paper.category.casefold() in folded:
        return True
    text = f"{paper.title}\n{paper.abstract}"
    return any(_keyword_pattern(keyword).search(text) for keyword in keywords)


def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    words = (re.escape(word) for word in keyword.split())
    return re.compile(r"(?<!\w)" + r"\s+".join(words), re.IGNORECASE)


def _paper_blocks(
    papers: Sequence[Paper], settings: DigestSettings, public_url: str
) -> list[Block]:
    chosen = [p for p in papers if paper_matches(p, settings.categories, settings.keywords)]
    heading = Heading("Research papers")
    if not chosen:
        if not papers:
            return []
        return [heading, Paragraph.of(f"No paper in this issue is {_topics(settings)}.")]
    items = tuple(
        Item(
            title=paper.title,
            meta=paper.category or "",
            url=page_link(public_url, f"/papers/{paper.key}"),
        )
        for paper in chosen
    )
    return [heading, ItemList(items)]


def _news_blocks(news: Sequence[NewsItem]) -> list[Block]:
    blocks: list[Block] = []
    for section, heading in NEWS_SECTIONS:
        items = tuple(
            Item(title=item.title, meta=item.source, url=item.url)
            for item in news
            if item.section == section
        )
        if items:
            blocks.extend((Heading(heading), ItemList(items)))
    return blocks


def _topics(settings: DigestSettings) -> str:
    parts = []
    if settings.categories:
        parts.append("in " + " or ".join(settings.categories))
    if settings.keywords:
        parts.append("about " + " or ".join(f'"{k}"' for k in settings.keywords))
    return " or ".join(parts)


def top_table(state: BoardState, rows: int) -> Table:
    """Return a board's first rows with their movement since the snapshot before."""
    before = None if state.previous is None else {r.model_id: r.rank for r in state.previous}
    columns = ["#", "Model", "Score"]
    numeric = [True, False, True]
    if before is not None:
        columns.append("Move")
        numeric.append(False)
    table_rows = []
    for row in state.entries[:rows]:
        cells = [str(row.rank), row.model, format_score(row.score)]
        if before is not None:
            cells.append(movement(before.get(row.model_id), row.rank))
        table_rows.append(tuple(cells))
    return Table(tuple(columns), tuple(table_rows), tuple(numeric))


def change_items(changes: Sequence[Change], top_n: int, board: str = "") -> tuple[Item, ...]:
    """Return changes as list items, each one sentence."""
    return tuple(Item(title=change.describe(top_n), meta=board) for change in changes)


def _alert_blocks(boards: Sequence[BoardState], settings: DigestSettings) -> list[Block]:
    by_slug = {state.board.slug: state for state in boards}
    items: list[Item] = []
    quiet: list[str] = []
    for slug in settings.alert_boards:
        state = by_slug.get(slug)
        if state is None:
            continue
        changes = state.changes(settings.alert_top_n, settings.alert_score_threshold)
        if changes:
            items.extend(change_items(changes, settings.alert_top_n, state.board.name))
        else:
            quiet.append(state.board.name)
    blocks: list[Block] = [Heading("Leaderboard alerts")]
    if items:
        blocks.append(ItemList(tuple(items)))
    if quiet:
        blocks.append(Paragraph((Span("No change worth an alert on " + ", ".join(quiet) + "."),)))
    return blocks


def describe_choices(settings: DigestSettings) -> str:
    """Return a digest's choices in one line, for a footer."""
    parts = ["Sections: " + (", ".join(settings.sections) or "none")]
    if settings.categories or settings.keywords:
        parts.append("papers " + _topics(settings))
    if settings.alert_boards:
        parts.append("alerts: " + ", ".join(settings.alert_boards))
    return " · ".join(parts)


def format_score(score: float) -> str:
    """Return a score as the report prints it: 58, 61.4."""
    return f"{score:g}" if score == int(score) else f"{score:.1f}"


def preview_sentence(data: DigestData, settings: DigestSettings) -> str:
    """Return in one sentence what the digest of `data` carries with these choices."""
    parts = []
    if "editorial" in settings.sections and data.issue.editorial:
        parts.append("the editorial")
    if "papers" in settings.sections:
        total = len(data.papers)
        chosen = sum(paper_matches(p, settings.categories, settings.keywords) for p in data.papers)
        filtered = bool(settings.categories or settings.keywords)
        parts.append(
            f"{chosen} of {_count(total, 'paper')}" if filtered else _count(total, "paper")
        )
    if "leaderboards" in settings.sections and data.boards:
        parts.append(_count(len(data.boards), "leaderboard"))
    if "news" in settings.sections and data.news:
        parts.append(_count(len(data.news), "news post"))
    if settings.alert_boards:
        alerts = 0
        for state in data.boards:
            if state.board.slug in settings.alert_boards:
                changes = state.changes(settings.alert_top_n, settings.alert_score_threshold)
                alerts += len(changes or ())
        parts.append(_count(alerts, "leaderboard alert"))
    carried = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else "".join(parts)
    when = data.issue.date.isoformat()
    return f"From the latest issue, {when}, it would carry {carried or 'nothing'}."


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
