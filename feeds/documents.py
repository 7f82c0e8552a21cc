"""The feeds the service publishes, one page at a time, as format-free documents."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from urllib.parse import quote

from sqlmodel.ext.asyncio.session import AsyncSession

from core.sources.registry import SECTION_NAMES
from feeds.data import FeedContext, board_history, issue_views, paper_view
from feeds.model import FeedAddress, FeedDoc, FeedItem, page_count
from feeds.render import changes_html, issue_html, news_html, paper_html
from feeds.views import NewsView
from storage.queries import issues as issue_queries
from storage.queries import leaderboards as board_queries
from storage.queries import papers as paper_queries
from storage.queries import sources as source_queries
from storage.queries.papers import DatedPaper
from storage.tables import NewsItem

# The `updated` of a feed with no entries yet: a fixed, plausible instant, so that an empty feed
# is the same bytes on every build.
EMPTY_FEED_UPDATED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SITE = "The Inference Report"


def _doc(
    ctx: FeedContext,
    *,
    specific: str,
    title: str,
    description: str,
    home_url: str,
    address: FeedAddress,
    items: Sequence[FeedItem],
    page: int,
    pages: int,
) -> FeedDoc:
    return FeedDoc(
        id=ctx.links.tag(f"feed/{specific}"),
        title=title,
        description=description,
        home_url=home_url,
        address=address,
        updated=max((item.updated for item in items), default=EMPTY_FEED_UPDATED),
        items=tuple(items),
        page=page,
        pages=pages,
        hub=ctx.hub,
    )


def _offset(ctx: FeedContext, page: int) -> int:
    return (page - 1) * ctx.page_size


async def issues_feed(session: AsyncSession, ctx: FeedContext, page: int = 1) -> FeedDoc | None:
    """Return a page of the issues feed (None past the last page): each issue in full."""
    rows, total = await issue_queries.issues_page_counted(
        session, limit=ctx.page_size, offset=_offset(ctx, page)
    )
    pages = page_count(total, ctx.page_size)
    if page > pages:
        return None
    items = [
        FeedItem(
            id=ctx.links.tag(f"issue/{view.date.isoformat()}"),
            title=f"{view.title}, {view.date:%B} {view.date.day}, {view.date.year}",
            url=view.url,
            published=view.published,
            updated=view.updated,
            content_html=issue_html(view),
            summary=view.editorial[0] if view.editorial else None,
        )
        for view in await issue_views(session, ctx, rows)
    ]
    return _doc(
        ctx,
        specific="issues",
        title=f"{SITE}: issues",
        description="Every issue of the daily AI newsletter: editorial, papers and benchmarks.",
        home_url=ctx.links.home(),
        address=ctx.links.issues_feed(),
        items=items,
        page=page,
        pages=pages,
    )


def _paper_items(ctx: FeedContext, rows: Sequence[DatedPaper]) -> list[FeedItem]:
    items = []
    for row in rows:
        view = paper_view(ctx, row.paper, row.published)
        items.append(
            FeedItem(
                id=ctx.links.tag(f"paper/{view.key}"),
                title=view.title,
                url=view.url,
                published=view.published,
                updated=view.updated,
                content_html=paper_html(view),
                categories=(view.category,) if view.category else (),
            )
        )
    return items


async def papers_feed(
    session: AsyncSession, ctx: FeedContext, page: int = 1, category: str | None = None
) -> FeedDoc | None:
    """Return a page of every paper, or of one category's, newest first."""
    total = await paper_queries.count_papers_in(session, category=category)
    pages = page_count(total, ctx.page_size)
    if page > pages:
        return None
    rows = await paper_queries.papers_page(
        session, limit=ctx.page_size, offset=_offset(ctx, page), category=category
    )
    scope = f" in {category}" if category else ""
    return _doc(
        ctx,
        specific=f"papers/{category}" if category else "papers",
        title=f"{SITE}: papers{scope}",
        description=f"Research papers{scope} the report has featured or listed, newest first.",
        home_url=ctx.links.home(),
        address=ctx.links.papers_feed(category),
        items=_paper_items(ctx, rows),
        page=page,
        pages=pages,
    )


