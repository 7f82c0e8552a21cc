"""Read issues, papers and leaderboard histories from the database into views."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from core.leaderboard_changes import compare, movement
from feeds.links import Links
from feeds.views import ChangeSetView, IssueView, PaperView, RowView, TableView
from storage.queries import issues as issue_queries
from storage.queries import leaderboards as board_queries
from storage.queries.leaderboards import EntryRow, SnapshotRow
from storage.tables import Issue, Leaderboard, Paper


@dataclass(frozen=True, slots=True)
class FeedContext:
    """What every feed and page is built with."""

    links: Links
    page_size: int
    hub: str | None
    top_n: int
    score_threshold: float

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedContext:
        """Return the context the settings describe."""
        return cls(
            links=Links.from_settings(settings),
            page_size=settings.feed_page_size,
            hub=settings.websub_hub_url or None,
            top_n=settings.feed_top_n,
            score_threshold=settings.feed_score_threshold,
        )


def midnight(date: dt.date) -> dt.datetime:
    """Return the start of `date` in UTC: when an issue or a snapshot of that date appeared."""
    return dt.datetime.combine(date, dt.time(), tzinfo=dt.UTC)


def paper_view(ctx: FeedContext, paper: Paper, published: dt.datetime | None = None) -> PaperView:
    """Return a paper's view; `published` is its feed date when it has one."""
    links = [(label, href) for label, href in sorted(paper.links.items())]
    if paper.arxiv_id and not links:
        links.append(("arXiv", f"https://arxiv.org/abs/{paper.arxiv_id}"))
    when = published or paper.first_seen_at
    return PaperView(
        key=paper.key,
        title=paper.title,
        category=paper.category,
        abstract=paper.abstract,
        url=ctx.links.paper(paper.key),
        links=tuple(links),
        published=when,
        updated=max(paper.updated_at, when),
    )


def _score(score: float) -> str:
    return f"{score:g}" if score == int(score) else f"{score:.1f}"


def table_view(
    ctx: FeedContext,
    board: Leaderboard,
    as_of: dt.date,
    rows: Sequence[EntryRow],
    previous: tuple[dt.date, Sequence[EntryRow]] | None,
) -> TableView:
    """Return a snapshot's table, with each row's movement since `previous` when there is one."""
    before = {row.model_id: row.rank for row in previous[1]} if previous else {}
    return TableView(
        slug=board.slug,
        name=board.name,
        description=board.description,
        url=ctx.links.leaderboard(board.slug),
        as_of=as_of,
        previous_as_of=previous[0] if previous else None,
        has_speed=any(row.tokens_per_second is not None for row in rows),
        has_price=any(row.price_cents is not None for row in rows),
        rows=tuple(
            RowView(
                rank=row.rank,
                model=row.model,
                score=_score(row.score),
                tokens_per_second=""
                if row.tokens_per_second is None
                else f"{row.tokens_per_second}",
                price="" if row.price_cents is None else f"${row.price_cents / 100:.2f}",
                move=movement(before.get(row.model_id), row.rank) if previous else "",
            )
            for row in rows
        ),
    )


def one_per_date(
    snapshots: Sequence[SnapshotRow],
) -> dict[int, list[SnapshotRow]]:
    """Return each board's snapshots, one per date (the latest updated), oldest first."""
    chosen: dict[tuple[int, dt.date], SnapshotRow] = {}
    for snapshot in snapshots:  # ordered by updated time, so the last one of a date wins
        chosen[(snapshot.leaderboard_id, snapshot.as_of)] = snapshot
    boards: dict[int, list[SnapshotRow]] = {}
    for (board_id, _), snapshot in sorted(chosen.items(), key=lambda item: item[0]):
        boards.setdefault(board_id, []).append(snapshot)
    return boards


async def issue_views(
    session: AsyncSession, ctx: FeedContext, issues: Sequence[Issue]
) -> list[IssueView]:
    """Return the views of `issues`, with papers and tables, in a fixed number of queries."""
    ids = [issue.id for issue in issues if issue.id is not None]
    papers = await issue_queries.papers_by_issue(session, issue_ids=ids)
    boards = {board.id: board for board in await board_queries.list_leaderboards(session)}
    history = one_per_date(await board_queries.list_snapshots(session))
    dates = {issue.date for issue in issues}
    # For each issue date, each board's snapshot of that date and the one before it, by slug.
    by_date: dict[dt.date, list[tuple[str, int, SnapshotRow, SnapshotRow | None]]] = {}
    for board_id, snapshots in history.items():
        for index, snapshot in enumerate(snapshots):
            if snapshot.as_of in dates:
                previous = snapshots[index - 1] if index else None
                slug = boards[board_id].slug
                by_date.setdefault(snapshot.as_of, []).append((slug, board_id, snapshot, previous))
    wanted: set[int] = set()
    for found in by_date.values():
        for _, _, snapshot, previous in found:
            wanted.add(snapshot.id)
            if previous is not None:
                wanted.add(previous.id)
    entries = await board_queries.entries_by_snapshot(session, snapshot_ids=sorted(wanted))
    views = []
    for issue in issues:
        assert issue.id is not None
        tables = []
        for _, board_id, snapshot, previous in sorted(
            by_date.get(issue.date, ()), key=lambda found: found[0]
        ):
            before = None if previous is None else (previous.as_of, entries[previous.id])
            tables.append(
                table_view(ctx, boards[board_id], snapshot.as_of, entries[snapshot.id], before)
            )
        published = midnight(issue.date)
        views.append(
            IssueView(
                date=issue.date,
                title=issue.title,
                author=issue.author,
                editorial=tuple(issue.editorial),
                url=ctx.links.issue(issue.date),
                papers=tuple(paper_view(ctx, paper) for paper in papers[issue.id]),
                tables=tuple(tables),
                published=published,
                updated=max(issue.updated_at, published),
            )
        )
    return views


async def board_history(
    session: AsyncSession, ctx: FeedContext, board: Leaderboard
) -> tuple[TableView | None, list[ChangeSetView]]:
    """Return a board's current table and every change worth attention, newest first."""
    assert board.id is not None
    snapshots = one_per_date(
        await board_queries.list_snapshots(session, leaderboard_id=board.id)
    ).get(board.id, [])
    ids = [snapshot.id for snapshot in snapshots]
    entries = await board_queries.entries_by_snapshot(session, snapshot_ids=ids)
    changesets = []
    for previous, current in pairwise(snapshots):
        changes = compare(
            entries[previous.id],
            entries[current.id],
            top_n=ctx.top_n,
            score_threshold=ctx.score_threshold,
        )
        if not changes:
            continue
        published = midnight(current.as_of)
        changesets.append(
            ChangeSetView(
                slug=board.slug,
                name=board.name,
                as_of=current.as_of,
                previous_as_of=previous.as_of,
                changes=tuple(change.describe(ctx.top_n) for change in changes),
                table=table_view(
                    ctx,
                    board,
                    current.as_of,
                    entries[current.id],
                    (previous.as_of, entries[previous.id]),
                ),
                published=published,
                updated=max(current.updated_at, previous.updated_at, published),
            )
        )
    current_table = None
    if snapshots:
        latest = snapshots[-1]
        before = None
        if len(snapshots) > 1:
            before = (snapshots[-2].as_of, entries[snapshots[-2].id])
        current_table = table_view(ctx, board, latest.as_of, entries[latest.id], before)
    changesets.reverse()
    return current_table, changesets
