"""Rebuilt once per change, never per request; always complete; the hub told after a change."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import event

from core.ingest.store import ingest
from storage import Database
from tests.feeds.support import (
    EXAMPLES,
    FIRST,
    HOSTILE,
    PROJECT,
    PUBLIC,
    SECOND,
    MakeClient,
    check_feed,
    entries,
    eventually,
    fetch,
    free_port,
    load_examples,
    report_of,
    service_of,
)


@contextmanager
def counted_statements(db: Database) -> Iterator[list[str]]:
    """Record the SQL statements the database runs inside the block."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


def issue_id(date: dt.date) -> str:
    return f"tag:feeds.example.test,2026:issue/{date.isoformat()}"


async def test_a_feed_requested_while_imports_rewrite_it_is_always_complete(
    db: Database, make_client: MakeClient
) -> None:
    client = await make_client(feed_refresh_seconds=0.01)
    service = service_of(client)
    dates = [dt.date(2026, 10, day) for day in range(1, 9)]
    path = "/feeds/issues.atom"
    seen: list[tuple[bytes, str]] = []
    done = asyncio.Event()

    async def reader() -> None:
        while not done.is_set():
            status, body, headers = await fetch(client, path)
            assert status == 200
            seen.append((body, headers["ETag"]))

    readers = [asyncio.create_task(reader()) for _ in range(8)]
    for index, date in enumerate(dates):
        await ingest(db, report_of(date))
        if index % 2:  # the others are left for the poll to notice
            service.notify_changed()
        await asyncio.sleep(0.03)

    async def has_all() -> bool:
        _, body, _ = await fetch(client, path)
        return len(entries(body, "atom")) == len(dates)

    await eventually(has_all)
    done.set()
    await asyncio.gather(*readers)

    # Every body is whole: its ETag is its own digest, it parses, and it is a state the data
    # was in: the first k issues imported, newest first. Equal bytes are checked once.
    versions: dict[str, bytes] = {}
    for body, etag in seen:
        assert etag == f'"{hashlib.sha256(body).hexdigest()}"'
        versions[etag] = body
    for body in versions.values():
        check_feed(body, "atom", PUBLIC + path)
        ids = [item["id"] for item in entries(body, "atom")]
        assert ids == [issue_id(date) for date in reversed(dates[: len(ids)])]
    assert len(versions) >= 3, "the readers saw the feed change while they read it"
    assert len(seen) > 10 * service.rebuilds, "feeds are rebuilt per change, not per request"
    assert service.rebuilds <= len(dates) + 2


async def test_requests_between_changes_never_touch_the_database(
    db: Database, make_client: MakeClient
) -> None:
    await load_examples(db)
    client = await make_client(feed_page_size=1)
    with counted_statements(db) as first:
        status, page2, _ = await fetch(client, "/feeds/papers.atom?page=2")
    assert status == 200 and first, "built on first request"
    with counted_statements(db) as again:
        for path in ("/feeds/issues.atom", "/feeds/papers.atom?page=2", "/", "/feeds.opml"):
            for _ in range(5):
                status, _, _ = await fetch(client, path)
                assert status == 200
    assert again == []
    # Concurrent first requests for one page share one build.
    with counted_statements(db) as concurrent:
        results = await asyncio.gather(
            *(fetch(client, "/feeds/papers.atom?page=3") for _ in range(20))
        )
    assert {body for _, body, _ in results} != {page2}
    assert len({body for _, body, _ in results}) == 1
    assert len(concurrent) == len(first)


async def test_an_import_by_another_process_is_noticed_by_the_poll(
    db: Database, make_client: MakeClient
) -> None:
    client = await make_client(feed_refresh_seconds=0.05)
    _, body, _ = await fetch(client, "/feeds/issues.rss")
    assert entries(body, "rss") == []
    url = db.engine.url.render_as_string(hide_password=False)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli",
        "ingest",
        str(EXAMPLES / "report-2026-11-19.txt"),
        cwd=PROJECT,
        env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    assert process.returncode == 0, err.decode()

    async def updated() -> bool:
        _, body, _ = await fetch(client, "/feeds/issues.rss")
        return [item["id"] for item in entries(body, "rss")] == [issue_id(dt.date(2026, 11, 19))]

    await eventually(updated)
    # Pages built on request follow the new data as well.
    status, _, _ = await fetch(client, "/issues/2026-11-19")
    assert status == 200


