"""Parse a list of papers: a title line, then its abstract line, with the page's header above."""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.ingest.document import PaperListDocument, PaperRecord
from core.ingest.errors import ParseError
from core.ingest.report import Line

# The trending page's call to subscribe: whole lines of it, and the button glued to the first title.
_HEADER_LINE = re.compile(r"^Get trending papers in your email inbox\b.*$", re.IGNORECASE)
_HEADER_PREFIX = re.compile(r"^Subscribe(?=[A-Z0-9\"'“(\[])")
_MAX_TITLE = 300
# An abstract is a paragraph: longer than its title and more than a phrase.
_MIN_ABSTRACT_WORDS = 12


def has_list_header(lines: Sequence[Line]) -> bool:
    """Return whether `lines` start with the trending page's call to subscribe."""
    return bool(lines) and bool(_HEADER_LINE.match(lines[0].text))


def looks_like_paper_list(lines: Sequence[Line]) -> bool:
    """Return whether `lines` start like a paper list (a header, or a title over an abstract)."""
    if not lines:
        return False
    if has_list_header(lines):
        return True
    # Without the page's header, the first line must read as a title: a sentence or a salutation
    # ("The weather was nice today.", "Dear team,") starts prose, not a list.
    return (
        len(lines) >= 2
        and _is_title(lines[0].text)
        and not lines[0].text.endswith((".", ",", ";", ":"))
        and _is_abstract(lines[1].text, lines[0].text)
    )


def _is_title(text: str) -> bool:
    return len(text) <= _MAX_TITLE


def _is_abstract(text: str, title: str) -> bool:
    return len(text) > len(title) and len(text.split()) >= _MIN_ABSTRACT_WORDS


def parse_paper_list(lines: Sequence[Line]) -> PaperListDocument:
    """Return the papers `lines` (non-empty, numbered) list, dropping the page's header text."""
    body = [line for line in lines if not _HEADER_LINE.match(line.text)]
    if body:
        first = body[0]
        body[0] = Line(first.number, _HEADER_PREFIX.sub("", first.text, count=1))
    if not body:
        raise ParseError("the paper list has no papers")
    papers = []
    for index in range(0, len(body), 2):
        title = body[index]
        if not _is_title(title.text):
            raise ParseError(
                f"expected a paper title, found a {len(title.text)}-character line",
                line=title.number,
            )
        if index + 1 == len(body):
            raise ParseError(
                f"paper {_short(title.text)!r} has no abstract after it", line=title.number
            )
        abstract = body[index + 1]
        if not _is_abstract(abstract.text, title.text):
            # The line after a title is too short to be its abstract: most likely the title lost
            # its abstract and this is the next title, so blame the title.
            raise ParseError(
                f"paper {_short(title.text)!r} has no abstract: the next line, "
                f"{_short(abstract.text)!r}, is too short to be one",
                line=title.number,
            )
        papers.append(PaperRecord(title=title.text, abstract=abstract.text))
    return PaperListDocument(papers=tuple(papers))


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
