"""The pages entries link to, the index, discovery links and the OPML list."""

from __future__ import annotations

import pytest
from lxml import etree, html

from storage import Database
from tests.feeds.support import PUBLIC, MakeClient, entries, fetch, load_examples

FORMATS = ("rss", "atom", "json")
EVERY_FEED = [
    "/feeds/issues",
    "/feeds/papers",
    "/feeds/wire",
    "/feeds/papers/cs.DC",
    "/feeds/papers/cs.LG",
    "/feeds/papers/cs.SE",
    "/feeds/leaderboards/artificial-analysis",
    "/feeds/leaderboards/swe-rebench",
]
MEDIA = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}


def alternates(body: bytes) -> dict[str, str]:
    """Return a page's discovery links: href by media type and title."""
    document = html.fromstring(body)
    return {
        link.get("href"): link.get("type")
        for link in document.xpath("//head/link[@rel='alternate']")
    }


async def test_the_opml_lists_every_feed_once(db: Database, make_client: MakeClient) -> None:
    await load_examples(db)
    client = await make_client()
    status, body, _ = await fetch(client, "/feeds.opml")
    assert status == 200
    root = etree.fromstring(body)
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title")
    outlines = root.xpath("//outline[@xmlUrl]")
    urls = [outline.get("xmlUrl") for outline in outlines]
    # One format per feed: a reader importing the list must not subscribe to a feed twice.
    assert sorted(urls) == sorted(f"{PUBLIC}{stem}.atom" for stem in EVERY_FEED)
    for outline in outlines:
        assert outline.get("type") == "rss" and outline.get("text")
        status, _, _ = await fetch(client, outline.get("xmlUrl").removeprefix(PUBLIC))
        assert status == 200
        status, _, _ = await fetch(client, outline.get("htmlUrl").removeprefix(PUBLIC))
        assert status == 200


async def test_every_entry_links_to_a_page_that_exists(
    db: Database, make_client: MakeClient
) -> None:
    await load_examples(db)
    client = await make_client()
    checked = set()
    for stem in EVERY_FEED:
        for fmt in FORMATS:
            _, body, _ = await fetch(client, f"{stem}.{fmt}")
            for item in entries(body, fmt):
                links = [item["url"], *html.fromstring(item["html"]).xpath("//a/@href")]
                for url in links:
                    assert url.startswith(PUBLIC + "/"), url
                    checked.add(url.split("#")[0].removeprefix(PUBLIC))
    assert {"/issues/2026-11-19", "/issues/2026-11-20", "/leaderboards/swe-rebench"} <= checked
    assert sum(path.startswith("/papers/") for path in checked) == 5
    for path in sorted(checked):
        status, body, headers = await fetch(client, path)
        assert status == 200, path
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert b"<script" not in body, "readable without JavaScript"


async def test_the_index_lists_issues_boards_and_feeds(
    db: Database, make_client: MakeClient
) -> None:
    await load_examples(db)
    client = await make_client()
    _, body, _ = await fetch(client, "/")
    document = html.fromstring(body)
    hrefs = document.xpath("//main//a/@href")
    assert hrefs[:2] == [f"{PUBLIC}/issues/2026-11-20", f"{PUBLIC}/issues/2026-11-19"]
    assert f"{PUBLIC}/leaderboards/swe-rebench" in hrefs
    for stem in EVERY_FEED:
        for fmt in FORMATS:
            assert f"{PUBLIC}{stem}.{fmt}" in hrefs
    discovered = alternates(body)
    assert discovered[f"{PUBLIC}/feeds/issues.atom"] == "application/atom+xml"
    assert discovered[f"{PUBLIC}/feeds/leaderboards/swe-rebench.json"] == "application/feed+json"
    form = document.xpath("//form")[0]
    assert (form.get("method"), form.get("action")) == (
        "get",
        f"{PUBLIC}/feeds/papers/search.atom",
    )


@pytest.mark.parametrize(
    ("path", "feeds"),
    [
        ("/issues/2026-11-19", ["/feeds/issues"]),
        ("/leaderboards/artificial-analysis", ["/feeds/leaderboards/artificial-analysis"]),
    ],
)
async def test_pages_announce_their_feeds(
    db: Database, make_client: MakeClient, path: str, feeds: list[str]
) -> None:
    await load_examples(db)
    client = await make_client()
    _, body, _ = await fetch(client, path)
    expected = {f"{PUBLIC}{stem}.{fmt}": MEDIA[fmt] for stem in feeds for fmt in MEDIA}
    assert alternates(body) == expected


async def test_a_paper_page_shows_the_paper_its_issues_and_its_feeds(
    db: Database, make_client: MakeClient
) -> None:
    await load_examples(db)
    client = await make_client()
    _, feed, _ = await fetch(client, "/feeds/papers/search.json?q=speculative")
    (item,) = entries(feed, "json")
    _, body, _ = await fetch(client, item["url"].removeprefix(PUBLIC))
    document = html.fromstring(body)
    assert document.findtext(".//h1") == "Speculative Batching for Long-Context Decoding"
    assert "continuous batching interacts" in document.text_content()
    featured = document.xpath("//main//li/a/@href")
    assert featured == [f"{PUBLIC}/issues/2026-11-20", f"{PUBLIC}/issues/2026-11-19"]
    stems = ("/feeds/papers", "/feeds/papers/cs.DC")
    assert set(alternates(body)) == {f"{PUBLIC}{stem}.{fmt}" for stem in stems for fmt in MEDIA}


async def test_a_leaderboard_page_shows_the_table_with_movement_and_its_changes(
    db: Database, make_client: MakeClient
) -> None:
    await load_examples(db)
    client = await make_client()
    _, body, _ = await fetch(client, "/leaderboards/artificial-analysis")
    document = html.fromstring(body)
    rows = [[td.text_content() for td in tr.xpath("td")] for tr in document.xpath("//tbody/tr")]
    assert rows[0] == ["1", "Lumen Pro 2", "62.3", "140", "$4.20", "▲1"]
    assert rows[1] == ["2", "Orion 3.2", "61.4", "88", "$9.50", "▼1"]
    heading = document.get_element_by_id("changes-2026-11-20")
    assert "November 20, 2026" in heading.text_content()
    changes = document.xpath("//h3[@id='changes-2026-11-20']/following-sibling::ul[1]/li/text()")
    assert changes[0] == "Lumen Pro 2 is the new #1 (62.3)"


async def test_pages_of_an_empty_database_say_so(db: Database, make_client: MakeClient) -> None:
    client = await make_client()
    status, body, _ = await fetch(client, "/")
    assert status == 200
    assert b"No issue has been imported yet." in body
