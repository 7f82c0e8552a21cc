"""What a parsed page says, before it is stored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class PaperRecord:
    """A paper as a page lists it."""

    title: str
    abstract: str
    category: str | None = None
    arxiv_id: str | None = None
    links: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EntryRecord:
    """One resolved row of a benchmark table."""

    rank: int
    model: str
    score: float
    tokens_per_second: int | None = None
    price_cents: int | None = None

    @property
    def price_per_million_tokens(self) -> float | None:
        """Return the price in dollars."""
        return None if self.price_cents is None else self.price_cents / 100


@dataclass(frozen=True, slots=True)
class LeaderboardRecord:
    """A benchmark table: which board, and its rows."""

    slug: str
    name: str
    description: str
    entries: tuple[EntryRecord, ...]
    has_tokens: bool = False
    has_price: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return the table as `inference-report parse` prints it."""
        entries = []
        for entry in self.entries:
            row: dict[str, Any] = {"rank": entry.rank, "model": entry.model, "score": entry.score}
            if self.has_tokens:
                row["tokens_per_second"] = entry.tokens_per_second
            if self.has_price:
                row["price_per_million_tokens"] = entry.price_per_million_tokens
            entries.append(row)
        return {
            "slug": self.slug,
            "name": self.name,
            "description": self.description,
            "entries": entries,
        }


@dataclass(frozen=True, slots=True)
class ReportDocument:
    """A dated issue of the report."""

    title: str
    date: dt.date
    author: str
    editorial: tuple[str, ...]
    papers: tuple[PaperRecord, ...]
    leaderboards: tuple[LeaderboardRecord, ...]
    kind: Literal["report"] = "report"

    def to_json(self) -> dict[str, Any]:
        """Return the document as `inference-report parse` prints it."""
        return {
            "kind": self.kind,
            "title": self.title,
            "date": self.date.isoformat(),
            "author": self.author,
            "editorial": list(self.editorial),
            "papers": [
                {"title": p.title, "category": p.category, "abstract": p.abstract}
                for p in self.papers
            ],
            "leaderboards": [board.to_json() for board in self.leaderboards],
        }


@dataclass(frozen=True, slots=True)
class PaperListDocument:
    """A list of papers with no issue around it, such as the trending page."""

    papers: tuple[PaperRecord, ...]
    kind: Literal["paper-list"] = "paper-list"

    def to_json(self) -> dict[str, Any]:
        """Return the document as `inference-report parse` prints it."""
        return {
            "kind": self.kind,
            "papers": [{"title": p.title, "abstract": p.abstract} for p in self.papers],
        }


Document = ReportDocument | PaperListDocument
