"""What a request asks for, as a hashable key, and how to build it."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from feeds import documents, pages
from feeds.built import Rendered
from feeds.data import FeedContext
from feeds.jsonfeed import build_json
from feeds.model import CONTENT_TYPES, FORMATS, FeedAddress, FeedDoc, Format
from feeds.syndication import build_atom, build_rss

FeedKind = Literal["issues", "papers", "category", "search", "leaderboard", "wire"]
PageKind = Literal["index", "issue", "paper", "leaderboard", "opml", "missing"]
WRITERS = {"rss": build_rss, "atom": build_atom, "json": build_json}


@dataclass(frozen=True, slots=True)
class FeedTarget:
    """One page of one feed in one format."""

    kind: FeedKind
    fmt: Format
    arg: str = ""
    page: int = 1

    def address(self, ctx: FeedContext) -> FeedAddress:
        """Return where this feed lives."""
        links = ctx.links
        if self.kind == "issues":
            return links.issues_feed()
        if self.kind == "papers":
            return links.papers_feed()
        if self.kind == "category":
            return links.papers_feed(self.arg)
        if self.kind == "search":
            return links.search_feed(self.arg)
        if self.kind == "wire":
            return links.wire_feed()
        return links.leaderboard_feed(self.arg)

    def path_qs(self, ctx: FeedContext) -> str:
        """Return the canonical path and query this target is served at."""
        return self.address(ctx).path_qs(self.fmt, self.page)


@dataclass(frozen=True, slots=True)
class PageTarget:
    """An HTML page (or the OPML list)."""

    kind: PageKind
    arg: str = ""


Target = FeedTarget | PageTarget


async def feed_document(
    session: AsyncSession, ctx: FeedContext, kind: FeedKind, arg: str, page: int
) -> FeedDoc | None:
    """Return one page of a feed, or None when it does not exist."""
    if kind == "issues":
        return await documents.issues_feed(session, ctx, page)
    if kind == "papers":
        return await documents.papers_feed(session, ctx, page)
    if kind == "category":
        return await documents.papers_feed(session, ctx, page, category=arg)
    if kind == "search":
        return await documents.search_feed(session, ctx, arg, page)
    if kind == "wire":
        return await documents.wire_feed(session, ctx, page)
    return await documents.leaderboard_feed(session, ctx, arg, page)


def serialise(ctx: FeedContext, doc: FeedDoc, fmt: Format) -> Rendered:
    """Return a feed document written in one format, with its Link header's links."""
    links = [("hub", ctx.hub)] if ctx.hub else []
    links.append(("self", doc.address.url(fmt, doc.page)))
    return Rendered(WRITERS[fmt](doc), CONTENT_TYPES[fmt], doc.updated, links=links)


async def build_feed_formats(
    session: AsyncSession,
    ctx: FeedContext,
    kind: FeedKind,
    arg: str,
    page: int,
    latest: dt.datetime,
) -> dict[Format, Rendered]:
    """Return one page of a feed in every format, read from the database once."""
    doc = await feed_document(session, ctx, kind, arg, page)
    if doc is None:
        missing = _missing_feed(ctx, kind, arg, page, latest)
        return dict.fromkeys(FORMATS, missing)
    written = {}
    for fmt in FORMATS:
        written[fmt] = serialise(ctx, doc, fmt)
        # Writing a long feed takes milliseconds: let waiting requests be answered in between.
        await asyncio.sleep(0)
    return written


async def build(
    session: AsyncSession, ctx: FeedContext, target: Target, latest: dt.datetime
) -> Rendered:
    """Return the response body for `target`; a 404 page when what it names does not exist."""
    if isinstance(target, FeedTarget):
        doc = await feed_document(session, ctx, target.kind, target.arg, target.page)
        if doc is None:
            return _missing_feed(ctx, target.kind, target.arg, target.page, latest)
        return serialise(ctx, doc, target.fmt)
    rendered: Rendered | None
    if target.kind == "index":
        rendered = await pages.index(session, ctx, latest)
    elif target.kind == "opml":
        rendered = await pages.opml(session, ctx, latest)
    elif target.kind == "issue":
        rendered = await pages.issue(session, ctx, dt.date.fromisoformat(target.arg))
    elif target.kind == "paper":
        rendered = await pages.paper(session, ctx, target.arg)
    elif target.kind == "leaderboard":
        rendered = await pages.leaderboard(session, ctx, target.arg)
    else:
        rendered = None
    if rendered is None:
        return pages.not_found(ctx, _missing_page(target), latest)
    return rendered


def _missing_feed(
    ctx: FeedContext, kind: FeedKind, arg: str, page: int, latest: dt.datetime
) -> Rendered:
    if kind == "leaderboard" and page == 1:
        message = f"There is no leaderboard called “{arg}”. The index lists those there are."
    else:
        message = f"This feed has no page {page}: its pages count from 1, newest first."
    return pages.not_found(ctx, message, latest)


def _missing_page(target: PageTarget) -> str:
    if target.kind == "issue":
        return f"There is no issue of {target.arg}. The index lists every issue."
    if target.kind == "paper":
        return f"There is no paper “{target.arg}”."
    if target.kind == "leaderboard":
        return f"There is no leaderboard called “{target.arg}”."
    return "There is no page at this address."