async def test_a_stale_page_is_served_while_it_is_rebuilt(
    db: Database, make_client: MakeClient
) -> None:
    await load_examples(db)
    client = await make_client()
    _, before, _ = await fetch(client, "/issues/2026-11-19")
    corrected = FIRST.replace("Serving costs keep falling", "Serving costs keep dropping")
    await ingest(db, corrected)
    assert await service_of(client).refresh()
    _, stale, _ = await fetch(client, "/issues/2026-11-19")
    assert stale == before, "the previous complete page while its rebuild runs"

    async def rebuilt() -> bool:
        _, body, _ = await fetch(client, "/issues/2026-11-19")
        return b"Serving costs keep dropping" in body

    await eventually(rebuilt)


class FakeHub:
    """A WebSub hub on 127.0.0.1 that records the publish pings it gets."""

    def __init__(self, delay: float = 0.0) -> None:
        self.pings: list[dict[str, str]] = []
        self.delay = delay
        self.app = web.Application()
        self.app.router.add_post("/hub", self.receive)

    async def receive(self, request: web.Request) -> web.Response:
        form = await request.post()
        await asyncio.sleep(self.delay)
        self.pings.append({key: str(value) for key, value in form.items()})
        return web.Response(status=204)


async def test_the_hub_is_announced_and_pinged_after_a_change(
    db: Database, make_client: MakeClient
) -> None:
    await load_examples(db)
    hub = FakeHub()
    async with TestServer(hub.app) as server:
        hub_url = str(server.make_url("/hub"))
        client = await make_client(websub_hub_url=hub_url)
        _, body, headers = await fetch(client, "/feeds/issues.atom")
        assert f'<link href="{hub_url}" rel="hub"/>'.encode() in body
        assert f'<{hub_url}>; rel="hub"' in headers["Link"]
        _, body, _ = await fetch(client, "/feeds/issues.rss")
        assert f'<atom:link href="{hub_url}" rel="hub"/>'.encode() in body
        _, body, _ = await fetch(client, "/feeds/issues.json")
        assert f'"hubs":[{{"type":"WebSub","url":"{hub_url}"}}]'.encode() in body

        service = service_of(client)
        await ingest(db, SECOND.replace("November 20, 2026", "November 22, 2026"))
        assert await service.refresh()
        assert service.pinger is not None
        await service.pinger.drain()
        # Only the issues feed changed: the papers and tables of the 22nd are those of the 20th.
        assert sorted(ping["hub.url"] for ping in hub.pings) == [
            f"{PUBLIC}/feeds/issues.atom",
            f"{PUBLIC}/feeds/issues.json",
            f"{PUBLIC}/feeds/issues.rss",
        ]
        assert {ping["hub.mode"] for ping in hub.pings} == {"publish"}

        hub.pings.clear()
        await ingest(db, FIRST)
        assert not await service.refresh(), "an unchanged re-import rebuilds nothing"
        await service.pinger.drain()
        assert hub.pings == []

        # A paper in a new category: its feed is new to the published set, and pinged too.
        await ingest(db, HOSTILE)
        assert await service.refresh()
        await service.pinger.drain()
        topics = {ping["hub.url"].removeprefix(PUBLIC) for ping in hub.pings}
        # The table of the 21st moved by less than the threshold: no leaderboard entry, no ping.
        assert topics == {
            f"{stem}.{fmt}"
            for stem in ("/feeds/issues", "/feeds/papers", "/feeds/papers/cs.CR")
            for fmt in ("rss", "atom", "json")
        }


@pytest.mark.parametrize("kind", ["refused", "slow"])
async def test_a_failing_hub_is_logged_and_never_holds_up_a_rebuild(
    db: Database, make_client: MakeClient, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    caplog.set_level(logging.WARNING, logger="feeds.websub")
    hub = FakeHub(delay=5.0)
    async with TestServer(hub.app) as server:
        hub_url = str(server.make_url("/hub"))
        if kind == "refused":
            hub_url = f"http://127.0.0.1:{free_port()}/hub"
        client = await make_client(websub_hub_url=hub_url, websub_timeout_seconds=0.3)
        service = service_of(client)
        await ingest(db, FIRST)
        started = asyncio.get_running_loop().time()
        assert await service.refresh()
        assert asyncio.get_running_loop().time() - started < 2.0
        _, body, _ = await fetch(client, "/feeds/issues.atom")
        assert [item["id"] for item in entries(body, "atom")] == [issue_id(dt.date(2026, 11, 19))]
        assert service.pinger is not None
        await service.pinger.drain()
    failures = [r for r in caplog.records if "WebSub hub ping" in r.getMessage()]
    assert failures, "each failed ping is logged"
    assert all(r.levelno == logging.WARNING for r in failures)
