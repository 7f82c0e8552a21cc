"""A feed in no format yet: what the RSS, Atom and JSON Feed writers are given."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urlencode

Format = Literal["rss", "atom", "json"]
FORMATS: tuple[Format, ...] = ("rss", "atom", "json")
CONTENT_TYPES: dict[Format, str] = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}
# The media type without parameters, as a discovery link or an atom:link type gives it.
MEDIA_TYPES: dict[Format, str] = {
    fmt: content_type.split(";")[0] for fmt, content_type in CONTENT_TYPES.items()
}
FORMAT_NAMES: dict[Format, str] = {"rss": "RSS", "atom": "Atom", "json": "JSON Feed"}


@dataclass(frozen=True, slots=True)
class FeedAddress:
    """Where a feed lives: `{base}{stem}.{format}?{query}`, with `page` added past the first."""

    base: str
    stem: str
    query: tuple[tuple[str, str], ...] = ()

    def path_qs(self, fmt: Format, page: int = 1) -> str:
        """Return the path and canonical query string of one page in one format."""
        pairs = list(self.query)
        if page > 1:
            pairs.append(("page", str(page)))
        query = urlencode(pairs, quote_via=quote, safe="")
        return f"{self.stem}.{fmt}" + (f"?{query}" if query else "")

    def url(self, fmt: Format, page: int = 1) -> str:
        """Return the absolute URL of one page in one format."""
        return self.base + self.path_qs(fmt, page)


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One entry; `content_html` is already sanitised."""

    id: str
    title: str
    url: str
    published: dt.datetime
    updated: dt.datetime
    content_html: str
    summary: str | None = None
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FeedDoc:
    """One page of a feed, newest entry first."""

    id: str
    title: str
    description: str
    home_url: str
    address: FeedAddress
    updated: dt.datetime
    items: tuple[FeedItem, ...]
    page: int = 1
    pages: int = 1
    hub: str | None = None
    author: str = "The Inference Report"
    language: str = "en"

    def paging(self, fmt: Format) -> dict[str, str]:
        """Return the RFC 5005 links of this page: first and last, and next and previous."""
        if self.pages <= 1:
            return {}
        links = {"first": self.address.url(fmt, 1), "last": self.address.url(fmt, self.pages)}
        if self.page > 1:
            links["previous"] = self.address.url(fmt, self.page - 1)
        if self.page < self.pages:
            links["next"] = self.address.url(fmt, self.page + 1)
        return links


def page_count(total: int, page_size: int) -> int:
    """Return how many pages `total` entries fill; an empty feed still has its first page."""
    return max(1, -(-total // page_size))
