"""Neutral replies: what a command says, before any platform renders it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text; `strong` marks a matched term, `url` makes it a link."""

    text: str
    strong: bool = False
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Paragraph:
    """Running text."""

    spans: tuple[Span, ...]

    @classmethod
    def of(cls, text: str) -> Paragraph:
        """Return a paragraph of plain text."""
        return cls((Span(text),))


@dataclass(frozen=True, slots=True)
class Table:
    """A table; `numeric` says which columns align right."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()


@dataclass(frozen=True, slots=True)
class Item:
    """One result in a list: a title, a line about it, a body, a link."""

    title: str
    meta: str = ""
    body: tuple[Span, ...] = ()
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ItemList:
    """Results in order."""

    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Heading:
    """The head of a section: the blocks after it, up to the next heading, belong to it."""

    text: str


@dataclass(frozen=True, slots=True)
class Fields:
    """Named values, such as a digest's settings: each pair is a name and its value."""

    pairs: tuple[tuple[str, str], ...]


Block = Paragraph | Table | ItemList | Heading | Fields


@dataclass(frozen=True, slots=True)
class Action:
    """A choice offered with a reply: platforms show a button, text shows a hint.

    `id` is the command line the adapter runs when the choice is taken (at most 100 characters,
    the longest id a Discord button carries), such as `/digest`.
    """

    id: str
    label: str


@dataclass(frozen=True, slots=True)
class Reply:
    """What a command answers: a title, blocks, an optional link and footer, choices."""

    title: str
    blocks: tuple[Block, ...] = ()
    url: str | None = None
    footer: str | None = None
    ephemeral: bool = False
    kind: Literal["answer", "error"] = "answer"
    suggestions: tuple[str, ...] = field(default=())
    actions: tuple[Action, ...] = field(default=())


def error_reply(message: str, *, suggestions: tuple[str, ...] = ()) -> Reply:
    """Return a short private answer to a mistake the person can fix."""
    return Reply(
        title=message,
        ephemeral=True,
        kind="error",
        suggestions=suggestions,
    )
