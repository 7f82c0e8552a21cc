"""Benchmark the importer: parse time per report page, and the paper import rate against bare SQL.

Run: python bench/ingest.py [--papers 100000] [--repeat 300]

Prints the median parse time of each report page (aim: under 2 ms), then the rate of importing
generated papers through the importer (parse, upsert and search index, one transaction) beside
the rate of a bare sqlite3 `executemany` of the same rows into the same schema, and the ratio
(aim: 0.5 or more). The bare insert into a table without the search index is printed as well,
for scale.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.ingest import parse_document  # noqa: E402
from core.ingest.store import ingest  # noqa: E402
from storage import Database  # noqa: E402
from storage.identity import normalise_title, paper_key  # noqa: E402
from storage.migrate import upgrade  # noqa: E402

PAGES = sorted((ROOT / "config" / "examples").glob("report-*.txt")) + sorted(
    (ROOT.parent / "shared" / "samples").glob("report-*.txt")
)


def vocabulary(rng: random.Random, size: int = 30_000) -> tuple[list[str], list[float]]:
    """Return invented words and Zipf cumulative weights, so text has a natural word spread."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(rng.choices(letters, k=rng.randint(3, 11))) for _ in range(size)]
    return words, list(accumulate(1 / (rank + 1) ** 1.1 for rank in range(size)))


def paper_list(count: int, seed: int = 7) -> tuple[str, list[tuple[str, str]]]:
    """Return a paper-list page of `count` invented papers, and its (title, abstract) pairs."""
    rng = random.Random(seed)
    words, weights = vocabulary(rng)
    papers = []
    for number in range(count):
        title = " ".join(rng.choices(words, cum_weights=weights, k=9)).capitalize()
        title = f"{title} {number}"
        abstract = " ".join(rng.choices(words, cum_weights=weights, k=150)).capitalize() + "."
        papers.append((title, abstract))
    text = "\n".join(f"{title}\n{abstract}" for title, abstract in papers) + "\n"
    return text, papers


def median_parse_ms(path: Path, repeat: int) -> float:
    data = path.read_bytes()
    parse_document(data)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        parse_document(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


async def importer_seconds(path: Path, text: str) -> float:
    db = Database(f"sqlite:///{path}")
    await upgrade(db)
    start = time.perf_counter()
    await ingest(db, text)
    elapsed = time.perf_counter() - start
    await db.dispose()
    return elapsed


async def migrated(path: Path) -> None:
    db = Database(f"sqlite:///{path}")
    await upgrade(db)
    await db.dispose()


def bare_seconds(path: Path, papers: list[tuple[str, str]], *, without_index: bool) -> float:
    """Insert the same rows with sqlite3's executemany in one transaction."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    if without_index:
        for trigger in ("paper_fts_insert", "paper_fts_update", "paper_fts_delete"):
            conn.execute(f"DROP TRIGGER {trigger}")
        conn.commit()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    rows = [
        (
            paper_key(title=title, arxiv_id=None),
            normalise_title(title),
            title,
            abstract,
            json.dumps({}),
            now,
            now,
        )
        for title, abstract in papers
    ]
    start = time.perf_counter()
    conn.executemany(
        "INSERT INTO paper (key, title_key, title, abstract, links, first_seen_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.commit()
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()

    print("parse, median per report page (aim < 2 ms):")
    for page in PAGES:
        ms = median_parse_ms(page, args.repeat)
        print(f"  {page.name:28} {ms:6.3f} ms   ({ms / 2:.2f} of the 2 ms aim)")

    text, papers = paper_list(args.papers)
    with tempfile.TemporaryDirectory() as folder:
        ours_path, bare_path, plain_path = (Path(folder) / n for n in ("a.db", "b.db", "c.db"))
        ours = asyncio.run(importer_seconds(ours_path, text))
        for path in (bare_path, plain_path):
            asyncio.run(migrated(path))
        bare = bare_seconds(bare_path, papers, without_index=False)
        plain = bare_seconds(plain_path, papers, without_index=True)
        stored = sqlite3.connect(ours_path).execute("SELECT count(*) FROM paper").fetchone()[0]
    if stored != args.papers:
        raise SystemExit(f"the importer stored {stored} papers, not {args.papers}")
    n = args.papers
    print(f"\nimport of {n:,} generated papers into SQLite, search index included:")
    print(f"  importer (parse + upsert + index):   {n / ours:10,.0f} papers/s  ({ours:.2f} s)")
    print(f"  bare executemany, same schema:       {n / bare:10,.0f} papers/s  ({bare:.2f} s)")
    print(f"  ratio importer / bare:               {bare / ours:10.2f}   (aim >= 0.5)")
    print(f"  for scale, bare without the index:   {n / plain:10,.0f} papers/s  ({plain:.2f} s)")
    print(f"  ratio importer / bare without index: {plain / ours:10.2f}")


if __name__ == "__main__":
    main()
