"""Hostile text from sources comes out inert in every feed format and on every page."""

from __future__ import annotations

import json
import re

import pytest
from lxml import etree, html

from core.ingest.store import ingest
from feeds.sanitize import clean_html, xml_safe
from storage import Database
from storage.queries.papers import PaperInput, upsert_papers
from tests.feeds.support import HOSTILE, PUBLIC, MakeClient, check_feed, entries, fetch

FORMATS = ("rss", "atom", "json")
# What a source could send us beyond what the importer lets through: XML-illegal control
# characters, and links with schemes that run code.
RAW_ABSTRACT = "Control characters \x01 and \x08 and \x0b and \ufffe end up \x1f nowhere."
RAW_LINKS = {
    "code": "javascript:alert(1)",
    "data": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "pdf": "https://example.test/paper.pdf",
}


def assert_inert(fragment: str, *, only_links: bool = True) -> None:
    """Assert an HTML fragment holds nothing that runs: no script, handler or code URL.

    Feed content may only carry href and title; a page's own markup has a few more attributes.
    """
    tree = html.fromstring(f"<div>{fragment}</div>")
    assert not tree.xpath("//script | //img | //svg | //iframe | //object | //style")
    for element in tree.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (name, value)
            assert name in {"href", "title"} or not only_links, name
            assert not re.match(r"\s*(javascript|data|vbscript):", value, re.IGNORECASE), value


async def store_hostile(db: Database) -> None:
    await ingest(db, HOSTILE)
    async with db.transaction() as session:
        await upsert_papers(
            session,
            papers=[
                PaperInput(
                    title="Raw \x02Source\x07 Paper",
                    abstract=RAW_ABSTRACT,
                    category="cs.CR",
                    links=RAW_LINKS,
                )
            ],
        )


@pytest.mark.parametrize("fmt", FORMATS)
async def test_hostile_abstracts_are_inert_in_every_format(
    db: Database, make_client: MakeClient, fmt: str
) -> None:
    await store_hostile(db)
    client = await make_client()
    for path in (f"/feeds/issues.{fmt}", f"/feeds/papers.{fmt}", f"/feeds/papers/cs.CR.{fmt}"):
        status, body, _ = await fetch(client, path)
        assert status == 200
        check_feed(body, fmt, PUBLIC + path)
        found = entries(body, fmt)
        assert found
        for item in found:
            assert_inert(item["html"])
            assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe]", item["html"] + item["title"])
    _, body, _ = await fetch(client, f"/feeds/papers/cs.CR.{fmt}")
    text = " ".join(html.fromstring(item["html"]).text_content() for item in entries(body, fmt))
    # The payloads are still there to read, as text.
    assert "<script>alert(1)</script>" in text
    assert '<a href="javascript:alert(1)">' in text
    assert "Control characters  and  and  and  end up  nowhere." in text
    assert b"https://example.test/paper.pdf" in body, "a safe link stays"


async def test_hostile_text_is_inert_on_the_pages(db: Database, make_client: MakeClient) -> None:
    await store_hostile(db)
    client = await make_client()
    _, body, _ = await fetch(client, "/feeds/papers/cs.CR.json")
    pages = ["/", "/issues/2026-11-21", *(item["url"] for item in json.loads(body)["items"])]
    for page in pages:
        path = page.removeprefix(PUBLIC)
        status, page_body, _ = await fetch(client, path)
        assert status == 200, path
        document = html.fromstring(page_body)
        main = document.find(".//main")
        assert main is not None
        assert_inert(etree.tostring(main, encoding="unicode"), only_links=False)
        assert not document.xpath("//script")
        assert "alert(1)" not in " ".join(document.xpath("//@*"))


def test_clean_html_keeps_safe_markup_and_drops_the_rest() -> None:
    dirty = (
        '<p onclick="x()">Hi <a href="https://ok.test/" style="color:red" title="t">ok</a> '
        '<a href="javascript:alert(1)">js</a> <a href="mailto:a@b.test">mail</a>'
        "<script>alert(1)</script><img src=x onerror=alert(1)><!-- note --></p>"
    )
    assert clean_html(dirty) == (
        '<p>Hi <a href="https://ok.test/" title="t">ok</a> <a>js</a> '
        '<a href="mailto:a@b.test">mail</a></p>'
    )


def test_xml_safe_removes_only_what_xml_forbids() -> None:
    assert xml_safe("a\x00b\x01c\td\ne\rf\x0bg\ufffeh\uffffi€😀") == "abc\td\ne\rfghi€😀"
