"""The web application: feeds, the pages their entries link to, and the OPML list."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from config import Settings
from feeds.http import respond
from feeds.model import FORMATS, Format
from feeds.render import MAX_QUERY
from feeds.service import FeedService
from feeds.targets import FeedKind, FeedTarget, PageTarget, Target
from feeds.websub import WebSubPinger
from storage import Database
from storage.search import query_terms

FEEDS = web.AppKey("feeds", FeedService)
MAX_PAGE = 1_000_000
_CATEGORY = re.compile(r"^[A-Za-z][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def create_app(settings: Settings, db: Database) -> web.Application:
    """Return the application; it builds every feed on startup and keeps them current.

    The feed service is at `app[FEEDS]`: call `notify_changed()` on it after an import in the
    same process. Other routes (a chat platform's webhooks) can be added to the application.
    """
    pinger = None
    if settings.websub_hub_url:
        pinger = WebSubPinger(settings.websub_hub_url, timeout=settings.websub_timeout_seconds)
    service = FeedService(db, settings, pinger=pinger)
    app = web.Application()
    app[FEEDS] = service

    async def lifecycle(_: web.Application) -> AsyncIterator[None]:
        await service.start()
        yield
        await service.stop()

    app.cleanup_ctx.append(lifecycle)
    routes = _Routes(service)
    router = app.router
    router.add_get("/", routes.page(lambda _: PageTarget("index")))
    router.add_get("/feeds.opml", routes.page(lambda _: PageTarget("opml")))
    for fmt in FORMATS:
        router.add_get(f"/feeds/issues.{fmt}", routes.feed("issues", fmt))
        router.add_get(f"/feeds/papers.{fmt}", routes.feed("papers", fmt))
        router.add_get(f"/feeds/papers/search.{fmt}", routes.feed("search", fmt))
        router.add_get(f"/feeds/wire.{fmt}", routes.feed("wire", fmt))
    router.add_get("/feeds/papers/{category}.{fmt:rss|atom|json}", routes.category)
    router.add_get("/feeds/leaderboards/{slug}.{fmt:rss|atom|json}", routes.leaderboard_feed)
    router.add_get("/issues/{date}", routes.page(_issue))
    router.add_get("/papers/{key:.+}", routes.page(_paper))
    router.add_get("/leaderboards/{slug}", routes.page(_leaderboard))
    router.add_get("/{tail:.*}", routes.page(lambda _: PageTarget("missing")))
    return app


def _issue(request: web.Request) -> PageTarget:
    text = request.match_info["date"]
    try:
        date = dt.date.fromisoformat(text) if _DATE.match(text) else None
    except ValueError:
        date = None
    return PageTarget("issue", date.isoformat()) if date else PageTarget("missing")


def _paper(request: web.Request) -> PageTarget:
    key = request.match_info["key"]
    return PageTarget("paper", key) if len(key) <= 64 else PageTarget("missing")


def _leaderboard(request: web.Request) -> PageTarget:
    slug = request.match_info["slug"]
    return PageTarget("leaderboard", slug) if _valid_slug(slug) else PageTarget("missing")


def _valid_slug(slug: str) -> bool:
    return len(slug) <= 64 and bool(_SLUG.match(slug))


class _BadRequest(Exception):
    """A query a person can fix; the message says how."""


class _Routes:
    """The request handlers, bound to the feed service."""

    def __init__(self, service: FeedService) -> None:
        self.service = service
        self.base = service.ctx.links.base

    async def _serve(self, request: web.Request, target: Target) -> web.StreamResponse:
        return respond(request, await self.service.get(target))

    def page(self, target_of: Callable[[web.Request], PageTarget]) -> Handler:
        """Return the handler of a page whose target `target_of` reads from the request."""

        async def handler(request: web.Request) -> web.StreamResponse:
            return await self._serve(request, target_of(request))

        return handler

    def feed(self, kind: FeedKind, fmt: Format) -> Handler:
        """Return the handler of a feed at a fixed path."""
        first = FeedTarget(kind, fmt)
        first_path = first.path_qs(self.service.ctx)
        service = self.service

        async def handler(request: web.Request) -> web.StreamResponse:
            # Most requests are for the first page: answer them without reading the query.
            if kind != "search" and request.raw_path == first_path:
                return respond(request, await service.get(first))
            return await self._feed(request, kind, fmt, "")

        return handler

    async def category(self, request: web.Request) -> web.StreamResponse:
        """Serve the papers of one arXiv category."""
        category = request.match_info["category"]
        fmt = _format(request.match_info["fmt"])
        if len(category) > 32 or not _CATEGORY.match(category):
            return await self._serve(request, PageTarget("missing"))
        return await self._feed(request, "category", fmt, category)

    async def leaderboard_feed(self, request: web.Request) -> web.StreamResponse:
        """Serve the changes of one leaderboard."""
        slug = request.match_info["slug"]
        fmt = _format(request.match_info["fmt"])
        if not _valid_slug(slug):
            return await self._serve(request, PageTarget("missing"))
        return await self._feed(request, "leaderboard", fmt, slug)

    async def _feed(
        self, request: web.Request, kind: FeedKind, fmt: Format, arg: str
    ) -> web.StreamResponse:
        try:
            page = _page(request)
            if kind == "search":
                arg = _search_query(request)
        except _BadRequest as error:
            return web.Response(status=400, text=f"{error}\n")
        target = FeedTarget(kind, fmt, arg, page)
        canonical = target.path_qs(self.service.ctx)
        if request.raw_path != canonical:
            # One address per feed, so the self link always equals the address served.
            raise web.HTTPMovedPermanently(self.base + canonical)
        return await self._serve(request, target)


def _format(text: str) -> Format:
    for fmt in FORMATS:
        if fmt == text:
            return fmt
    raise web.HTTPNotFound


def _page(request: web.Request) -> int:
    text = request.query.get("page")
    if text is None:
        return 1
    if not text.isdecimal() or not 1 <= int(text) <= MAX_PAGE:
        raise _BadRequest(f"page should be a whole number from 1, not {text!r}.")
    return int(text)


def _search_query(request: web.Request) -> str:
    query = " ".join(request.query.get("q", "").split())
    if not query_terms(query):
        raise _BadRequest(
            "Add the words to follow: /feeds/papers/search.atom?q=batching (also .rss, .json)."
        )
    if len(query) > MAX_QUERY:
        raise _BadRequest(f"q should be at most {MAX_QUERY} characters.")
    return query
