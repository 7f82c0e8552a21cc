"""RSS 2.0 and Atom read with feedparser, refusing bodies that are not well-formed feeds."""

from __future__ import annotations

import xml.sax
from typing import Any

import feedparser

from core.sources.found import FormatError


def parse_feed(body: bytes) -> Any:
    """Return feedparser's reading of `body`; raise FormatError when it is broken or no feed.

    feedparser recovers what it can from broken XML; a truncated body would then store half a
    feed, so any XML error is refused and the last good data stays.
    """
    if not body.strip():
        raise FormatError("empty body where a feed was expected")
    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    problem = parsed.get("bozo_exception")
    if isinstance(problem, xml.sax.SAXException):
        raise FormatError(f"malformed XML: {problem}")
    if not parsed.get("version"):
        raise FormatError("the body is not an RSS or Atom feed")
    return parsed
