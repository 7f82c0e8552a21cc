"""Benchmark paper search at a million papers on SQLite and PostgreSQL.

Run: python bench/search.py [--papers 1000000] [--backend sqlite|postgresql|both]
     [--pg-url postgresql://postgres@127.0.0.1:5432/test] [--quality 60]
     [--sqlite-path PATH] [--pg-keep DBNAME]

Generates a reproducible corpus (invented words with a Zipf-like spread; 10-word titles,
150-word abstracts, eight categories, three years of dates), imports it through `upsert_papers`
in transactions of 50,000 papers (streamed, so memory stays bounded), and prints per backend:
the import time (in the storage layer: the transactions less the generating of papers inside
them; and wall time with generation), the database size, p50/p99 of `find_papers` (top ten,
with extracts, as /paper asks) over a fixed set of 200 queries, and the process's peak memory.
The queries are one to three words from the corpus's own vocabulary across frequency bands; the
number that match 10% or more of the corpus is printed.
Quality: for a sample of the queries, the top ten is compared with the database's full ranking
of every match (FTS5 bm25 on SQLite, ts_rank on PostgreSQL): mean overlap@10 and the share of
identical top tens.
Aim: p99 <= 20 ms per database, import of the million <= 3 minutes on SQLite, peak < 200 MB.
Databases go under /tmp (SQLite) or into a scratch database that is dropped afterwards (PG);
`--sqlite-path` and `--pg-keep` keep them instead, and a later run with the same name reuses the
imported corpus (it must have been imported with the same --papers).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from itertools import accumulate
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage import Database  # noqa: E402
from storage import search as search_module  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.queries.papers import PaperInput, upsert_papers  # noqa: E402
from storage.search import find_papers  # noqa: E402

VOCABULARY = 60_000
# Papers per import transaction, as a backfill would commit them; read a chunk at a time.
BATCH = 50_000
QUERIES = 200
CATEGORIES = ("cs.LG", "cs.CL", "cs.CV", "cs.AI", "cs.DC", "cs.IR", "stat.ML", "cs.RO")
EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
AIM_MS = 20.0
# Seconds spent generating papers. The papers are generated as the import reads them (so memory
# stays bounded), inside the timed transactions: this is taken out of the storage time.
GENERATING = [0.0]


def vocabulary(seed: int) -> tuple[list[str], list[float]]:
    """Return invented words, most common first, and their Zipf(1.1) cumulative weights."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    seen: set[str] = set()
    words: list[str] = []
    while len(words) < VOCABULARY:
        word = "".join(rng.choices(letters, k=rng.randint(4, 11)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words, list(accumulate(1 / (rank + 1) ** 1.1 for rank in range(VOCABULARY)))


def corpus(count: int, seed: int = 11) -> Iterator[tuple[dt.datetime, Iterator[PaperInput]]]:
    """Yield the corpus a transaction at a time: when its papers were first seen, and the papers.

    The papers of a transaction are generated as they are read, so memory stays bounded.
    """
    rng = random.Random(seed)
    words, weights = vocabulary(seed)
    # Papers are cut from a long Zipf-drawn stream at random places: cheap, yet each word keeps
    # its frequency and every paper its own mix.
    stream = rng.choices(words, cum_weights=weights, k=1_000_000)
    span = len(stream) - 200
    seconds = 3 * 365 * 86400

    def papers(start: int, stop: int) -> Iterator[PaperInput]:
        for number in range(start, stop):
            begun = time.perf_counter()
            a, b = rng.randrange(span), rng.randrange(span)
            paper = PaperInput(
                title=" ".join(stream[a : a + 10]).capitalize(),
                abstract=" ".join(stream[b : b + 150]).capitalize() + ".",
                category=CATEGORIES[number % len(CATEGORIES)],
                arxiv_id=f"bench.{number:07d}",
            )
            GENERATING[0] += time.perf_counter() - begun
            yield paper

    for start in range(0, count, BATCH):
        yield (
            EPOCH + dt.timedelta(seconds=seconds * start // count),
            papers(start, min(count, start + BATCH)),
        )


def queries(doc_freq: dict[str, int], papers: int, seed: int = 5) -> list[str]:
    """Return the fixed query set: 1-3 words per query from four frequency bands."""
    rng = random.Random(seed)
    ordered = sorted(doc_freq, key=lambda word: (-doc_freq[word], word))
    bands = [
        [w for w in ordered if doc_freq[w] >= papers // 10],  # in 10% or more
        [w for w in ordered if papers // 100 <= doc_freq[w] < papers // 10],
        [w for w in ordered if papers // 1000 <= doc_freq[w] < papers // 100],
        [w for w in ordered if 0 < doc_freq[w] < papers // 1000],
    ]
    chosen: list[str] = []
    for index in range(QUERIES):
        band = bands[index % 4] or ordered
        size = (1, 1, 2, 3)[(index // 4) % 4]
        if index % 4 == 0 and size > 1:
            # Common words together: draw from the very top, so the words still co-occur often.
            band = band[:12]
        chosen.append(" ".join(rng.sample(band, min(size, len(band)))))
    return chosen


async def import_corpus(db: Database, count: int) -> tuple[float, float]:
    """Import the generated corpus; return storage seconds and wall seconds.

    Storage seconds are the transactions' time less the time spent generating papers in them.
    """
    transactions = 0.0
    wall = time.perf_counter()
    GENERATING[0] = 0.0
    for first_seen, batch in corpus(count):
        start = time.perf_counter()
        async with db.transaction() as session:
            await upsert_papers(session, papers=batch, first_seen=first_seen)
        transactions += time.perf_counter() - start
    return transactions - GENERATING[0], time.perf_counter() - wall


async def vocabulary_df(db: Database) -> dict[str, int]:
    async with db.session() as session:
        conn = await session.connection()
        rows = (await conn.execute(text("SELECT word, df FROM search_term"))).all()
    return {word: int(df) for word, df in rows}


async def size_bytes(db: Database, path: Path | None) -> int:
    if path is not None:
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    async with db.session() as session:
        conn = await session.connection()
        value = (await conn.execute(text("SELECT pg_database_size(current_database())"))).one()
    return int(value[0])


async def match_count(db: Database, query: str) -> int:
    terms = search_module.query_terms(query)
    async with db.session() as session:
        conn = await session.connection()
        if db.dialect == "sqlite":
            match = " AND ".join(f'"{t}"' for t in terms)
            sql = "SELECT count(*) FROM paper_fts WHERE paper_fts MATCH :m"
        else:
            match = " ".join(terms)
            sql = (
                "SELECT count(*) FROM paper "
                "WHERE search_vector @@ websearch_to_tsquery('english', :m)"
            )
        return int((await conn.execute(text(sql), {"m": match})).scalar_one())


async def timed(db: Database, query_set: list[str]) -> list[float]:
    times = []
    for query in query_set:
        # As /paper searches: a read of its own (on SQLite, whole in one read thread).
        start = time.perf_counter()
        await find_papers(db, query=query, limit=10)
        times.append((time.perf_counter() - start) * 1000)
    return times


async def quality(
    db: Database, sample: list[str], doc_freq: dict[str, int], papers: int
) -> dict[str, list[tuple[float, bool]]]:
    """Return, per kind of query, each query's overlap@10 with full ranking and whether equal."""
    kinds: dict[str, list[tuple[float, bool]]] = {}
    for query in sample:
        ours = [hit.paper.id for hit in await find_papers(db, query=query, limit=10)]
        async with db.session() as session:
            conn = await session.connection()
            terms = search_module.query_terms(query)
            filters = search_module._Filters(None, None, None)
            full = await conn.run_sync(_full_ranking, terms, filters)
        overlap = len(set(ours) & set(full)) / max(len(full), 1)
        words = query.split()
        if len(words) == 1:
            kind = "one word"
        elif all(doc_freq.get(word, 0) > papers // 2 for word in words):
            # bm25's idf is clamped to ~0 for words in over half the papers: a near tie.
            kind = "several words, each in > 50% of papers"
        else:
            kind = "several words, others"
        kinds.setdefault(kind, []).append((overlap, ours == full))
    return kinds


def _full_ranking(conn: Connection, terms: list[str], filters: Any) -> list[int]:
    return search_module._full_rank(
        conn, terms, filters, 10, every=True
    ) or search_module._full_rank(conn, terms, filters, 10, every=False)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run(backend: str, args: argparse.Namespace, folder: Path) -> None:
    path: Path | None = None
    scratch = None
    reuse = False
    if backend == "sqlite":
        path = Path(args.sqlite_path) if args.sqlite_path else folder / "search.db"
        reuse = path.exists()
        url = f"sqlite:///{path}"
    elif args.pg_keep:
        name = args.pg_keep
        reuse = await database_exists(args.pg_url, name)
        if not reuse:
            await admin(args.pg_url, f'CREATE DATABASE "{name}"')
        url = args.pg_url.rsplit("/", 1)[0] + "/" + name
    else:
        scratch = f"ir_bench_search_{os.getpid()}"
        await admin(args.pg_url, f'CREATE DATABASE "{scratch}"')
        url = args.pg_url.rsplit("/", 1)[0] + "/" + scratch
    db = Database(url)
    try:
        await upgrade(db)
        print(f"\n[{backend}] {args.papers:,} papers")
        if reuse:
            print(f"  import: skipped, reusing {path or args.pg_keep}")
        else:
            storage_s, wall_s = await import_corpus(db, args.papers)
            aim = f"   aim <= 180 s: {storage_s / 180:.2f} of it" if backend == "sqlite" else ""
            print(
                f"  import: {storage_s:.1f} s in storage ({wall_s:.1f} s with generation, "
                f"{GENERATING[0]:.1f} s of it generating){aim}"
            )
        if backend == "postgresql" and not reuse:
            # What autovacuum does after a bulk import: merge GIN's pending list, gather stats.
            await admin(url, "VACUUM ANALYZE")
        size = await size_bytes(db, path)
        print(f"  database size: {size / 2**20:,.0f} MiB")
        print(f"  peak memory after import: {peak_mb():.0f} MB")
        doc_freq = await vocabulary_df(db)
        query_set = queries(doc_freq, args.papers)
        counts = [await match_count(db, q) for q in query_set]
        common = sum(c >= args.papers // 10 for c in counts)
        print(
            f"  queries: {len(query_set)}, {common} match >= 10% of the corpus, "
            f"median matches {statistics.median(counts):,.0f}, max {max(counts):,}"
        )
        await timed(db, query_set)  # warm the cache
        raw = await timed(db, query_set)
        slowest = sorted(zip(raw, query_set, counts, strict=True), reverse=True)[:5]
        times = sorted(raw)
        p50 = times[len(times) // 2]
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(
            f"  search top 10: p50 {p50:.2f} ms  p99 {p99:.2f} ms  max {times[-1]:.2f} ms"
            f"   (p99 {p99 / AIM_MS:.2f} of the {AIM_MS:.0f} ms aim)"
        )
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(f"  load average while timing (2 cores, shared): {load}")
        print("  slowest: " + "; ".join(f"{q!r} ({c:,} matches) {t:.1f} ms" for t, q, c in slowest))
        rng = random.Random(3)
        sample = rng.sample(query_set, min(args.quality, len(query_set)))
        if sample:
            kinds = await quality(db, sample, doc_freq, args.papers)
            every = [result for results in kinds.values() for result in results]
            print(
                f"  top 10 vs full ranking ({len(every)} queries): mean overlap@10 "
                f"{statistics.mean(o for o, _ in every):.3f}, "
                f"identical top ten {sum(e for _, e in every) / len(every):.0%}"
            )
            for kind, results in sorted(kinds.items()):
                print(
                    f"    {kind} ({len(results)}): overlap@10 "
                    f"{statistics.mean(o for o, _ in results):.3f}, "
                    f"identical {sum(e for _, e in results) / len(results):.0%}"
                )
        print(f"  peak memory: {peak_mb():.0f} MB (aim < 200 MB)")
    finally:
        await db.dispose()
        if scratch is not None:
            await admin(args.pg_url, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


async def database_exists(url: str, name: str) -> bool:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            found = await conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            return found.first() is not None
    finally:
        await db.dispose()


async def admin(url: str, sql: str) -> None:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(sql))
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--sqlite-path", help="keep the SQLite database here; reused if it exists")
    parser.add_argument(
        "--pg-keep", metavar="DBNAME", help="keep the PostgreSQL database; reused if it exists"
    )
    parser.add_argument("--quality", type=int, default=60, help="queries compared with full rank")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        for backend in backends:
            asyncio.run(run(backend, args, Path(folder)))


if __name__ == "__main__":
    main()
