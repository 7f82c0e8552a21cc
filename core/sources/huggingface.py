"""Hugging Face daily papers: the JSON API by date, upvotes kept."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from yarl import URL

from core.sources.arxiv import links as arxiv_links
from core.sources.found import FormatError, FoundPaper, PapersFound
from storage.identity import bare_arxiv_id, is_arxiv_id
from storage.queries.papers import PaperInput

PAGE_LIMIT = 100


def daily_url(base: str, date: dt.date) -> str:
    """Return the daily papers of `date`."""
    return str(URL(base).update_query(date=date.isoformat(), limit=PAGE_LIMIT))


def parse_daily(body: bytes) -> PapersFound:
    """Return the papers of a daily papers answer (a JSON array of {paper: {...}, ...})."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FormatError(f"malformed JSON: {error}") from None
    if not isinstance(data, list):
        raise FormatError(f"expected a JSON array of papers, got {type(data).__name__}")
    found = []
    for item in data:
        paper = _paper(item)
        if paper is not None:
            found.append(paper)
    if data and not found:
        raise FormatError(f"none of the {len(data)} items has a paper with an id and a title")
    return PapersFound(found)


def _paper(item: Any) -> FoundPaper | None:
    if not isinstance(item, dict):
        return None
    paper = item.get("paper")
    if not isinstance(paper, dict):
        return None
    raw_id = paper.get("id")
    title = paper.get("title") or item.get("title")
    if not isinstance(raw_id, str) or not isinstance(title, str) or not title.strip():
        return None
    arxiv_id = bare_arxiv_id(raw_id)
    known = is_arxiv_id(arxiv_id)
    page = f"https://huggingface.co/papers/{arxiv_id}"
    found_links = (
        {**arxiv_links(arxiv_id), "Hugging Face": page} if known else {"Hugging Face": page}
    )
    summary = paper.get("summary") or item.get("summary") or ""
    upvotes = paper.get("upvotes")
    return FoundPaper(
        PaperInput(
            title=" ".join(title.split()),
            abstract=str(summary).strip(),
            arxiv_id=arxiv_id if known else None,
            links=found_links,
        ),
        # A missing count is unknown, not zero.
        upvotes=upvotes if isinstance(upvotes, int) and not isinstance(upvotes, bool) else None,
    )
