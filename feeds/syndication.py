"""RSS 2.0 and Atom 1.0 documents, written by feedgen."""

from __future__ import annotations

from typing import Any

from feedgen.ext.base import BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from feeds.model import MEDIA_TYPES, FeedDoc, FeedItem, Format
from feeds.sanitize import xml_safe

ATOM_NS = "http://www.w3.org/2005/Atom"
GENERATOR = "The Inference Report"


class AtomLinksExtension(BaseExtension):  # type: ignore[misc]
    """Add `atom:link` elements (hub, RFC 5005 paging) to an RSS channel.

    feedgen writes only the self link into RSS; the rest go through this extension so the
    document stays a tree that lxml serialises, never a string edited afterwards.
    """

    def __init__(self) -> None:
        self.links: list[tuple[str, str]] = []

    def add(self, rel: str, href: str) -> None:
        """Add a link with relation `rel`."""
        self.links.append((rel, href))

    def extend_ns(self) -> dict[str, str]:
        return {"atom": ATOM_NS}

    def extend_rss(self, feed: Any) -> Any:
        channel = feed.find("channel")
        for rel, href in self.links:
            etree.SubElement(channel, f"{{{ATOM_NS}}}link", href=href, rel=rel)
        return feed


def build_rss(doc: FeedDoc) -> bytes:
    """Return the feed as RSS 2.0."""
    generator = _generator(doc, "rss")
    generator.register_extension("atomlinks", AtomLinksExtension, atom=False, rss=True)
    for rel, href in _extra_links(doc, "rss"):
        generator.atomlinks.add(rel, href)
    for item in doc.items:
        entry = generator.add_entry(order="append")
        _entry(entry, item)
        entry.guid(item.id, permalink=False)
    body: bytes = generator.rss_str(pretty=False)
    return body


def build_atom(doc: FeedDoc) -> bytes:
    """Return the feed as Atom 1.0."""
    generator = _generator(doc, "atom")
    for rel, href in _extra_links(doc, "atom"):
        generator.link(href=href, rel=rel)
    # feedgen gives RSS the last link added, so the page the feed is about goes last.
    generator.link(href=doc.home_url, rel="alternate", type="text/html")
    for item in doc.items:
        entry = generator.add_entry(order="append")
        _entry(entry, item)
        entry.id(item.id)
        if item.summary:
            entry.summary(xml_safe(item.summary))
    body: bytes = generator.atom_str(pretty=False)
    return body


def _generator(doc: FeedDoc, fmt: Format) -> Any:
    generator = FeedGenerator()
    generator.id(doc.id)
    generator.title(xml_safe(doc.title))
    generator.description(xml_safe(doc.description))
    generator.author({"name": doc.author})
    generator.language(doc.language)
    generator.generator(GENERATOR)
    # The build time never goes into the bytes: equal data must give equal bytes (and ETags).
    generator.updated(doc.updated)
    generator.link(href=doc.address.url(fmt, doc.page), rel="self", type=MEDIA_TYPES[fmt])
    if fmt == "rss":
        generator.link(href=doc.home_url, rel="alternate", type="text/html")
    return generator


def _extra_links(doc: FeedDoc, fmt: Format) -> list[tuple[str, str]]:
    links = [("hub", doc.hub)] if doc.hub else []
    return links + list(doc.paging(fmt).items())


def _entry(entry: Any, item: FeedItem) -> None:
    entry.title(xml_safe(item.title))
    entry.link(href=item.url, rel="alternate", type="text/html")
    entry.content(xml_safe(item.content_html), type="html")
    entry.updated(item.updated)
    entry.pubDate(item.published)
    for category in item.categories:
        entry.category(term=xml_safe(category))
