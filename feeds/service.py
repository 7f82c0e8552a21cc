"""Keep every response built: rebuild once per change of the data, never per request."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections import OrderedDict

from sqlmodel.ext.asyncio.session import AsyncSession

from config import Settings
from feeds.built import Built, Rendered
from feeds.data import FeedContext
from feeds.documents import EMPTY_FEED_UPDATED
from feeds.targets import FeedKind, FeedTarget, PageTarget, Target, build, build_feed_formats
from feeds.websub import WebSubPinger
from storage import Database
from storage.queries import leaderboards as board_queries
from storage.queries import papers as paper_queries
from storage.queries.changes import DataVersion, data_version

log = logging.getLogger(__name__)


class FeedService:
    """The built responses of a data version, and the work of keeping them current.

    The feeds every reader follows (issues, papers, each category, each leaderboard; the index
    and the OPML list) are rebuilt together after each change and swapped in with one dict
    assignment, so a request always gets a complete response: the previous one until the new
    set is ready. Other pages, paged feeds and saved searches are built on first request, once
    per data version, and kept in a bounded LRU; a stale one is served while its rebuild runs.
    """

    def __init__(
        self, db: Database, settings: Settings, *, pinger: WebSubPinger | None = None
    ) -> None:
        self.db = db
        self.ctx = FeedContext.from_settings(settings)
        self.max_age = settings.feed_max_age
        self.refresh_seconds = settings.feed_refresh_seconds
        self.pinger = pinger
        self.version: DataVersion | None = None
        self.rebuilds = 0
        self._published: dict[Target, Built] = {}
        self._lazy: OrderedDict[Target, tuple[str, Built]] = OrderedDict()
        self._lazy_size = settings.feed_cache_size
        self._building: dict[Target, asyncio.Task[Built]] = {}
        self._lock = asyncio.Lock()
        self._changed = asyncio.Event()
        self._poller: asyncio.Task[None] | None = None

    @property
    def latest(self) -> dt.datetime:
        """Return when the data last changed, as far as the last rebuild saw."""
        if self.version is None or self.version.latest is None:
            return EMPTY_FEED_UPDATED
        return self.version.latest

    async def start(self) -> None:
        """Build everything once, then watch the database for changes."""
        await self.refresh(force=True)
        self._poller = asyncio.create_task(self._poll(), name="feeds-poll")

    async def stop(self) -> None:
        """Stop watching, and let the pings under way finish."""
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
            self._poller = None
        building = list(self._building.values())
        for task in building:
            task.cancel()
        await asyncio.gather(*building, return_exceptions=True)
        if self.pinger is not None:
            await self.pinger.close()

    def notify_changed(self) -> None:
        """Ask for a rebuild soon (after an import in this process); return at once."""
        self._changed.set()

    async def _poll(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=self.refresh_seconds)
            forced = self._changed.is_set()
            self._changed.clear()
            try:
                await self.refresh(force=forced)
            except Exception:
                # The previous responses stay in place; the next poll tries again.
                log.exception("rebuilding the feeds failed; serving the previous ones")

    async def refresh(self, *, force: bool = False) -> bool:
        """Rebuild the published responses if the data changed; return whether it did."""
        async with self._lock:
            started = time.perf_counter()
            async with self.db.session() as session:
                version = await data_version(session)
                if not force and self.version is not None and version.token == self.version.token:
                    return False
                latest = version.latest or EMPTY_FEED_UPDATED
                fresh: dict[Target, Built] = {}
                for kind, arg in await self._published_feeds(session):
                    written = await build_feed_formats(session, self.ctx, kind, arg, 1, latest)
                    for fmt, rendered in written.items():
                        target = FeedTarget(kind, fmt, arg)
                        fresh[target] = self._built(rendered, self._published.get(target))
                for page in (PageTarget("index"), PageTarget("opml")):
                    rendered = await build(session, self.ctx, page, latest)
                    fresh[page] = self._built(rendered, self._published.get(page))
            # A feed new to this set changed too (a reader may follow a category before its
            # first paper); on the first build nothing is known to have changed.
            first = self.version is None
            changed = [
                target
                for target, built in fresh.items()
                if isinstance(target, FeedTarget)
                and ((old := self._published.get(target)) is None or old.etag != built.etag)
            ]
            self._published = fresh
            self.version = version
            self.rebuilds += 1
            log.info(
                "feeds rebuilt: %d responses in %.0f ms, %d feeds changed",
                len(fresh),
                (time.perf_counter() - started) * 1000,
                len(changed),
            )
        if self.pinger is not None and changed and not first:
            self.pinger.publish([target.address(self.ctx).url(target.fmt) for target in changed])
        return True

    @staticmethod
    async def _published_feeds(session: AsyncSession) -> list[tuple[FeedKind, str]]:
        feeds: list[tuple[FeedKind, str]] = [("issues", ""), ("papers", ""), ("wire", "")]
        categories = await paper_queries.list_categories(session)
        feeds.extend(("category", category) for category, _ in categories)
        boards = await board_queries.list_leaderboards(session)
        feeds.extend(("leaderboard", board.slug) for board in boards)
        return feeds

    def _built(self, rendered: Rendered, previous: Built | None) -> Built:
        return Built.of(rendered, max_age=self.max_age, previous=previous)

    async def get(self, target: Target) -> Built:
        """Return the built response for `target`, building it only if no version of it exists."""
        built = self._published.get(target)
        if built is not None:
            return built
        cached = self._lazy.get(target)
        if cached is not None:
            self._lazy.move_to_end(target)
            token, built = cached
            if self.version is None or token != self.version.token:
                self._rebuild(target)
            return built
        return await asyncio.shield(self._rebuild(target))

    def _rebuild(self, target: Target) -> asyncio.Task[Built]:
        task = self._building.get(target)
        if task is None:
            task = asyncio.create_task(self._build_lazy(target), name="feeds-build")
            self._building[target] = task
            task.add_done_callback(lambda done: self._finished(target, done))
        return task

    def _finished(self, target: Target, task: asyncio.Task[Built]) -> None:
        if self._building.get(target) is task:
            del self._building[target]
        if not task.cancelled() and task.exception() is not None:
            log.error("building %s failed", target, exc_info=task.exception())

    async def _build_lazy(self, target: Target) -> Built:
        token = self.version.token if self.version is not None else ""
        async with self.db.session() as session:
            rendered = await build(session, self.ctx, target, self.latest)
        previous = self._lazy.get(target)
        built = self._built(rendered, previous[1] if previous else None)
        self._lazy[target] = (token, built)
        self._lazy.move_to_end(target)
        while len(self._lazy) > self._lazy_size:
            self._lazy.popitem(last=False)
        return built
