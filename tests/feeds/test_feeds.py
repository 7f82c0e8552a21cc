"""What a reader subscribes to: every feed valid, ids stable, order and dates right, paged."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote

import pytest
from lxml import etree, html

from core.ingest.store import ingest
from storage import Database
from tests.feeds.support import (
    FIRST,
    PUBLIC,
    SECOND,
    MakeClient,
    check_feed,
    entries,
    feed_links,
    fetch,
    load_examples,
    refreshed,
    report_of,
)

FORMATS = ("rss", "atom", "json")
ISSUE_IDS = [
    "tag:feeds.example.test,2026:issue/2026-11-20",
    "tag:feeds.example.test,2026:issue/2026-11-19",
]


@pytest.mark.parametrize("fmt", FORMATS)
async def test_every_feed_is_valid_at_its_own_address(
    db: Database, make_client: MakeClient, fmt: str
) -> None:
    await load_examples(db)
    client = await make_client()
    paths = [
        f"/feeds/issues.{fmt}",
        f"/feeds/papers.{fmt}",
        f"/feeds/papers/cs.DC.{fmt}",
        f"/feeds/papers/cs.LG.{fmt}",
        f"/feeds/papers/search.{fmt}?q=batching",
        f"/feeds/leaderboards/swe-rebench.{fmt}",
        f"/feeds/leaderboards/artificial-analysis.{fmt}",
    ]
    for path in paths:
        status, body, _ = await fetch(client, path)
        assert status == 200, path
        check_feed(body, fmt, PUBLIC + path)
        assert entries(body, fmt), f"{path} has no entries"


@pytest.mark.parametrize("fmt", FORMATS)
async def test_an_empty_database_gives_valid_empty_feeds(
    db: Database, make_client: MakeClient, fmt: str
) -> None:
    client = await make_client()
    for path in (f"/feeds/issues.{fmt}", f"/feeds/papers.{fmt}", f"/feeds/papers/cs.DC.{fmt}"):
        status, body, _ = await fetch(client, path)
        assert status == 200
        check_feed(body, fmt, PUBLIC + path)
        assert entries(body, fmt) == []


@pytest.mark.parametrize("fmt", FORMATS)
async def test_issues_come_newest_first_with_their_full_content(
    db: Database, make_client: MakeClient, fmt: str
) -> None:
    await load_examples(db)
    client = await make_client()
    _, body, _ = await fetch(client, f"/feeds/issues.{fmt}")
    found = entries(body, fmt)
    assert [item["id"] for item in found] == ISSUE_IDS
    assert [item["url"] for item in found] == [
        f"{PUBLIC}/issues/2026-11-20",
        f"{PUBLIC}/issues/2026-11-19",
    ]
    assert [item["published"] for item in found] == [
        dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 19, tzinfo=dt.UTC),
    ]
    newest = html.fromstring(found[0]["html"])
    text = newest.text_content()
    assert "One day later the index has a new leader" in text
    assert "Prefix Sharing Across Tenants in Batched Inference" in text
    assert "Ada Lindqvist" in text
    # Both tables, each with the movement since the day before.
    rows = [[cell.text_content() for cell in row.xpath("td")] for row in newest.xpath("//tr")]
    assert ["1", "Lumen Pro 2", "62.3", "140", "$4.20", "▲1"] in rows
    assert ["5", "Sable 2 Flash", "55.5", "412", "$0.30", "new"] in rows
    assert ["2", "kestrel-4.1-2026-10-02-high", "65.2", "="] in rows


@pytest.mark.parametrize("fmt", FORMATS)
async def test_reimporting_keeps_ids_and_a_correction_bumps_updated(
    db: Database, make_client: MakeClient, fmt: str
) -> None:
    await load_examples(db)
    client = await make_client()
    path = f"/feeds/issues.{fmt}"
    _, before, headers = await fetch(client, path)

    await ingest(db, FIRST)
    await ingest(db, SECOND)
    await refreshed(client)
    _, again, again_headers = await fetch(client, path)
    assert again == before, "an identical re-import changes nothing a reader sees"
    assert again_headers["ETag"] == headers["ETag"]

    corrected = FIRST.replace("Serving costs keep falling", "Serving costs keep dropping")
    await ingest(db, corrected)
    await refreshed(client)
    _, after, after_headers = await fetch(client, path)
    old, new = entries(before, fmt), entries(after, fmt)
    assert [item["id"] for item in new] == [item["id"] for item in old] == ISSUE_IDS
    assert [item["published"] for item in new] == [item["published"] for item in old]
    assert "Serving costs keep dropping" in new[1]["html"]
    assert after_headers["ETag"] != headers["ETag"]
    if fmt != "rss":  # RSS has no per-item update time
        assert new[1]["updated"] > old[1]["updated"]
        assert new[0]["updated"] == old[0]["updated"]


@pytest.mark.parametrize("fmt", FORMATS)
async def test_long_feeds_are_paged_with_rfc5005_links(
    db: Database, make_client: MakeClient, fmt: str
) -> None:
    for day in range(1, 6):
        await ingest(db, report_of(dt.date(2026, 10, day)))
    client = await make_client(feed_page_size=2)
    ids: list[str] = []
    path = f"/feeds/issues.{fmt}"
    pages = [path, f"{path}?page=2", f"{path}?page=3"]
    for number, page in enumerate(pages, start=1):
        status, body, _ = await fetch(client, page)
        assert status == 200
        check_feed(body, fmt, PUBLIC + page)
        links = feed_links(body, fmt)
        if number < 3:
            assert links["next"] == PUBLIC + pages[number]
        else:
            assert "next" not in links
        if fmt != "json":
            assert links["first"] == PUBLIC + path
            assert links["last"] == PUBLIC + pages[-1]
            if number > 1:
                assert links["previous"] == PUBLIC + pages[number - 2]
        ids.extend(item["id"] for item in entries(body, fmt))
    assert ids == [f"tag:feeds.example.test,2026:issue/2026-10-0{day}" for day in (5, 4, 3, 2, 1)]
    status, _, _ = await fetch(client, f"{path}?page=4")
    assert status == 404


async def test_papers_have_unique_dates_newest_first_across_pages(
    db: Database, make_client: MakeClient
) -> None:
    await load_examples(db)
    client = await make_client(feed_page_size=2)
    found = []
    for page in ("/feeds/papers.atom", "/feeds/papers.atom?page=2", "/feeds/papers.atom?page=3"):
        status, body, _ = await fetch(client, page)
        assert status == 200
        found.extend(entries(body, "atom"))
    titles = [html.fromstring(item["html"]).text_content() for item in found]
    assert len(found) == 5
    dates = [item["published"] for item in found]
    assert dates == sorted(dates, reverse=True) and len(set(dates)) == 5
    # Papers first seen in the 20 November issue come first, those of the 19th after.
    assert [d.date() for d in dates] == [dt.date(2026, 11, 20)] * 2 + [dt.date(2026, 11, 19)] * 3
    assert all(titles)


async def test_a_category_feed_has_only_that_category(
    db: Database, make_client: MakeClient
) -> None:
    await load_examples(db)
    client = await make_client()
    _, body, _ = await fetch(client, "/feeds/papers/cs.LG.rss")
    root = etree.fromstring(body)
    categories = [item.findtext("category") for item in root.iter("item")]
    assert categories == ["cs.LG", "cs.LG"]
    _, body, _ = await fetch(client, "/feeds/papers/q-bio.NC.rss")
    assert entries(body, "rss") == [], "a category with no paper yet is an empty, valid feed"


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_saved_search_follows_a_topic(
    db: Database, make_client: MakeClient, fmt: str
) -> None:
    await load_examples(db)
    client = await make_client(feed_page_size=1)
    path = f"/feeds/papers/search.{fmt}?q={quote('batching')}"
    status, body, _ = await fetch(client, path)
    assert status == 200
    check_feed(body, fmt, PUBLIC + path)
    first = entries(body, fmt)
    assert len(first) == 1
    assert feed_links(body, fmt)["next"] == PUBLIC + path + "&page=2"
    _, body, _ = await fetch(client, path + "&page=2")
    second = entries(body, fmt)
    assert "next" not in feed_links(body, fmt)
    # Every word must match: both batching papers, newest first, and no other.
    assert [item["title"] for item in first + second] == [
        "Prefix Sharing Across Tenants in Batched Inference",
        "Speculative Batching for Long-Context Decoding",
    ]
    status, _, _ = await fetch(client, path + "&page=3")
    assert status == 404


async def test_a_search_of_several_words_keeps_them_in_its_address(
    db: Database, make_client: MakeClient
) -> None:
    await load_examples(db)
    client = await make_client()
    path = "/feeds/papers/search.atom?q=long%20context%20decoding"
    status, body, _ = await fetch(client, path)
    assert status == 200
    check_feed(body, "atom", PUBLIC + path)
    assert [item["title"] for item in entries(body, "atom")] == [
        "Speculative Batching for Long-Context Decoding"
    ]
    # Another spelling of the same search is sent to the one address, so self always matches.
    status, _, headers = await fetch(client, "/feeds/papers/search.atom?q=long+context++decoding")
    assert (status, headers["Location"]) == (301, PUBLIC + path)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_leaderboard_feed_has_one_entry_per_day_with_changes(
    db: Database, make_client: MakeClient, fmt: str
) -> None:
    await load_examples(db)
    # A third day on which the index table did not move: no entry for it.
    third = SECOND.replace("November 20, 2026", "November 22, 2026")
    await ingest(db, third)
    client = await make_client()
    _, body, _ = await fetch(client, f"/feeds/leaderboards/artificial-analysis.{fmt}")
    found = entries(body, fmt)
    assert [item["id"] for item in found] == [
        "tag:feeds.example.test,2026:leaderboard/artificial-analysis/2026-11-20"
    ]
    assert found[0]["url"] == f"{PUBLIC}/leaderboards/artificial-analysis#changes-2026-11-20"
    changes = [li.text_content() for li in html.fromstring(found[0]["html"]).xpath("//li")]
    assert changes == [
        "Lumen Pro 2 is the new #1 (62.3)",
        "Orion 3.2 moves from #1 to #2",
        "Sable 2 Flash enters the top 5 at #5 (55.5)",
        "Quill K3.1 leaves the top 5 (was #5)",
    ]
    assert found[0]["title"] == (
        "Artificial Analysis Intelligence Index, 2026-11-20: "
        "Lumen Pro 2 is the new #1 (62.3) and 3 more"
    )


async def test_leaderboard_thresholds_are_settings(db: Database, make_client: MakeClient) -> None:
    await load_examples(db)
    default = await make_client()
    _, body, _ = await fetch(default, "/feeds/leaderboards/swe-rebench.json")
    (item,) = json.loads(body)["items"]
    assert [li.text_content() for li in html.fromstring(item["content_html"]).xpath("//li")] == [
        "Sable 2 Flash enters the top 5 at #5 (61.8)",
        "Nimbus 7.5 leaves the top 5 (was #5)",
    ]
    # In a top 3, nothing entered or left; kestrel's 0.3 rise counts once the threshold is 0.2.
    narrow = await make_client(feed_top_n=3, feed_score_threshold=0.2)
    _, body, _ = await fetch(narrow, "/feeds/leaderboards/swe-rebench.json")
    (item,) = json.loads(body)["items"]
    assert [li.text_content() for li in html.fromstring(item["content_html"]).xpath("//li")] == [
        "kestrel-4.1-2026-10-02-high moves +0.3 to 65.2 (#2 → #2)"
    ]


async def test_an_unknown_leaderboard_is_not_found(db: Database, make_client: MakeClient) -> None:
    await load_examples(db)
    client = await make_client()
    status, body, headers = await fetch(client, "/feeds/leaderboards/no-such-board.atom")
    assert status == 404
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"no leaderboard called" in body
