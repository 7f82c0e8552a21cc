"""Parse one issue of the report as its web page reads when flattened to text."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from config.sources import KNOWN_LEADERBOARDS
from core.ingest.document import LeaderboardRecord, PaperRecord, ReportDocument
from core.ingest.errors import ParseError
from core.ingest.rows import Column, Evidence, parse_header, resolve_rows

ARXIV_CATEGORY = re.compile(
    r"\s+((?:cs|stat|math|eess|econ|q-bio|q-fin|physics|astro-ph|cond-mat|nlin)\.[A-Za-z]{2,3}"
    r"|gr-qc|hep-ex|hep-lat|hep-ph|hep-th|math-ph|nucl-ex|nucl-th|quant-ph)$"
)
_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%Y-%m-%d", "%A, %B %d, %Y")
# A section heading, with the link the page glues to its end ("All papers", "Full tables").
_SECTION = re.compile(
    r"^(?P<name>AI Labs|From the Wire|Research Papers|Benchmarks)(?P<rest>.*)$", re.IGNORECASE
)
_MAX_TITLE = 300
_MAX_AUTHOR = 80
_MAX_HEADER_LINE = 80  # a line above the date: the title, a masthead, a navigation bar


@dataclass(frozen=True, slots=True)
class Line:
    """A non-empty line and where it stood."""

    number: int
    text: str


def find_date(lines: Sequence[Line], *, within: int = 5) -> int | None:
    """Return the index of the issue's date line among the first few lines, if there is one.

    Only title lines may stand above the date: once body text starts, a date below it is part of
    the text (and the lines above would otherwise all become the title).
    """
    for index, line in enumerate(lines[:within]):
        if parse_date(line.text) is not None:
            return index
        if len(line.text) > _MAX_HEADER_LINE or line.text.endswith((".", "!", "?")):
            break
    return None


def looks_like_report(lines: Sequence[Line]) -> bool:
    """Return whether `lines` hold a report's parts: a section heading or a table header."""
    return any(
        _is_heading(line.text) or line.text.casefold().startswith(("#model", "#rank"))
        for line in lines
    )


def parse_date(text: str) -> dt.date | None:
    """Return the date a line such as `March 31, 2026` names, or None."""
    text = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_report(
    lines: Sequence[Line], date_index: int, evidence: Evidence | None = None
) -> ReportDocument:
    """Return the issue that `lines` (non-empty, numbered) hold."""
    evidence = evidence or Evidence()
    date = parse_date(lines[date_index].text)
    assert date is not None
    title = " ".join(line.text for line in lines[:date_index]) or "The Inference Report"
    sections = _split_sections(lines, start=date_index + 1)
    preamble = sections.pop("", [])
    if not preamble:
        raise ParseError(
            "no editorial and author after the date line", line=lines[date_index].number
        )
    *paragraphs, author_line = preamble
    author = _author(author_line)
    if not paragraphs:
        raise ParseError("the editorial is empty", line=author_line.number)
    editorial = tuple(line.text for line in paragraphs)
    papers = _papers(sections.get("research papers", []))
    boards = _leaderboards(sections.get("benchmarks", []), evidence, " ".join(editorial))
    return ReportDocument(
        title=title,
        date=date,
        author=author,
        editorial=editorial,
        papers=tuple(papers),
        leaderboards=tuple(boards),
    )


def _split_sections(lines: Sequence[Line], *, start: int) -> dict[str, list[Line]]:
    sections: dict[str, list[Line]] = {"": []}
    current = ""
    for line in lines[start:]:
        match = _SECTION.match(line.text)
        if match and _is_heading(line.text):
            current = match.group("name").casefold()
            if sections.get(current):
                raise ParseError(f"section {match.group('name')!r} appears twice", line=line.number)
            sections[current] = []
            continue
        sections[current].append(line)
    return sections


def _is_heading(text: str) -> bool:
    match = _SECTION.match(text)
    return match is not None and len(text) <= 80 and _is_heading_rest(match.group("rest"))


