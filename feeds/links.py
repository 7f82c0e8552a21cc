"""The service's public addresses and the stable ids of what it publishes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from config import Settings
from feeds.model import FeedAddress

# Part of every id: a tag: URI names the date its authority held the name, and ids never change,
# so this date never changes either.
TAG_DATE = "2026"


@dataclass(frozen=True, slots=True)
class Links:
    """Absolute URLs under the public base URL, and `tag:` ids under the id authority."""

    base: str
    authority: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Links:
        """Return the links of a service configured by `settings`."""
        base = settings.public_url.rstrip("/")
        parts = urlsplit(base)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"PUBLIC_URL must be an absolute http(s) URL, not {base!r}")
        return cls(base=base, authority=settings.feed_id_authority or parts.hostname)

    def tag(self, specific: str) -> str:
        """Return the stable id of `specific` (`issue/2026-03-31`, `paper/2403.01234`, ...)."""
        return f"tag:{self.authority},{TAG_DATE}:{specific}"

    def home(self) -> str:
        """Return the index page."""
        return f"{self.base}/"

    def issue(self, date: dt.date) -> str:
        """Return an issue's page."""
        return f"{self.base}/issues/{date.isoformat()}"

    def paper(self, key: str) -> str:
        """Return a paper's page."""
        return f"{self.base}/papers/{quote(key, safe='/')}"

    def leaderboard(self, slug: str) -> str:
        """Return a leaderboard's page."""
        return f"{self.base}/leaderboards/{quote(slug, safe='')}"

    def opml(self) -> str:
        """Return the list of every feed."""
        return f"{self.base}/feeds.opml"

    def issues_feed(self) -> FeedAddress:
        """Return the address of the issues feed."""
        return FeedAddress(self.base, "/feeds/issues")

    def papers_feed(self, category: str | None = None) -> FeedAddress:
        """Return the address of the papers feed, or of one category's."""
        if category is None:
            return FeedAddress(self.base, "/feeds/papers")
        return FeedAddress(self.base, f"/feeds/papers/{quote(category, safe='')}")

    def search_feed(self, query: str) -> FeedAddress:
        """Return the address of a saved search."""
        return FeedAddress(self.base, "/feeds/papers/search", (("q", query),))

    def wire_feed(self) -> FeedAddress:
        """Return the address of the lab and wire news feed."""
        return FeedAddress(self.base, "/feeds/wire")

    def leaderboard_feed(self, slug: str) -> FeedAddress:
        """Return the address of a leaderboard's changes."""
        return FeedAddress(self.base, f"/feeds/leaderboards/{quote(slug, safe='')}")
