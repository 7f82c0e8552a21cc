"""The shared fetch against a local server: validators, failures, timeouts, the host limit."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

import pytest

from core.sources.http import (
    FetchError,
    HostLimiter,
    HostPolicy,
    HttpClient,
    Validators,
    parse_retry_after,
)
from tests.fakes.sources.server import FakeSources


async def test_second_fetch_with_validators_is_a_304(fake_sources: FakeSources) -> None:
    route = fake_sources.serve("/feed", "<rss/>", last_modified="Tue, 01 Dec 2026 00:00:00 GMT")
    async with HttpClient(timeout=2) as client:
        first = await client.get(fake_sources.url("/feed"), group="h")
        assert (first.status, first.body, first.etag) == (200, b"<rss/>", route.etag)
        second = await client.get(
            fake_sources.url("/feed"), group="h", validators=first.validators()
        )
    assert second.not_modified
    sent = fake_sources.hits("/feed")[1].headers
    assert sent["If-None-Match"] == route.etag
    assert sent["If-Modified-Since"] == route.last_modified


async def test_validators_of_another_url_are_not_sent(fake_sources: FakeSources) -> None:
    fake_sources.serve("/feed", "<rss/>")
    stale = Validators(fake_sources.url("/other"), '"x"', "Mon, 30 Nov 2026 00:00:00 GMT")
    async with HttpClient(timeout=2) as client:
        answer = await client.get(fake_sources.url("/feed"), group="h", validators=stale)
    assert answer.status == 200
    assert "If-None-Match" not in fake_sources.hits("/feed")[0].headers


async def test_429_reports_retry_after(fake_sources: FakeSources) -> None:
    fake_sources.serve("/busy", "", mode="status", status=429, retry_after="120")
    async with HttpClient(timeout=2) as client:
        with pytest.raises(FetchError, match="HTTP 429") as caught:
            await client.get(fake_sources.url("/busy"), group="h")
    assert caught.value.retry_after == 120


async def test_500_is_a_fetch_error(fake_sources: FakeSources) -> None:
    fake_sources.serve("/down", "", mode="status", status=500)
    async with HttpClient(timeout=2) as client:
        with pytest.raises(FetchError, match="HTTP 500"):
            await client.get(fake_sources.url("/down"), group="h")


async def test_a_slow_server_times_out(fake_sources: FakeSources) -> None:
    fake_sources.serve("/slow", "<rss/>", delay=1.0)
    async with HttpClient(timeout=0.2) as client:
        with pytest.raises(FetchError, match=r"timed out after 0\.2 s"):
            await client.get(fake_sources.url("/slow"), group="h")


async def test_a_truncated_body_is_an_error(fake_sources: FakeSources) -> None:
    fake_sources.serve("/cut", "<rss>" + "x" * 5000 + "</rss>", mode="truncated")
    async with HttpClient(timeout=2) as client:
        with pytest.raises(FetchError, match=r"truncated|connection"):
            await client.get(fake_sources.url("/cut"), group="h")


async def test_an_oversized_body_is_refused(fake_sources: FakeSources) -> None:
    fake_sources.serve("/big", "x" * 200_000)
    async with HttpClient(timeout=2, max_body_bytes=100_000) as client:
        with pytest.raises(FetchError, match="larger than"):
            await client.get(fake_sources.url("/big"), group="h")


async def test_a_host_group_gets_one_connection_and_spaced_requests(
    fake_sources: FakeSources,
) -> None:
    fake_sources.serve("/a", "a", delay=0.05)
    limiter = HostLimiter({"arxiv": HostPolicy(connections=1, min_interval=0.3)})
    async with HttpClient(timeout=5, limiter=limiter) as client:
        await asyncio.gather(*(client.get(fake_sources.url("/a"), group="arxiv") for _ in range(3)))
    starts = sorted(seen.started for seen in fake_sources.hits("/a"))
    assert fake_sources.most_active == 1
    assert all(later - earlier >= 0.28 for earlier, later in itertools.pairwise(starts))


async def test_other_groups_are_not_held_back(fake_sources: FakeSources) -> None:
    fake_sources.serve("/a", "a", delay=0.3)
    limiter = HostLimiter({"arxiv": HostPolicy(connections=1, min_interval=3.0)})
    async with HttpClient(timeout=5, limiter=limiter) as client:
        await asyncio.gather(*(client.get(fake_sources.url("/a"), group=g) for g in ("x", "y")))
    assert fake_sources.most_active == 2


def test_retry_after_as_seconds_or_date() -> None:
    now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    assert parse_retry_after("30", now=now) == 30
    assert parse_retry_after("Tue, 01 Dec 2026 12:02:00 GMT", now=now) == 120
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None, now=now) is None
