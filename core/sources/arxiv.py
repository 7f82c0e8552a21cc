"""arXiv: the API (Atom, category queries, newest first) and the per-category RSS."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from yarl import URL

from core.sources.found import FormatError, FoundPaper, PapersFound
from core.sources.xmlfeed import parse_feed
from storage.identity import bare_arxiv_id, is_arxiv_id
from storage.queries.papers import PaperInput

# Replacements are papers announced before; only first announcements are news.
ANNOUNCE_TYPES = ("new", "cross")


def api_url(base: str, query: str, max_results: int) -> str:
    """Return the API query for `query` (such as `cat:cs.DC`), newest submissions first."""
    return str(
        URL(base).update_query(
            search_query=query,
            sortBy="submittedDate",
            sortOrder="descending",
            start=0,
            max_results=max_results,
        )
    )


def links(arxiv_id: str) -> dict[str, str]:
    """Return a paper's abstract and PDF links, made from its id (link attributes have changed)."""
    return {
        "arXiv": f"https://arxiv.org/abs/{arxiv_id}",
        "PDF": f"https://arxiv.org/pdf/{arxiv_id}",
    }


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _id_of(*candidates: object) -> str | None:
    for candidate in candidates:
        if not isinstance(candidate, str) or not candidate.strip():
            continue
        text = candidate.strip().removeprefix("oai:arXiv.org:")
        found = bare_arxiv_id(text)
        if is_arxiv_id(found):
            return found
    return None


def _papers(found: list[FoundPaper], entries: int, what: str) -> PapersFound:
    if entries and not found:
        raise FormatError(f"none of the {entries} {what} entries carries an arXiv id")
    return PapersFound(found)


def parse_api(body: bytes) -> PapersFound:
    """Return the papers of an API answer; an error answer raises FormatError with its message."""
    feed = parse_feed(body)
    found = []
    for entry in feed.entries:
        entry_id = str(entry.get("id", ""))
        if "/api/errors" in entry_id:
            raise FormatError(f"arXiv API error: {_one_line(str(entry.get('summary', '')))}")
        arxiv_id = _id_of(entry_id)
        title = _one_line(str(entry.get("title", "")))
        if arxiv_id is None or not title:
            continue
        primary = entry.get("arxiv_primary_category") or {}
        category = primary.get("term") if isinstance(primary, dict) else None
        paper = PaperInput(
            title=title,
            abstract=str(entry.get("summary", "")).strip(),
            category=category or _first_tag(entry.get("tags")),
            arxiv_id=arxiv_id,
            links=links(arxiv_id),
        )
        found.append(FoundPaper(paper))
    return _papers(found, len(feed.entries), "API")


def parse_rss(body: bytes, *, announce_types: Iterable[str] = ANNOUNCE_TYPES) -> PapersFound:
    """Return the new papers of a category's RSS; an empty feed (weekends) is no papers."""
    wanted = {kind.casefold() for kind in announce_types}
    feed = parse_feed(body)
    found = []
    for entry in feed.entries:
        kind = str(entry.get("arxiv_announce_type", "new")).strip().casefold()
        if kind not in wanted:
            continue
        arxiv_id = _id_of(entry.get("id"), entry.get("link"))
        title = _one_line(str(entry.get("title", "")))
        if arxiv_id is None or not title:
            continue
        paper = PaperInput(
            title=title,
            abstract=_rss_abstract(str(entry.get("summary", ""))),
            category=_first_tag(entry.get("tags")),
            arxiv_id=arxiv_id,
            links=links(arxiv_id),
        )
        found.append(FoundPaper(paper))
    return _papers(found, len(feed.entries), "RSS")


def _rss_abstract(description: str) -> str:
    # "arXiv:2605.10002v1 Announce Type: new \nAbstract: …": the abstract is what follows.
    _, marker, abstract = description.partition("Abstract:")
    return (abstract if marker else description).strip()


def _first_tag(tags: Any) -> str | None:
    if not tags:
        return None
    for tag in tags:
        term = tag.get("term") if isinstance(tag, dict) else None
        if isinstance(term, str) and term.strip():
            return term.strip()
    return None