def _is_heading_rest(rest: str) -> bool:
    # What follows the name is the glued link ("All labs", "Full tables") or a qualifier
    # ("— Focused"); a sentence that merely begins with "Benchmarks" is not a heading.
    rest = rest.strip()
    return not rest or bool(re.match(r"^(?:[—–:-]\s*\w+\s*)?(?:All \w+|Full \w+)?$", rest))


def _author(line: Line) -> str:
    text = re.sub(r"^(?:by|written by)\s+", "", line.text, flags=re.IGNORECASE).strip()
    words = text.split()
    if (
        not words
        or len(text) > _MAX_AUTHOR
        or len(words) > 6
        or text[-1] in ".!?:;,"
        or not text[0].isupper()
    ):
        raise ParseError(
            f"expected the author's name after the editorial, found {_short(line.text)!r}",
            line=line.number,
        )
    return text


def _papers(lines: Sequence[Line]) -> list[PaperRecord]:
    papers: list[PaperRecord] = []
    title: Line | None = None
    category = ""
    abstract: list[str] = []

    def flush() -> None:
        if title is None:
            return
        if not abstract:
            raise ParseError(f"paper {title.text!r} has no abstract", line=title.number)
        papers.append(
            PaperRecord(title=title.text, category=category, abstract="\n\n".join(abstract))
        )

    for line in lines:
        match = ARXIV_CATEGORY.search(line.text)
        if match and len(line.text) <= _MAX_TITLE and match.start() > 0:
            flush()
            title = Line(line.number, line.text[: match.start()].strip())
            category = match.group(1)
            abstract = []
        elif title is None:
            raise ParseError(
                "expected a paper title ending with its arXiv category (like cs.LG), "
                f"found {_short(line.text)!r}",
                line=line.number,
            )
        else:
            abstract.append(line.text)
    flush()
    return papers


def _leaderboards(
    lines: Sequence[Line], evidence: Evidence, editorial: str
) -> list[LeaderboardRecord]:
    tables = _tables(lines)
    # The editorial is evidence for names it spells out; then each table lends its names to the
    # others (a model leading one board often appears on the other).
    base = evidence.with_text(editorial)
    first = [resolve_rows(rows, columns, base) for _, _, columns, rows in tables]
    boards = []
    for index, (heading, description, columns, rows) in enumerate(tables):
        others = [e.model for i, entries in enumerate(first) if i != index for e in entries]
        entries = resolve_rows(rows, columns, base.merged(others)) if others else first[index]
        slug, name = _board_identity(heading)
        boards.append(
            LeaderboardRecord(
                slug=slug,
                name=name,
                description=description,
                entries=tuple(entries),
                has_tokens=Column.TOKENS in columns,
                has_price=Column.PRICE in columns,
            )
        )
    return boards


Table = tuple[Line, str, tuple[Column, ...], list[tuple[int, str]]]


def _tables(lines: Sequence[Line]) -> list[Table]:
    """Group the benchmark section into (heading, description, columns, rows) per table."""
    tables: list[Table] = []
    pending: list[Line] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.text.startswith("#"):
            pending.append(line)
            index += 1
            continue
        if not pending:
            raise ParseError("a table header with no table name above it", line=line.number)
        columns = parse_header(line.text, line_number=line.number)
        heading, *description = pending
        pending = []
        rows: list[tuple[int, str]] = []
        index += 1
        while index < len(lines) and lines[index].text[:1].isdigit():
            rows.append((lines[index].number, lines[index].text))
            index += 1
        if not rows:
            raise ParseError(f"table {heading.text!r} has no rows", line=line.number)
        tables.append((heading, " ".join(d.text for d in description), columns, rows))
    # Text after the last table (a footer, a subscribe box) is not part of the issue.
    if pending and not tables:
        raise ParseError(
            "the benchmarks section has no table header (#Model...)", line=pending[0].number
        )
    return tables


def _board_identity(heading: Line) -> tuple[str, str]:
    for known in KNOWN_LEADERBOARDS:
        if heading.text.casefold().startswith(known.heading_prefix.casefold()):
            return known.slug, known.name
    slug = re.sub(r"[^a-z0-9]+", "-", heading.text.casefold()).strip("-")
    if not slug:
        raise ParseError(f"table name {heading.text!r} has no letters", line=heading.number)
    return slug, heading.text


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
