"""Helpers of the feed tests: fixtures' texts, fetching, and the checks a validator makes."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import socket
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
from aiohttp.test_utils import TestClient
from lxml import etree, html
from multidict import CIMultiDict

from core.ingest.store import ingest
from feeds.app import FEEDS
from feeds.service import FeedService
from storage import Database

PROJECT = Path(__file__).resolve().parents[2]
EXAMPLES = PROJECT / "config" / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIRST = (EXAMPLES / "report-2026-11-19.txt").read_text()
SECOND = (EXAMPLES / "report-2026-11-20.txt").read_text()
HOSTILE = (FIXTURES / "report-hostile.txt").read_text()
PUBLIC = "https://feeds.example.test"
ATOM = "{http://www.w3.org/2005/Atom}"
RFC822 = re.compile(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$")

MakeClient = Callable[..., Awaitable[TestClient[Any, Any]]]


def report_of(date: dt.date, base: str = FIRST) -> str:
    """Return the first example issue re-dated to `date`."""
    return base.replace("November 19, 2026", f"{date:%B} {date.day}, {date.year}")


async def load_examples(db: Database) -> None:
    """Import the project's two example issues."""
    await ingest(db, FIRST)
    await ingest(db, SECOND)


def service_of(client: TestClient[Any, Any]) -> FeedService:
    """Return the feed service behind a test client."""
    return client.server.app[FEEDS]


async def refreshed(client: TestClient[Any, Any]) -> None:
    """Rebuild the published feeds now, as the poll would after an import."""
    await service_of(client).refresh()


async def fetch(
    client: TestClient[Any, Any], path: str, **headers: str
) -> tuple[int, bytes, CIMultiDict[str]]:
    """GET `path` without following redirects; return status, identity body and headers."""
    headers.setdefault("Accept-Encoding", "identity")
    async with client.get(path, headers=headers, allow_redirects=False) as response:
        return response.status, await response.read(), response.headers.copy()


def parse_date(text: str, fmt: str) -> dt.datetime:
    """Return a feed date, checking its format: RFC 822 in RSS, RFC 3339 elsewhere."""
    if fmt == "rss":
        assert RFC822.match(text), text
        moment = parsedate_to_datetime(text)
    else:
        assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", text)
        moment = dt.datetime.fromisoformat(text)
    assert moment.tzinfo is not None, text
    return moment


def absolute(url: str) -> bool:
    """Return whether `url` is an absolute http(s) URL."""
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def entries(body: bytes, fmt: str) -> list[dict[str, Any]]:
    """Return each entry's id, link, dates and HTML content, read straight from the bytes."""
    if fmt == "json":
        return [
            {
                "id": item["id"],
                "url": item["url"],
                "published": parse_date(item["date_published"], fmt),
                "updated": parse_date(item["date_modified"], fmt),
                "html": item["content_html"],
                "title": item["title"],
            }
            for item in json.loads(body)["items"]
        ]
    root = etree.fromstring(body)
    if fmt == "rss":
        return [
            {
                "id": item.findtext("guid"),
                "url": item.findtext("link"),
                "published": parse_date(item.findtext("pubDate"), fmt),
                "updated": None,
                "html": item.findtext("description"),
                "title": item.findtext("title"),
            }
            for item in root.iter("item")
        ]
    return [
        {
            "id": entry.findtext(f"{ATOM}id"),
            "url": entry.find(f"{ATOM}link").get("href"),
            "published": parse_date(entry.findtext(f"{ATOM}published"), fmt),
            "updated": parse_date(entry.findtext(f"{ATOM}updated"), fmt),
            "html": entry.findtext(f"{ATOM}content"),
            "title": entry.findtext(f"{ATOM}title"),
        }
        for entry in root.iter(f"{ATOM}entry")
    ]


def feed_links(body: bytes, fmt: str) -> dict[str, str]:
    """Return the feed-level links by relation (self, hub, first, next, ...)."""
    if fmt == "json":
        doc = json.loads(body)
        links = {"self": doc["feed_url"], "alternate": doc["home_page_url"]}
        if "next_url" in doc:
            links["next"] = doc["next_url"]
        for hub in doc.get("hubs", []):
            links["hub"] = hub["url"]
        return links
    root = etree.fromstring(body)
    parent = root.find("channel") if fmt == "rss" else root
    assert parent is not None
    found = {link.get("rel"): link.get("href") for link in parent.findall(f"{ATOM}link")}
    if fmt == "rss":
        found["alternate"] = parent.findtext("link") or ""
    return found


def check_feed(body: bytes, fmt: str, served_url: str) -> None:
    """Assert what a reader and the W3C validator require of a feed served at `served_url`."""
    links = feed_links(body, fmt)
    assert links["self"] == served_url
    assert all(absolute(href) for href in links.values()), links
    items = entries(body, fmt)
    for item in items:
        assert item["id"].startswith("tag:feeds.example.test,2026:"), item["id"]
        assert absolute(item["url"]), item["url"]
        assert item["title"]
        assert item["html"]
        for href in html.fromstring(f"<div>{item['html']}</div>").xpath("//a/@href"):
            assert absolute(href), href
    dates = [item["published"] for item in items]
    assert dates == sorted(dates, reverse=True), "newest first"
    assert len(set(dates)) == len(dates), "unique dates"
    if fmt == "json":
        doc = json.loads(body)
        assert doc["version"] == "https://jsonfeed.org/version/1.1"
        assert doc["title"] and isinstance(doc["items"], list)
        assert all(isinstance(item["id"], str) for item in doc["items"])
        return
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert [entry.id for entry in parsed.entries] == [item["id"] for item in items]
    root = etree.fromstring(body)
    if fmt == "rss":
        assert root.get("version") == "2.0"
        assert root.nsmap.get("atom") == "http://www.w3.org/2005/Atom"
        channel = root.find("channel")
        assert channel is not None
        assert channel.findtext("title") and channel.findtext("description")
        parse_date(channel.findtext("lastBuildDate") or "", fmt)
        self_link = channel.find(f"{ATOM}link[@rel='self']")
        assert self_link is not None and self_link.get("type") == "application/rss+xml"
        for guid in channel.iter("guid"):
            # A tag: URI is not a permalink; the validator wants that said.
            assert guid.get("isPermaLink") == "false"
    else:
        assert root.findtext(f"{ATOM}id") and root.findtext(f"{ATOM}title")
        parse_date(root.findtext(f"{ATOM}updated") or "", fmt)
        assert root.find(f"{ATOM}author/{ATOM}name") is not None
        for entry in root.iter(f"{ATOM}entry"):
            assert entry.find(f"{ATOM}content").get("type") == "html"


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Wait until `check` passes, or fail after ten seconds."""
    async with asyncio.timeout(10):
        # What it waits for happens in other tasks or processes, with no event to wait on.
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


def free_port() -> int:
    """Return a TCP port nothing listens on, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
