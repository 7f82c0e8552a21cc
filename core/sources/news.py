"""Feeds of labs and news sites (RSS 2.0 and Atom), read into news posts."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from core.sources.found import FormatError, NewsFound
from core.sources.text import SUMMARY_LIMIT, plain_text, struct_to_utc, web_url
from core.sources.xmlfeed import parse_feed
from storage.queries.sources import NewsInput

MAX_GUID = 500
MAX_ITEMS = 200


def parse_news(body: bytes, *, now: dt.datetime) -> NewsFound:
    """Return a feed's posts, newest first; dates in the future or missing become `now`."""
    feed = parse_feed(body)
    items = [item for item in (_item(entry, now) for entry in feed.entries) if item is not None]
    if feed.entries and not items:
        raise FormatError(f"none of the {len(feed.entries)} entries has a title")
    items.sort(key=lambda item: item.published_at, reverse=True)
    return NewsFound(items[:MAX_ITEMS])


def _item(entry: Any, now: dt.datetime) -> NewsInput | None:
    title = plain_text(str(entry.get("title", "")), limit=300)
    if not title:
        return None
    url = web_url(entry.get("link"))
    guid = str(entry.get("id") or url or "").strip()
    if not guid or len(guid) > MAX_GUID:
        guid = "sha1:" + hashlib.sha1((url or title).encode()).hexdigest()
    published = struct_to_utc(entry.get("published_parsed")) or struct_to_utc(
        entry.get("updated_parsed")
    )
    if published is None or published > now:
        published = now
    return NewsInput(
        guid=guid,
        title=title,
        url=url,
        summary=plain_text(str(entry.get("summary", "")), limit=SUMMARY_LIMIT),
        published_at=published,
    )
