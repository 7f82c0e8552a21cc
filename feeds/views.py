"""What the templates show: plain values, already formatted, links already absolute."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from feeds.model import FeedAddress


@dataclass(frozen=True, slots=True)
class PaperView:
    """A paper as a feed entry or a page shows it."""

    key: str
    title: str
    category: str | None
    abstract: str
    url: str
    links: tuple[tuple[str, str], ...]
    published: dt.datetime
    updated: dt.datetime


@dataclass(frozen=True, slots=True)
class NewsView:
    """A lab or wire post; its summary is plain text and its link http(s) or None."""

    title: str
    url: str | None
    source: str
    section: str
    summary: str
    published: dt.datetime


@dataclass(frozen=True, slots=True)
class NewsSectionsView:
    """The "AI Labs" and "From the Wire" sections of an issue page."""

    sections: tuple[tuple[str, tuple[NewsView, ...]], ...]


@dataclass(frozen=True, slots=True)
class RowView:
    """One row of a leaderboard table."""

    rank: int
    model: str
    score: str
    tokens_per_second: str
    price: str
    move: str


@dataclass(frozen=True, slots=True)
class TableView:
    """A leaderboard as of one snapshot, with movement since the one before."""

    slug: str
    name: str
    description: str
    url: str
    as_of: dt.date
    previous_as_of: dt.date | None
    has_speed: bool
    has_price: bool
    rows: tuple[RowView, ...]


@dataclass(frozen=True, slots=True)
class IssueView:
    """An issue with its papers and tables."""

    date: dt.date
    title: str
    author: str
    editorial: tuple[str, ...]
    url: str
    papers: tuple[PaperView, ...]
    tables: tuple[TableView, ...]
    published: dt.datetime
    updated: dt.datetime


@dataclass(frozen=True, slots=True)
class ChangeSetView:
    """The changes worth a reader's attention on one leaderboard between two snapshots."""

    slug: str
    name: str
    as_of: dt.date
    previous_as_of: dt.date
    changes: tuple[str, ...]
    table: TableView
    published: dt.datetime
    updated: dt.datetime


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """A published feed, as the index page, the discovery links and the OPML list it."""

    title: str
    description: str
    address: FeedAddress
    home_url: str
    group: str


@dataclass(frozen=True, slots=True)
class BoardSummary:
    """A leaderboard on the index page."""

    slug: str
    name: str
    url: str
    as_of: dt.date | None


@dataclass(frozen=True, slots=True)
class IssueLink:
    """An issue in a list of links."""

    date: dt.date
    title: str
    url: str
