"""The lab and wire news: its own feed in every format, and sections of the issue pages."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree, html

from storage import Database
from storage.queries import sources
from storage.queries.sources import NewsInput
from tests.feeds.support import (
    PUBLIC,
    MakeClient,
    check_feed,
    entries,
    fetch,
    load_examples,
    service_of,
)
from tests.feeds.test_safety import assert_inert

FORMATS = ("rss", "atom", "json")
DAY = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


async def store_news(db: Database) -> None:
    async with db.transaction() as session:
        await sources.upsert_news(
            session,
            source="lab-blog",
            section="labs",
            items=[
                NewsInput(
                    guid="https://lab.example/posts/1",
                    title="A lab opens its weights",
                    url="https://lab.example/posts/1",
                    summary="Plain summary <script>alert(1)</script> & more",
                    published_at=DAY,
                )
            ],
        )
        await sources.upsert_news(
            session,
            source="wire-site",
            section="wire",
            items=[
                NewsInput(
                    guid="tag:wire.example,2026:7",
                    title="Accelerators <b>sell out</b>",
                    url=None,
                    summary="",
                    published_at=DAY - dt.timedelta(hours=1),
                )
            ],
        )


@pytest.mark.parametrize("fmt", FORMATS)
async def test_the_wire_feed_is_valid_newest_first(
    db: Database, make_client: MakeClient, fmt: str
) -> None:
    await load_examples(db)
    await store_news(db)
    client = await make_client()
    path = f"/feeds/wire.{fmt}"
    status, body, _ = await fetch(client, path)
    assert status == 200
    check_feed(body, fmt, PUBLIC + path)
    found = entries(body, fmt)
    assert [entry["title"] for entry in found] == [
        "A lab opens its weights",
        "Accelerators <b>sell out</b>",
    ]
    assert found[0]["url"] == "https://lab.example/posts/1"
    # A post without a link of its own points at the site, never at nothing.
    assert found[1]["url"] == f"{PUBLIC}/"
    assert found[0]["id"].startswith("tag:feeds.example.test,2026:news/lab-blog/")
    for entry in found:
        assert_inert(entry["html"])
    assert "<script" not in found[0]["html"]
    assert "Plain summary" in found[0]["html"]


async def test_an_empty_wire_feed_is_valid(db: Database, make_client: MakeClient) -> None:
    client = await make_client()
    status, body, _ = await fetch(client, "/feeds/wire.atom")
    assert status == 200
    check_feed(body, "atom", f"{PUBLIC}/feeds/wire.atom")
    assert entries(body, "atom") == []


async def test_new_posts_reach_the_feed_after_a_rebuild(
    db: Database, make_client: MakeClient
) -> None:
    client = await make_client()
    await store_news(db)
    assert await service_of(client).refresh()
    _, body, _ = await fetch(client, "/feeds/wire.json")
    assert len(entries(body, "json")) == 2


async def test_the_issue_page_has_ai_labs_and_from_the_wire(
    db: Database, make_client: MakeClient
) -> None:
    await load_examples(db)
    await store_news(db)
    client = await make_client()
    status, body, _ = await fetch(client, "/issues/2026-11-20")
    assert status == 200
    document = html.fromstring(body)
    headings = [h.text_content() for h in document.xpath("//main//h2")]
    assert headings[-2:] == ["AI Labs", "From the Wire"]
    main = etree.tostring(document.find(".//main"), encoding="unicode")
    assert_inert(main, only_links=False)
    assert document.xpath("//main//a[@href='https://lab.example/posts/1']")
    assert "Accelerators <b>sell out</b>" in document.find(".//main").text_content()
    # The issue of the day before shows no news from later days.
    _, older, _ = await fetch(client, "/issues/2026-11-19")
    assert b"From the Wire" not in older


async def test_the_index_lists_the_wire_feed(db: Database, make_client: MakeClient) -> None:
    client = await make_client()
    _, body, _ = await fetch(client, "/feeds.opml")
    assert f"{PUBLIC}/feeds/wire.atom".encode() in body
