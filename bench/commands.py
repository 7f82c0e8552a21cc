"""Benchmark /top and /paper through the core and the Discord renderer, beside their bare SQL.

Run: python bench/commands.py [--papers 100000] [--runs 500] [--db PATH] [--only top|paper]

Builds a SQLite database with generated papers (bench/ingest.py's generator, through the
importer) and the example issues, then times each command end to end: core dispatch (its SQL
through SQLAlchemy and aiosqlite) plus render_discord. Two references replay exactly the SQL
statements and parameters the command sent (captured at the driver, whatever layer sent them),
fetching every row:

- "sqlite3": in the calling thread with the synchronous driver; no async caller can get there.
- "aiosqlite": through the service's async driver, with the DB-API calls any caller makes per
  statement (cursor, execute, fetchall, close), each a hop to the driver's thread and back,
  plus the rollbacks that end its reads (as many as the command made). The aim's ratio uses
  this one: it is the least the same statements cost an asyncio program, so the ratio is the
  cost of SQLAlchemy, core and renderer.

/paper is timed with words of several frequencies, since ranking cost grows with the number of
matches. Aim: p99 <= 10 ms and <= 1.5 x the aiosqlite replay's p99.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, ClassVar

import aiosqlite

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ingest import paper_list, vocabulary  # noqa: E402
from bot.render.discord import render_discord  # noqa: E402
from core.commands import CommandContext, dispatch  # noqa: E402
from core.ingest.store import ingest  # noqa: E402
from storage import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402

EXAMPLES = sorted((ROOT / "config" / "examples").glob("report-*.txt"))
AIM_MS = 10.0
AIM_RATIO = 1.5
# Frequency ranks of the generated vocabulary (0 is the most common word) to search for.
RANKS = {"rare": 20_000, "uncommon": 3_000, "mid": 300, "common": 30}

Statement = tuple[str, Any]


async def build(path: Path, papers: int) -> None:
    """Create the database: the generated papers, then the example issues."""
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    db = Database(f"sqlite:///{partial}")
    await upgrade(db)
    text, _ = paper_list(papers)
    started = time.perf_counter()
    await ingest(db, text)
    for example in EXAMPLES:
        await ingest(db, example.read_bytes())
    await db.dispose()
    with sqlite3.connect(partial) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # Only a finished database gets the name a later run reuses.
    partial.rename(path)
    print(f"built {papers:,} papers in {time.perf_counter() - started:.1f} s: {path}", flush=True)


def percentile(samples: list[float], share: float) -> float:
    """Return the nearest-rank percentile of samples, in milliseconds."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))] * 1000


