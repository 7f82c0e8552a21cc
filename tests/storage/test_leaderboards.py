"""Boards with their newest snapshots and those snapshots' rows, read in one statement."""

from __future__ import annotations

import datetime as dt

from storage import Database
from storage.queries import leaderboards
from storage.queries.leaderboards import EntryInput
from storage.queries.models import resolve_models

NOV = dt.date(2026, 11, 1)


async def _newest(
    db: Database, slugs: list[str], *, on_or_before: dt.date | None = None, limit: int = 2
) -> list[leaderboards.BoardSnapshots]:
    return await leaderboards.newest_snapshot_entries(
        db, slugs=slugs, on_or_before=on_or_before, limit=limit
    )


async def _board(db: Database) -> tuple[int, dict[str, int]]:
    """Store a board with three dated snapshots (one without rows) and another board's."""
    async with db.transaction() as session:
        board = await leaderboards.save_leaderboard(
            session, slug="bench-a", name="Bench A", description=""
        )
        other = await leaderboards.save_leaderboard(
            session, slug="bench-b", name="Bench B", description=""
        )
        assert board.id is not None and other.id is not None
        ids = await resolve_models(session, names=["Zeta", "Alpha", "Mid"])
        snapshots = {
            NOV: [EntryInput(1, ids["Zeta"], 50.0), EntryInput(2, ids["Alpha"], 40.0)],
            NOV + dt.timedelta(days=7): [],
            NOV + dt.timedelta(days=14): [
                EntryInput(2, ids["Zeta"], 51.0, tokens_per_second=90),
                EntryInput(1, ids["Mid"], 55.5, price_cents=120),
                # A tie on rank is ordered by model name.
                EntryInput(2, ids["Alpha"], 51.0),
            ],
        }
        for as_of, entries in snapshots.items():
            await leaderboards.save_snapshot(
                session, leaderboard_id=board.id, as_of=as_of, source="test", entries=entries
            )
        await leaderboards.save_snapshot(
            session,
            leaderboard_id=other.id,
            as_of=NOV + dt.timedelta(days=30),
            source="test",
            entries=[EntryInput(1, ids["Alpha"], 99.0)],
        )
        return board.id, ids


def _rows(found: leaderboards.SnapshotEntries) -> list[tuple[int, str, float]]:
    return [(row.rank, row.model, row.score) for row in found.rows]


async def test_newest_two_with_rows_in_rank_order(db: Database) -> None:
    board_id, ids = await _board(db)
    (found,) = await _newest(db, ["bench-a"])
    assert (found.board.id, found.board.slug, found.board.name) == (board_id, "bench-a", "Bench A")
    latest, previous = found.snapshots
    assert latest.as_of == NOV + dt.timedelta(days=14)
    assert _rows(latest) == [(1, "Mid", 55.5), (2, "Alpha", 51.0), (2, "Zeta", 51.0)]
    mid, _, zeta = latest.rows
    assert (mid.model_id, mid.price_cents, mid.tokens_per_second) == (ids["Mid"], 120, None)
    assert (zeta.tokens_per_second, zeta.price_cents) == (90, None)
    # A snapshot without rows is still one of the two newest.
    assert (previous.as_of, previous.rows) == (NOV + dt.timedelta(days=7), [])


async def test_as_of_a_date_and_limit(db: Database) -> None:
    await _board(db)
    (dated,) = await _newest(db, ["bench-a"], on_or_before=NOV + dt.timedelta(days=10))
    (only,) = await _newest(db, ["bench-a"], limit=1)
    (before_any,) = await _newest(db, ["bench-a"], on_or_before=NOV - dt.timedelta(days=1))
    assert [found.as_of for found in dated.snapshots] == [NOV + dt.timedelta(days=7), NOV]
    assert _rows(dated.snapshots[1]) == [(1, "Zeta", 50.0), (2, "Alpha", 40.0)]
    assert [found.as_of for found in only.snapshots] == [NOV + dt.timedelta(days=14)]
    # The board is there even with no snapshot that old.
    assert (before_any.board.slug, before_any.snapshots) == ("bench-a", [])


async def test_several_slugs_by_slug_and_unknown_ones_left_out(db: Database) -> None:
    await _board(db)
    found = await _newest(db, ["nope", "bench-b", "bench-a"])
    assert [state.board.slug for state in found] == ["bench-a", "bench-b"]
    (other,) = found[1].snapshots
    assert _rows(other) == [(1, "Alpha", 99.0)]
    assert await _newest(db, ["nope"]) == []
    assert await _newest(db, []) == []


async def test_agrees_with_the_statement_per_snapshot_reads(db: Database) -> None:
    board_id, _ = await _board(db)
    (state,) = await leaderboards.newest_snapshot_entries(db, slugs=["bench-a"], limit=3)
    async with db.session() as session:
        snapshots = await leaderboards.snapshots(session, leaderboard_id=board_id, limit=3)
        expected = []
        for snapshot in snapshots:
            assert snapshot.id is not None
            rows = await leaderboards.snapshot_entries(session, snapshot_id=snapshot.id)
            expected.append((snapshot.id, snapshot.as_of, rows))
    assert [(f.id, f.as_of, f.rows) for f in state.snapshots] == expected
