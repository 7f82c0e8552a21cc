"""What a fetcher reads out of a response, before anything is stored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from storage.queries.papers import PaperInput
from storage.queries.sources import NewsInput


class FormatError(Exception):
    """A response whose body is not in the shape the fetcher reads; nothing of it is stored."""


@dataclass(frozen=True, slots=True)
class FoundPaper:
    """A paper as a source lists it, with its upvotes there when the source counts them."""

    paper: PaperInput
    upvotes: int | None = None


@dataclass(frozen=True, slots=True)
class PapersFound:
    """Papers read from arXiv or Hugging Face."""

    papers: list[FoundPaper]

    def describe(self) -> str:
        """Return what was read, in a few words."""
        return _count(len(self.papers), "paper")


@dataclass(frozen=True, slots=True)
class NewsFound:
    """Posts read from a lab's or a news site's feed."""

    items: list[NewsInput]

    def describe(self) -> str:
        """Return what was read, in a few words."""
        return _count(len(self.items), "post")


@dataclass(frozen=True, slots=True)
class BoardRow:
    """A leaderboard row as a source publishes it: the model by name."""

    model: str
    score: float
    tokens_per_second: int | None = None
    price_cents: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BoardFound:
    """A leaderboard read from its source, with what its numbers mean."""

    slug: str
    rows: list[BoardRow]
    index_version: str | None = None
    window_start: dt.date | None = None
    window_end: dt.date | None = None
    n_tasks: int | None = None

    def describe(self) -> str:
        """Return what was read, in a few words."""
        text = _count(len(self.rows), "model")
        if self.index_version:
            text += f", index {self.index_version}"
        if self.window_start and self.window_end:
            text += f", window {self.window_start.isoformat()}–{self.window_end.isoformat()}"
        return text


Found = PapersFound | NewsFound | BoardFound


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