async def timed(work: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    """Return the seconds each of `runs` calls took, after a warm-up."""
    for _ in range(max(20, runs // 10)):
        await work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        samples.append(time.perf_counter() - started)
    return samples


def bare(path: Path, statements: list[Statement], runs: int) -> list[float]:
    """Replay the captured statements with sqlite3, fetching every row, `runs` times."""
    conn = sqlite3.connect(path, factory=sqlite3.Connection)
    try:
        for _ in range(max(20, runs // 10)):
            for sql, params in statements:
                conn.execute(sql, params).fetchall()
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            for sql, params in statements:
                conn.execute(sql, params).fetchall()
            samples.append(time.perf_counter() - started)
        return samples
    finally:
        conn.close()


async def driver_replay(
    path: Path, statements: list[Statement], rollbacks: int, runs: int
) -> list[float]:
    """Replay the statements through aiosqlite as a DB-API caller does, then roll back."""
    conn = await aiosqlite.connect(path, factory=sqlite3.Connection)

    async def work() -> None:
        for sql, params in statements:
            cursor = await conn.cursor()
            await cursor.execute(sql, params)
            await cursor.fetchall()
            await cursor.close()
        for _ in range(rollbacks):
            await conn.rollback()

    try:
        return await timed(work, runs)
    finally:
        await conn.close()


async def one_hop(
    path: Path, statements: list[Statement], rollbacks: int, runs: int
) -> list[float]:
    """Time the statements and rollbacks run in one worker-thread hop: an async caller's floor."""
    conn = sqlite3.connect(path, check_same_thread=False, factory=sqlite3.Connection)

    def run() -> None:
        for sql, params in statements:
            conn.execute(sql, params).fetchall()
        for _ in range(rollbacks):
            conn.rollback()

    async def work() -> None:
        await asyncio.to_thread(run)

    try:
        return await timed(work, runs)
    finally:
        conn.close()


def matches(path: Path, word: str) -> int:
    """Return how many papers contain `word`."""
    with sqlite3.connect(path) as conn:
        row = conn.execute(
            "SELECT count(*) FROM paper_fts WHERE paper_fts MATCH ?", (f'"{word}"',)
        ).fetchone()
    return int(row[0])


class _Seen:
    """What the SQLite connections ran while `recording` is set, whichever driver ran it."""

    recording = False
    statements: ClassVar[list[Statement]] = []
    rollbacks = 0


class _SeenCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> _SeenCursor:
        if _Seen.recording:
            _Seen.statements.append((sql, parameters))
        return super().execute(sql, parameters)


class _SeenConnection(sqlite3.Connection):
    def cursor(self, factory: Any = None) -> Any:
        return super().cursor(factory or _SeenCursor)

    def rollback(self) -> None:
        if _Seen.recording:
            _Seen.rollbacks += 1
        super().rollback()


_connect = sqlite3.connect


def _seen_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
    kwargs.setdefault("factory", _SeenConnection)
    return _connect(*args, **kwargs)


# Both of the service's SQLite drivers (aiosqlite, and sqlite3 in the read threads) open their
# connections with sqlite3's connect: statements are seen where they reach SQLite, whatever sent
# them. SQLAlchemy calls it as sqlite3.dbapi2.connect.
sqlite3.connect = sqlite3.dbapi2.connect = _seen_connect


async def sent(work: Callable[[], Awaitable[object]]) -> tuple[object, list[Statement], int]:
    """Run `work` once; return its result, the statements and the rollbacks SQLite saw."""
    _Seen.statements, _Seen.rollbacks, _Seen.recording = [], 0, True
    try:
        result = await work()
    finally:
        _Seen.recording = False
    return result, _Seen.statements, _Seen.rollbacks


async def measure(path: Path, cases: list[tuple[str, str, dict[str, str]]], runs: int) -> None:
    db = Database(f"sqlite:///{path}")
    ctx = CommandContext(db=db, public_url="https://report.example", platform="discord")
    header = (
        f"{'command':34} {'matches':>8} {'ours':>7} {'ours':>7} {'sqlite3':>7} {'sqlite3':>7} "
        f"{'1-hop':>7} {'1-hop':>7} {'aiosqlt':>7} {'aiosqlt':>7} {'x aio':>6} {'x hop':>6}  "
        f"{'aim':6} {'stmts':>5}"
    )
    under = (
        f"{'':34} {'':>8} {'p50':>7} {'p99':>7} {'p50':>7} {'p99':>7} {'p50':>7} {'p99':>7} "
        f"{'p50':>7} {'p99':>7} {'p99':>6} {'p99':>6}  {'':6} {'':>5}"
    )
    print(
        f"\n{runs} runs each, in ms; ours = core dispatch + render_discord, beside the same SQL "
        "replayed three ways\n"
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print(header)
    print(under)
    print("-" * len(header))
    try:
        for label, name, arguments in cases:

            async def work(name: str = name, arguments: dict[str, str] = arguments) -> object:
                return render_discord(await dispatch(ctx, name, arguments))

            # Once before: a first call may open a connection, whose set-up is not the command's.
            await work()
            payloads, statements, rollbacks = await sent(work)
            assert payloads, label
            ours = await timed(work, runs)
            reference = bare(path, statements, runs)
            driver = await driver_replay(path, statements, rollbacks, runs)
            hop = await one_hop(path, statements, rollbacks, runs)
            p50, p99 = percentile(ours, 0.50), percentile(ours, 0.99)
            b50, b99 = percentile(reference, 0.50), percentile(reference, 0.99)
            h50, h99 = percentile(hop, 0.50), percentile(hop, 0.99)
            d50, d99 = percentile(driver, 0.50), percentile(driver, 0.99)
            found = matches(path, arguments["query"]) if name == "paper" else 0
            verdict = "ok" if p99 <= AIM_MS and p99 <= AIM_RATIO * d99 else "MISSED"
            print(
                f"{label:34} {found:>8,} {p50:7.2f} {p99:7.2f} {b50:7.2f} {b99:7.2f} "
                f"{h50:7.2f} {h99:7.2f} {d50:7.2f} {d99:7.2f} {p99 / d99:6.2f} {p99 / h99:6.2f}  "
                f"{verdict:6} {len(statements):>5}",
                flush=True,
            )
    finally:
        await db.dispose()
    print(
        f"\naim: p99 <= {AIM_MS:g} ms and p99 <= {AIM_RATIO:g} x the aiosqlite replay's p99 "
        "(x aio). sqlite3: the statements run in the calling thread, "
        "which no asyncio program can do. "
        "1-hop: run by sqlite3 in one asyncio.to_thread call, as the service's SQLite reads run "
        "(x hop: ours over it). aiosqlite: through aiosqlite as a DB-API caller uses it, a thread "
        "hop per call (cursor, execute, fetchall, close, rollback). stmts: statements SQLite saw."
    )
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--db", type=Path, help="reuse (or build) the database at this path")
    parser.add_argument("--only", choices=["top", "paper"], help="time only this command")
    args = parser.parse_args()

    words, _ = vocabulary(random.Random(7))  # the generator's own vocabulary, by frequency
    cases: list[tuple[str, str, dict[str, str]]] = [
        ("/top swe-rebench", "top", {"leaderboard": "swe-rebench"}),
        ("/top artificial-analysis 50", "top", {"leaderboard": "aa", "n": "50"}),
        ("/paper batching", "paper", {"query": "batching"}),
    ]
    for label, rank in RANKS.items():
        cases.append((f"/paper {words[rank]} ({label})", "paper", {"query": words[rank]}))

    cases = [case for case in cases if args.only in {None, case[1]}]
    with tempfile.TemporaryDirectory() as folder:
        path = args.db or Path(folder) / "commands.db"
        if not path.exists():
            asyncio.run(build(path, args.papers))
        asyncio.run(measure(path, cases, args.runs))


if __name__ == "__main__":
    main()
