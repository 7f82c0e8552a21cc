"""Every feed the service publishes, for the index page, discovery links and the OPML list."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from feeds.data import FeedContext
from feeds.documents import SITE
from feeds.views import FeedInfo
from storage.queries import leaderboards as board_queries
from storage.queries import papers as paper_queries
from storage.tables import Leaderboard


def issues_info(ctx: FeedContext) -> FeedInfo:
    """Return the issues feed."""
    return FeedInfo(
        title=f"{SITE}: issues",
        description="Every issue in full: editorial, papers and benchmark tables.",
        address=ctx.links.issues_feed(),
        home_url=ctx.links.home(),
        group="Issues",
    )


def papers_info(ctx: FeedContext, category: str | None = None) -> FeedInfo:
    """Return the papers feed, or one category's."""
    scope = f" in {category}" if category else ""
    return FeedInfo(
        title=f"{SITE}: papers{scope}",
        description=f"Every research paper{scope}, newest first.",
        address=ctx.links.papers_feed(category),
        home_url=ctx.links.home(),
        group="Papers by category" if category else "Papers",
    )


def wire_info(ctx: FeedContext) -> FeedInfo:
    """Return the feed of lab and wire news."""
    return FeedInfo(
        title=f"{SITE}: AI Labs and From the Wire",
        description="Posts from the AI labs' blogs and the news sites the report follows.",
        address=ctx.links.wire_feed(),
        home_url=ctx.links.home(),
        group="News",
    )


def leaderboard_info(ctx: FeedContext, board: Leaderboard) -> FeedInfo:
    """Return a leaderboard's changes feed."""
    return FeedInfo(
        title=f"{SITE}: {board.name} changes",
        description=f"Changes worth attention on {board.name}.",
        address=ctx.links.leaderboard_feed(board.slug),
        home_url=ctx.links.leaderboard(board.slug),
        group="Leaderboards",
    )


async def catalog(session: AsyncSession, ctx: FeedContext) -> list[FeedInfo]:
    """Return every feed: issues, papers, news, each category's papers, each board's changes."""
    feeds = [issues_info(ctx), papers_info(ctx), wire_info(ctx)]
    feeds.extend(
        papers_info(ctx, category) for category, _ in await paper_queries.list_categories(session)
    )
    feeds.extend(
        leaderboard_info(ctx, board) for board in await board_queries.list_leaderboards(session)
    )
    return feeds


def grouped(feeds: list[FeedInfo]) -> list[tuple[str, list[FeedInfo]]]:
    """Return the feeds grouped, groups in the order they first appear."""
    groups: dict[str, list[FeedInfo]] = {}
    for feed in feeds:
        groups.setdefault(feed.group, []).append(feed)
    return list(groups.items())
