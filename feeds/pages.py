"""The HTML pages every feed entry links to, the index, and the OPML list of feeds."""

from __future__ import annotations

import datetime as dt

from sqlmodel.ext.asyncio.session import AsyncSession

from core.digest import NEWS_SECTIONS, load_news
from feeds import render
from feeds.built import HTML, OPML, Rendered
from feeds.catalog import catalog, grouped, issues_info, leaderboard_info, papers_info
from feeds.data import FeedContext, board_history, issue_views, midnight, paper_view
from feeds.documents import SITE, news_view
from feeds.views import BoardSummary, IssueLink, NewsSectionsView
from storage.queries import issues as issue_queries
from storage.queries import leaderboards as board_queries
from storage.queries import papers as paper_queries


def not_found(ctx: FeedContext, message: str, updated: dt.datetime) -> Rendered:
    """Return the 404 page, saying what was not found and where to go instead."""
    body = render.page(
        "not_found",
        links=ctx.links,
        title=f"Not found: {SITE}",
        alternates=[issues_info(ctx)],
        heading="Not found",
        message=message,
    )
    return Rendered(body, HTML, updated, status=404)


async def index(session: AsyncSession, ctx: FeedContext, updated: dt.datetime) -> Rendered:
    """Return the index: latest issues, leaderboards, every feed."""
    issues = await issue_queries.issues_page(session, limit=ctx.page_size)
    boards = []
    for board in await board_queries.list_leaderboards(session):
        assert board.id is not None
        latest = await board_queries.snapshots(session, leaderboard_id=board.id, limit=1)
        boards.append(
            BoardSummary(
                slug=board.slug,
                name=board.name,
                url=ctx.links.leaderboard(board.slug),
                as_of=latest[0].as_of if latest else None,
            )
        )
    feeds = await catalog(session, ctx)
    body = render.page(
        "index",
        links=ctx.links,
        title=SITE,
        alternates=[feed for feed in feeds if feed.group != "Papers by category"],
        issues=[_issue_link(ctx, issue.date, issue.title) for issue in issues],
        boards=boards,
        catalog=feeds,
        search_action=f"{ctx.links.base}/feeds/papers/search.atom",
    )
    return Rendered(body, HTML, updated)


def _issue_link(ctx: FeedContext, date: dt.date, title: str) -> IssueLink:
    return IssueLink(date=date, title=title, url=ctx.links.issue(date))


async def issue(session: AsyncSession, ctx: FeedContext, date: dt.date) -> Rendered | None:
    """Return an issue's page, or None when there is no issue of that date."""
    found = await issue_queries.get_issue(session, date=date)
    if found is None:
        return None
    (view,) = await issue_views(session, ctx, [found])
    older = await issue_queries.latest_issue(session, on_or_before=date - dt.timedelta(days=1))
    newer = await issue_queries.next_issue(session, after=date)
    news = await load_news(session, date=date)
    sections = tuple(
        (heading, tuple(news_view(item) for item in news if item.section == section))
        for section, heading in NEWS_SECTIONS
    )
    filled = tuple((heading, views) for heading, views in sections if views)
    body = render.page(
        "issue",
        links=ctx.links,
        title=f"{view.title}, {view.date.isoformat()}",
        alternates=[issues_info(ctx)],
        issue=view,
        content=render.issue_html(view),
        news=render.news_sections_html(NewsSectionsView(filled)) if filled else None,
        older=ctx.links.issue(older.date) if older else None,
        newer=ctx.links.issue(newer.date) if newer else None,
    )
    return Rendered(body, HTML, view.updated)


async def paper(session: AsyncSession, ctx: FeedContext, key: str) -> Rendered | None:
    """Return a paper's page, or None when no paper has that key."""
    found = await paper_queries.get_paper(session, key=key)
    if found is None or found.id is None:
        return None
    view = paper_view(ctx, found)
    featured = await issue_queries.issues_featuring(session, paper_id=found.id)
    alternates = [papers_info(ctx)]
    if view.category:
        alternates.append(papers_info(ctx, view.category))
    body = render.page(
        "paper",
        links=ctx.links,
        title=f"{view.title}: {SITE}",
        alternates=alternates,
        paper=view,
        content=render.paper_html(view),
        issues=[_issue_link(ctx, i.date, i.title) for i in featured],
    )
    updated = max([view.updated, *(i.updated_at for i in featured)])
    return Rendered(body, HTML, updated)


async def leaderboard(session: AsyncSession, ctx: FeedContext, slug: str) -> Rendered | None:
    """Return a leaderboard's page: the current table with movement, and its changes."""
    board = await board_queries.get_leaderboard(session, slug=slug)
    if board is None:
        return None
    current, history = await board_history(session, ctx, board)
    body = render.page(
        "leaderboard",
        links=ctx.links,
        title=f"{board.name}: {SITE}",
        alternates=[leaderboard_info(ctx, board)],
        name=board.name,
        current=render.table_html(current) if current else None,
        history=history,
    )
    stamps = [changeset.updated for changeset in history]
    if current is not None:
        stamps.append(midnight(current.as_of))
    snapshots = await board_queries.snapshots(session, leaderboard_id=board.id or 0, limit=1)
    stamps.extend(snapshot.updated_at for snapshot in snapshots)
    return Rendered(body, HTML, max(stamps, default=midnight(dt.date(2026, 1, 1))))


async def opml(session: AsyncSession, ctx: FeedContext, updated: dt.datetime) -> Rendered:
    """Return every feed as OPML 2.0, each once (in Atom), for importing into a reader."""
    body = render.opml(f"{SITE}: every feed", grouped(await catalog(session, ctx)))
    return Rendered(body, OPML, updated)
