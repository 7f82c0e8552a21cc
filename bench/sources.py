"""Benchmark the sources: reading the biggest answers, and storing a full arXiv API page.

Run: python bench/sources.py [--entries 2000] [--items 800] [--repeat 5]

Prints the median time to read an arXiv API answer of `--entries` entries (arXiv's largest page)
and a lab feed of `--items` posts (OpenAI's feed carries its whole history, about 800), each
beside bare `feedparser.parse` of the same bytes (the reference: reading our way adds identity,
links and plain-text summaries) with the ratio reference/ours (aim: 0.8 or more). Then the time
to store the API page into a fresh SQLite database (new papers), and again (all known).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import feedparser  # noqa: E402

from core.sources import arxiv, news  # noqa: E402
from core.sources.registry import parse_sources  # noqa: E402
from core.sources.store import store_found  # noqa: E402
from storage import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.fakes.sources import payloads  # noqa: E402

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def timed(work: Callable[[], object], repeat: int) -> float:
    """Return the median seconds of `work` over `repeat` runs."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def api_body(entries: int) -> bytes:
    """Return an API answer of `entries` invented papers."""
    return payloads.arxiv_api(
        [
            payloads.arxiv_entry(
                f"2611.{number:05d}",
                f"Paper number {number} on serving",
                abstract="We study batching. " * 40,
            )
            for number in range(entries)
        ]
    ).encode()


def feed_body(items: int) -> bytes:
    """Return a lab feed of `items` posts with HTML descriptions."""
    return payloads.rss_news(
        [
            (
                f"Post {number}",
                f"https://lab.example/posts/{number}",
                "&lt;p&gt;We &lt;b&gt;released&lt;/b&gt; a model.&lt;/p&gt;" * 10,
                "Mon, 30 Nov 2026 10:00:00 GMT",
            )
            for number in range(items)
        ]
    ).encode()


async def store_twice(body: bytes) -> tuple[float, float]:
    """Return the seconds to store an API page into a fresh database, then again."""
    spec = parse_sources(
        {
            "sources": [
                {"name": "api", "kind": "arxiv-api", "url": "https://a.example/", "query": "x"}
            ]
        }
    ).sources[0]
    found = arxiv.parse_api(body)
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        await upgrade(db)
        spent = []
        for _ in range(2):
            started = time.perf_counter()
            async with db.transaction() as session:
                await store_found(session, spec=spec, found=found, now=NOW)
            spent.append(time.perf_counter() - started)
        await db.dispose()
    return spent[0], spent[1]


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--items", type=int, default=800)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    api = api_body(options.entries)
    feed = feed_body(options.items)
    print(f"arXiv API page of {options.entries} entries ({len(api) / 1e6:.1f} MB):")
    ours = timed(lambda: arxiv.parse_api(api), options.repeat)
    bare = timed(lambda: feedparser.parse(api), options.repeat)
    print(
        f"  ours {ours * 1000:8.1f} ms   feedparser {bare * 1000:8.1f} ms   ratio {bare / ours:.2f}"
    )
    print(f"lab feed of {options.items} posts ({len(feed) / 1e6:.1f} MB):")
    ours = timed(lambda: news.parse_news(feed, now=NOW), options.repeat)
    bare = timed(lambda: feedparser.parse(feed), options.repeat)
    print(
        f"  ours {ours * 1000:8.1f} ms   feedparser {bare * 1000:8.1f} ms   ratio {bare / ours:.2f}"
    )
    first, again = asyncio.run(store_twice(api))
    print(f"store {options.entries} papers: new {first * 1000:.0f} ms, known {again * 1000:.0f} ms")


if __name__ == "__main__":
    main()
