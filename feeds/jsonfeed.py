"""JSON Feed 1.1 documents (https://jsonfeed.org/version/1.1)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from feeds.model import FeedDoc, FeedItem
from feeds.sanitize import xml_safe

VERSION = "https://jsonfeed.org/version/1.1"


def build_json(doc: FeedDoc) -> bytes:
    """Return the feed as JSON Feed 1.1."""
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": xml_safe(doc.title),
        "home_page_url": doc.home_url,
        "feed_url": doc.address.url("json", doc.page),
        "description": xml_safe(doc.description),
        "language": doc.language,
        "authors": [{"name": doc.author}],
    }
    next_url = doc.paging("json").get("next")
    if next_url:
        feed["next_url"] = next_url
    if doc.hub:
        feed["hubs"] = [{"type": "WebSub", "url": doc.hub}]
    feed["items"] = [_item(item) for item in doc.items]
    return json.dumps(feed, ensure_ascii=False, separators=(",", ":")).encode()


def _item(item: FeedItem) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": item.id,
        "url": item.url,
        "title": xml_safe(item.title),
        "content_html": xml_safe(item.content_html),
        "date_published": _rfc3339(item.published),
        "date_modified": _rfc3339(item.updated),
    }
    if item.summary:
        entry["summary"] = xml_safe(item.summary)
    if item.categories:
        entry["tags"] = [xml_safe(tag) for tag in item.categories]
    return entry


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
