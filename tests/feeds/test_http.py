"""HTTP as a feed reader uses it: types, validators, 304s, gzip, HEAD, one address per feed."""

from __future__ import annotations

import gzip
import hashlib
from email.utils import format_datetime, parsedate_to_datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer

from config import Settings
from feeds.app import create_app
from feeds.http import wants_gzip
from storage import Database
from tests.feeds.support import PUBLIC, MakeClient, fetch, load_examples

TYPES = {
    "/feeds/issues.rss": "application/rss+xml; charset=utf-8",
    "/feeds/issues.atom": "application/atom+xml; charset=utf-8",
    "/feeds/issues.json": "application/feed+json; charset=utf-8",
    "/feeds/papers/cs.DC.atom": "application/atom+xml; charset=utf-8",
    "/feeds.opml": "text/x-opml; charset=utf-8",
    "/": "text/html; charset=utf-8",
    "/issues/2026-11-19": "text/html; charset=utf-8",
}


async def test_each_format_has_its_content_type_and_caching_headers(
    db: Database, make_client: MakeClient
) -> None:
    await load_examples(db)
    client = await make_client(feed_max_age=120)
    for path, content_type in TYPES.items():
        status, body, headers = await fetch(client, path)
        assert status == 200, path
        assert headers["Content-Type"] == content_type
        assert headers["Cache-Control"] == "public, max-age=120"
        # A strong ETag computed from the bytes, and a date a reader can send back.
        assert headers["ETag"] == f'"{hashlib.sha256(body).hexdigest()}"'
        assert parsedate_to_datetime(headers["Last-Modified"]).tzinfo is not None
        assert headers["Vary"] == "Accept-Encoding"


async def test_if_none_match_alone_answers_304_and_a_stale_etag_200(
    db: Database, make_client: MakeClient
) -> None:
    await load_examples(db)
    client = await make_client()
    _, body, headers = await fetch(client, "/feeds/issues.atom")
    status, empty, not_modified = await fetch(
        client, "/feeds/issues.atom", **{"If-None-Match": headers["ETag"]}
    )
    assert (status, empty) == (304, b"")
    assert not_modified["ETag"] == headers["ETag"]
    assert not_modified["Cache-Control"] == headers["Cache-Control"]
    listed = f'"something-else", W/{headers["ETag"]}'
    status, _, _ = await fetch(client, "/feeds/issues.atom", **{"If-None-Match": listed})
    assert status == 304, "If-None-Match compares weakly and takes a list"
    status, again, _ = await fetch(client, "/feeds/issues.atom", **{"If-None-Match": '"stale"'})
    assert (status, again) == (200, body)


async def test_if_modified_since_alone_answers_304_and_an_earlier_date_200(
    db: Database, make_client: MakeClient
) -> None:
    await load_examples(db)
    client = await make_client()
    _, body, headers = await fetch(client, "/feeds/papers.rss")
    since = headers["Last-Modified"]
    status, empty, _ = await fetch(client, "/feeds/papers.rss", **{"If-Modified-Since": since})
    assert (status, empty) == (304, b"")
    earlier = format_datetime(parsedate_to_datetime(since).replace(year=2025), usegmt=True)
    status, again, _ = await fetch(client, "/feeds/papers.rss", **{"If-Modified-Since": earlier})
    assert (status, again) == (200, body)
    status, _, _ = await fetch(client, "/feeds/papers.rss", **{"If-Modified-Since": "yesterday"})
    assert status == 200, "an unreadable date is ignored"


async def test_if_none_match_decides_when_both_validators_are_sent(
    db: Database, make_client: MakeClient
) -> None:
    await load_examples(db)
    client = await make_client()
    _, _, headers = await fetch(client, "/feeds/issues.json")
    current = {"If-Modified-Since": headers["Last-Modified"]}
    status, _, _ = await fetch(client, "/feeds/issues.json", **current, **{"If-None-Match": '"x"'})
    assert status == 200, "a changed ETag wins over a current date"
    old = {"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"}
    status, _, _ = await fetch(
        client, "/feeds/issues.json", **old, **{"If-None-Match": headers["ETag"]}
    )
    assert status == 304, "a current ETag wins over an old date"


