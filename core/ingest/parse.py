"""Tell what a captured page is and parse it."""

from __future__ import annotations

from core.ingest.document import Document
from core.ingest.errors import ParseError
from core.ingest.paper_list import has_list_header, looks_like_paper_list, parse_paper_list
from core.ingest.report import Line, find_date, looks_like_report, parse_report
from core.ingest.rows import Evidence
from core.ingest.text import clean, decode


def parse_document(data: bytes | str, *, evidence: Evidence | None = None) -> Document:
    """Return the report or paper list that `data` holds; raise ParseError for anything else."""
    text = clean(decode(data) if isinstance(data, bytes) else data)
    lines = [
        Line(number, " ".join(raw.split()))
        for number, raw in enumerate(text.split("\n"), start=1)
        if raw.strip()
    ]
    if not lines:
        raise ParseError("the file is empty")
    date_index = find_date(lines)
    if date_index is not None:
        return parse_report(lines, date_index, evidence or Evidence())
    if has_list_header(lines):
        return parse_paper_list(lines)
    if looks_like_report(lines):
        raise ParseError(
            "this looks like a report but has no date line (such as 'March 31, 2026') "
            "in its first lines",
            line=lines[0].number,
        )
    if looks_like_paper_list(lines):
        return parse_paper_list(lines)
    raise ParseError(
        "not a report (no date line such as 'March 31, 2026' near the top) nor a paper list",
        line=lines[0].number,
    )