async def search_feed(
    session: AsyncSession, ctx: FeedContext, query: str, page: int = 1
) -> FeedDoc | None:
    """Return a page of the papers matching every word of `query`, newest first."""
    rows, total = await paper_queries.search_papers_newest(
        session, query=query, limit=ctx.page_size, offset=_offset(ctx, page)
    )
    pages = page_count(total, ctx.page_size)
    if page > pages:
        return None
    return _doc(
        ctx,
        specific=f"papers/search/{quote(query, safe='')}",
        title=f"{SITE}: papers about “{query}”",
        description=f"Research papers whose title or abstract has every word of “{query}”.",
        home_url=ctx.links.home(),
        address=ctx.links.search_feed(query),
        items=_paper_items(ctx, rows),
        page=page,
        pages=pages,
    )


async def leaderboard_feed(
    session: AsyncSession, ctx: FeedContext, slug: str, page: int = 1
) -> FeedDoc | None:
    """Return a page of a leaderboard's changes worth attention (None for an unknown board)."""
    board = await board_queries.get_leaderboard(session, slug=slug)
    if board is None:
        return None
    _, changesets = await board_history(session, ctx, board)
    pages = page_count(len(changesets), ctx.page_size)
    if page > pages:
        return None
    start = _offset(ctx, page)
    items = [
        FeedItem(
            id=ctx.links.tag(f"leaderboard/{board.slug}/{changeset.as_of.isoformat()}"),
            title=f"{board.name}, {changeset.as_of.isoformat()}: {changeset.changes[0]}"
            + (f" and {len(changeset.changes) - 1} more" if len(changeset.changes) > 1 else ""),
            # The fragment points at the change on the page and keeps each entry's link its own.
            url=f"{ctx.links.leaderboard(board.slug)}#changes-{changeset.as_of.isoformat()}",
            published=changeset.published,
            updated=changeset.updated,
            content_html=changes_html(changeset),
        )
        for changeset in changesets[start : start + ctx.page_size]
    ]
    return _doc(
        ctx,
        specific=f"leaderboard/{board.slug}",
        title=f"{SITE}: {board.name} changes",
        description=(
            f"Changes worth attention on {board.name}: a new #1, a model entering or leaving "
            f"the top {ctx.top_n}, a score moving by {ctx.score_threshold:g} or more."
        ),
        home_url=ctx.links.leaderboard(board.slug),
        address=ctx.links.leaderboard_feed(board.slug),
        items=items,
        page=page,
        pages=pages,
    )


def news_view(item: NewsItem) -> NewsView:
    """Return a stored lab or wire post as the templates show it."""
    return NewsView(
        title=item.title,
        url=item.url,
        source=item.source,
        section=item.section,
        summary=item.summary,
        published=item.published_at,
    )


def _news_id(ctx: FeedContext, item: NewsItem) -> str:
    # Guids are the sources' own (URLs, tag: URIs); a digest keeps ours short and stable.
    digest = hashlib.blake2b(item.guid.encode(), digest_size=8).hexdigest()
    return ctx.links.tag(f"news/{quote(item.source, safe='')}/{digest}")


async def wire_feed(session: AsyncSession, ctx: FeedContext, page: int = 1) -> FeedDoc | None:
    """Return a page of the lab and wire posts, newest first."""
    pages = page_count(await source_queries.count_news(session), ctx.page_size)
    if page > pages:
        return None
    rows = await source_queries.latest_news(session, limit=ctx.page_size, offset=_offset(ctx, page))
    items = []
    for row in rows:
        view = news_view(row)
        items.append(
            FeedItem(
                id=_news_id(ctx, row),
                title=view.title,
                url=view.url or ctx.links.home(),
                published=view.published,
                updated=view.published,
                content_html=news_html(view),
                summary=view.summary or None,
                categories=(SECTION_NAMES.get(view.section, view.section), view.source),
            )
        )
    return _doc(
        ctx,
        specific="wire",
        title=f"{SITE}: AI Labs and From the Wire",
        description="Posts from the AI labs' blogs and the news sites the report follows.",
        home_url=ctx.links.home(),
        address=ctx.links.wire_feed(),
        items=items,
        page=page,
        pages=pages,
    )