async def test_gzip_when_asked_with_its_own_strong_etag(
    db: Database, make_client: MakeClient
) -> None:
    await load_examples(db)
    client = await make_client()
    _, identity, plain = await fetch(client, "/feeds/issues.rss")
    async with client.get(
        "/feeds/issues.rss", headers={"Accept-Encoding": "gzip, br"}, auto_decompress=False
    ) as response:
        compressed = await response.read()
        assert response.headers["Content-Encoding"] == "gzip"
        gz_etag = response.headers["ETag"]
    assert gzip.decompress(compressed) == identity
    assert gz_etag != plain["ETag"] and gz_etag.endswith('-gz"')
    # Either variant's ETag names a current copy.
    status, _, _ = await fetch(
        client, "/feeds/issues.rss", **{"Accept-Encoding": "gzip", "If-None-Match": plain["ETag"]}
    )
    assert status == 304
    status, _, headers = await fetch(client, "/feeds/issues.rss", **{"Accept-Encoding": "gzip;q=0"})
    assert status == 200 and "Content-Encoding" not in headers


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ("gzip", True),
        ("deflate, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("GZIP; Q=1", True),
        ("*", True),
        ("*;q=0", False),
        ("gzip;q=0, *", False),
        ("identity", False),
        ("gzip;q=nonsense", False),
    ],
)
def test_accept_encoding_is_read_as_rfc_9110_says(header: str | None, expected: bool) -> None:
    assert wants_gzip(header) is expected


async def test_head_has_the_headers_of_get_and_no_body(
    db: Database, make_client: MakeClient
) -> None:
    await load_examples(db)
    client = await make_client()
    _, body, headers = await fetch(client, "/feeds/issues.atom")
    async with client.head("/feeds/issues.atom", headers={"Accept-Encoding": "identity"}) as head:
        assert head.status == 200
        assert await head.read() == b""
        assert head.headers["ETag"] == headers["ETag"]
        assert head.headers["Content-Type"] == headers["Content-Type"]
        assert int(head.headers["Content-Length"]) == len(body)
    async with client.head("/", headers={"If-None-Match": headers["ETag"]}) as head:
        assert head.status == 200, "another resource's ETag is no match"


async def test_one_address_per_feed(db: Database, make_client: MakeClient) -> None:
    await load_examples(db)
    client = await make_client()
    for asked, canonical in [
        ("/feeds/issues.atom?page=1", "/feeds/issues.atom"),
        ("/feeds/issues.atom?utm_source=x", "/feeds/issues.atom"),
        ("/feeds/papers/search.rss?page=1&q=batching", "/feeds/papers/search.rss?q=batching"),
        ("/feeds/papers/search.rss?q=%20batching%20", "/feeds/papers/search.rss?q=batching"),
    ]:
        status, _, headers = await fetch(client, asked)
        assert (status, headers["Location"]) == (301, PUBLIC + canonical)


async def test_bad_queries_get_an_answer_a_person_can_act_on(
    db: Database, make_client: MakeClient
) -> None:
    client = await make_client()
    for path, says in [
        ("/feeds/issues.rss?page=0", b"page should be a whole number from 1"),
        ("/feeds/issues.rss?page=two", b"page should be a whole number from 1"),
        ("/feeds/papers/search.atom", b"/feeds/papers/search.atom?q=batching"),
        ("/feeds/papers/search.atom?q=%22%22", b"/feeds/papers/search.atom?q=batching"),
        ("/feeds/papers/search.atom?q=" + "a" * 201, b"at most 200 characters"),
    ]:
        status, body, _ = await fetch(client, path)
        assert status == 400, path
        assert says in body


async def test_unknown_addresses_get_the_404_page(db: Database, make_client: MakeClient) -> None:
    await load_examples(db)
    client = await make_client()
    for path in (
        "/nothing-here",
        "/issues/2026-13-45",
        "/issues/2030-01-01",
        "/issues/20261119",
        "/papers/no-such-paper",
        "/leaderboards/no-such-board",
        "/feeds/papers/not%20a%20category.rss",
        "/feeds/issues.xml",
    ):
        status, body, headers = await fetch(client, path)
        assert status == 404, path
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert b"<h1>Not found</h1>" in body


async def test_the_hub_and_self_links_are_in_the_link_header(db: Database) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        public_url=PUBLIC + "/",
        websub_hub_url="https://hub.example.test/",
    )
    async with TestClient(TestServer(create_app(settings, db))) as client:
        _, _, headers = await fetch(client, "/feeds/issues.atom")
    assert headers["Link"] == (
        f'<https://hub.example.test/>; rel="hub", <{PUBLIC}/feeds/issues.atom>; rel="self"'
    )
