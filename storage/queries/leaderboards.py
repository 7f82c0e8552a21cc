"""Leaderboards, their dated snapshots, and the entries of each snapshot."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, Integer, String, and_, bindparam, func
from sqlalchemy import select as select_columns
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.engine import Database
from storage.reads import Read
from storage.tables import Leaderboard, LeaderboardEntry, LeaderboardSnapshot, Model, utcnow


@dataclass(frozen=True, slots=True)
class EntryInput:
    """A row of a snapshot to store; the model is given by id."""

    rank: int
    model_id: int
    score: float
    tokens_per_second: int | None = None
    price_cents: int | None = None


@dataclass(frozen=True, slots=True)
class EntryRow:
    """A stored row with its model's name."""

    rank: int
    model_id: int
    model: str
    score: float
    tokens_per_second: int | None
    price_cents: int | None


async def save_leaderboard(
    session: AsyncSession, *, slug: str, name: str, description: str
) -> Leaderboard:
    """Insert the leaderboard `slug`, or update its name and description."""
    board = (await session.exec(select(Leaderboard).where(Leaderboard.slug == slug))).first()
    if board is None:
        board = Leaderboard(slug=slug, name=name, description=description)
    elif (board.name, board.description) == (name, description):
        return board
    else:
        board.name, board.description = name, description
    session.add(board)
    await session.flush()
    return board


async def list_leaderboards(session: AsyncSession) -> Sequence[Leaderboard]:
    """Return every leaderboard, by slug."""
    return (await session.exec(select(Leaderboard).order_by(col(Leaderboard.slug)))).all()


async def get_leaderboard(session: AsyncSession, *, slug: str) -> Leaderboard | None:
    """Return the leaderboard `slug`."""
    return (await session.exec(select(Leaderboard).where(Leaderboard.slug == slug))).first()


async def save_snapshot(
    session: AsyncSession,
    *,
    leaderboard_id: int,
    as_of: dt.date,
    source: str,
    entries: Sequence[EntryInput],
) -> tuple[LeaderboardSnapshot, bool]:
    """Store the board as of a date from a source, replacing a differing earlier copy.

    Return the snapshot and whether anything changed.
    """
    snapshot = (
        await session.exec(
            select(LeaderboardSnapshot).where(
                LeaderboardSnapshot.leaderboard_id == leaderboard_id,
                LeaderboardSnapshot.as_of == as_of,
                LeaderboardSnapshot.source == source,
            )
        )
    ).first()
    wanted = sorted(entries, key=lambda e: (e.rank, e.model_id))
    if snapshot is None:
        snapshot = LeaderboardSnapshot(leaderboard_id=leaderboard_id, as_of=as_of, source=source)
        session.add(snapshot)
        await session.flush()
    else:
        stored = await session.exec(
            select(LeaderboardEntry)
            .where(LeaderboardEntry.snapshot_id == snapshot.id)
            .order_by(col(LeaderboardEntry.rank), col(LeaderboardEntry.model_id))
        )
        current = [
            EntryInput(e.rank, e.model_id, e.score, e.tokens_per_second, e.price_cents)
            for e in stored.all()
        ]
        if current == wanted:
            return snapshot, False
        await session.exec(
            delete(LeaderboardEntry).where(col(LeaderboardEntry.snapshot_id) == snapshot.id)
        )
        snapshot.updated_at = utcnow()
        session.add(snapshot)
    assert snapshot.id is not None
    session.add_all(
        LeaderboardEntry(
            snapshot_id=snapshot.id,
            model_id=e.model_id,
            rank=e.rank,
            score=e.score,
            tokens_per_second=e.tokens_per_second,
            price_cents=e.price_cents,
        )
        for e in wanted
    )
    await session.flush()
    return snapshot, True


async def snapshots(
    session: AsyncSession,
    *,
    leaderboard_id: int,
    on_or_before: dt.date | None = None,
    limit: int = 2,
) -> Sequence[LeaderboardSnapshot]:
    """Return a board's newest snapshots (newest first), optionally as of a date."""
    query = select(LeaderboardSnapshot).where(LeaderboardSnapshot.leaderboard_id == leaderboard_id)
    if on_or_before is not None:
        query = query.where(LeaderboardSnapshot.as_of <= on_or_before)
    query = query.order_by(
        col(LeaderboardSnapshot.as_of).desc(), col(LeaderboardSnapshot.updated_at).desc()
    ).limit(limit)
    return (await session.exec(query)).all()


async def snapshot_entries(session: AsyncSession, *, snapshot_id: int) -> list[EntryRow]:
    """Return a snapshot's rows in rank order, with model names."""
    query = (
        select(LeaderboardEntry, Model.name)
        .join(Model, col(Model.id) == col(LeaderboardEntry.model_id))
        .where(LeaderboardEntry.snapshot_id == snapshot_id)
        .order_by(col(LeaderboardEntry.rank), col(Model.name))
    )
    return [
        EntryRow(e.rank, e.model_id, name, e.score, e.tokens_per_second, e.price_cents)
        for e, name in (await session.exec(query)).all()
    ]


@dataclass(frozen=True, slots=True)
class SnapshotEntries:
    """A snapshot's id and date with its rows in rank order."""

    id: int
    as_of: dt.date
    rows: list[EntryRow]


@dataclass(frozen=True, slots=True)
class BoardRow:
    """A leaderboard as read for showing it: never saved back."""

    id: int
    slug: str
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class BoardSnapshots:
    """A leaderboard with its newest snapshots, newest first."""

    board: BoardRow
    snapshots: list[SnapshotEntries]


@functools.cache
def _newest_entries(slugs: int, *, dated: bool) -> Read:
    """Return the read of `slugs` boards' newest snapshots with their rows, built once."""
    # One parameter a slug rather than an expanding one: the SQL is the same on every call.
    named = [bindparam(f"slug_{index}", type_=String) for index in range(slugs)]
    ranked: Any = select_columns(
        col(LeaderboardSnapshot.id).label("id"),
        col(LeaderboardSnapshot.leaderboard_id).label("leaderboard_id"),
        col(LeaderboardSnapshot.as_of).label("as_of"),
        func.row_number()
        .over(
            partition_by=col(LeaderboardSnapshot.leaderboard_id),
            order_by=(
                col(LeaderboardSnapshot.as_of).desc(),
                col(LeaderboardSnapshot.updated_at).desc(),
                col(LeaderboardSnapshot.id).desc(),
            ),
        )
        .label("newness"),
    ).where(
        col(LeaderboardSnapshot.leaderboard_id).in_(
            select_columns(col(Leaderboard.id)).where(col(Leaderboard.slug).in_(named))
        )
    )
    if dated:
        ranked = ranked.where(
            col(LeaderboardSnapshot.as_of) <= bindparam("on_or_before", type_=Date)
        )
    newest = ranked.subquery("newest")
    # Outer joins keep a board without snapshots and a snapshot without rows.
    return Read(
        select_columns(
            col(Leaderboard.id),
            col(Leaderboard.slug),
            col(Leaderboard.name),
            col(Leaderboard.description),
            newest.c.id,
            newest.c.as_of,
            col(LeaderboardEntry.rank),
            col(LeaderboardEntry.model_id),
            col(Model.name),
            col(LeaderboardEntry.score),
            col(LeaderboardEntry.tokens_per_second),
            col(LeaderboardEntry.price_cents),
        )
        .outerjoin(
            newest,
            and_(
                newest.c.leaderboard_id == col(Leaderboard.id),
                newest.c.newness <= bindparam("limit", type_=Integer),
            ),
        )
        .outerjoin(LeaderboardEntry, col(LeaderboardEntry.snapshot_id) == newest.c.id)
        .outerjoin(Model, col(Model.id) == col(LeaderboardEntry.model_id))
        .where(col(Leaderboard.slug).in_(named))
        .order_by(
            col(Leaderboard.slug),
            newest.c.newness,
            col(LeaderboardEntry.rank),
            col(Model.name),
        )
    )


async def newest_snapshot_entries(
    db: Database,
    *,
    slugs: Sequence[str],
    on_or_before: dt.date | None = None,
    limit: int = 2,
) -> list[BoardSnapshots]:
    """Return the boards of these slugs (by slug), each with its newest snapshots and their rows.

    One statement, in a read of its own: /top reads its board, the snapshot it shows and the one
    before it at once.
    """
    if not slugs:
        return []
    params: dict[str, object] = {f"slug_{index}": slug for index, slug in enumerate(slugs)}
    params["limit"] = limit
    if on_or_before is not None:
        params["on_or_before"] = on_or_before
    read = _newest_entries(len(slugs), dated=on_or_before is not None)
    found: list[BoardSnapshots] = []
    snapshots: list[SnapshotEntries] = []
    for board_id, slug, name, description, snapshot_id, as_of, *entry in await read.all(db, params):
        if not found or found[-1].board.id != board_id:
            found.append(BoardSnapshots(BoardRow(board_id, slug, name, description), []))
            snapshots = found[-1].snapshots
        if snapshot_id is None:
            continue
        if not snapshots or snapshots[-1].id != snapshot_id:
            snapshots.append(SnapshotEntries(snapshot_id, as_of, []))
        if entry[0] is not None:
            snapshots[-1].rows.append(EntryRow(*entry))
    return found


@dataclass(frozen=True, slots=True)
class SnapshotRow:
    """A snapshot without its rows."""

    id: int
    leaderboard_id: int
    as_of: dt.date
    source: str
    updated_at: dt.datetime


async def list_snapshots(
    session: AsyncSession, *, leaderboard_id: int | None = None
) -> list[SnapshotRow]:
    """Return snapshots (of every board, or one), oldest first, without their rows."""
    query = select_columns(
        col(LeaderboardSnapshot.id),
        col(LeaderboardSnapshot.leaderboard_id),
        col(LeaderboardSnapshot.as_of),
        col(LeaderboardSnapshot.source),
        col(LeaderboardSnapshot.updated_at),
    )
    if leaderboard_id is not None:
        query = query.where(col(LeaderboardSnapshot.leaderboard_id) == leaderboard_id)
    query = query.order_by(
        col(LeaderboardSnapshot.leaderboard_id),
        col(LeaderboardSnapshot.as_of),
        col(LeaderboardSnapshot.updated_at),
        col(LeaderboardSnapshot.id),
    )
    rows = (await (await session.connection()).execute(query)).all()
    return [
        SnapshotRow(int(snapshot_id or 0), board_id, as_of, source, updated_at)
        for snapshot_id, board_id, as_of, source, updated_at in rows
    ]


async def entries_by_snapshot(
    session: AsyncSession, *, snapshot_ids: Sequence[int]
) -> dict[int, list[EntryRow]]:
    """Return the rows of many snapshots in rank order, with model names."""
    found: dict[int, list[EntryRow]] = {snapshot_id: [] for snapshot_id in snapshot_ids}
    ids = list(found)
    for start in range(0, len(ids), 5000):
        # Plain columns, not entities: a feed rebuild reads thousands of rows.
        query = (
            select_columns(
                col(LeaderboardEntry.snapshot_id),
                col(LeaderboardEntry.rank),
                col(LeaderboardEntry.model_id),
                col(Model.name),
                col(LeaderboardEntry.score),
                col(LeaderboardEntry.tokens_per_second),
                col(LeaderboardEntry.price_cents),
            )
            .join(Model, col(Model.id) == col(LeaderboardEntry.model_id))
            .where(col(LeaderboardEntry.snapshot_id).in_(ids[start : start + 5000]))
            .order_by(
                col(LeaderboardEntry.snapshot_id), col(LeaderboardEntry.rank), col(Model.name)
            )
        )
        rows = (await (await session.connection()).execute(query)).all()
        for snapshot_id, rank, model_id, name, score, speed, price in rows:
            found[snapshot_id].append(EntryRow(rank, model_id, name, score, speed, price))
    return found


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """A model's place on a board as of one snapshot."""

    leaderboard_id: int
    as_of: dt.date
    model_id: int
    model: str
    rank: int
    score: float


async def model_history(session: AsyncSession, *, model_ids: Sequence[int]) -> list[HistoryRow]:
    """Return the models' rows on every board, by board, newest snapshot first."""
    if not model_ids:
        return []
    query = (
        select(
            LeaderboardEntry,
            col(Model.name),
            col(LeaderboardSnapshot.leaderboard_id),
            col(LeaderboardSnapshot.as_of),
        )
        .join(
            LeaderboardSnapshot,
            col(LeaderboardSnapshot.id) == col(LeaderboardEntry.snapshot_id),
        )
        .join(Model, col(Model.id) == col(LeaderboardEntry.model_id))
        .where(col(LeaderboardEntry.model_id).in_(list(model_ids)))
        .order_by(
            col(LeaderboardSnapshot.leaderboard_id),
            col(LeaderboardSnapshot.as_of).desc(),
            col(LeaderboardSnapshot.updated_at).desc(),
            col(LeaderboardEntry.rank),
        )
    )
    return [
        HistoryRow(board_id, as_of, e.model_id, name, e.rank, e.score)
        for e, name, board_id, as_of in (await session.exec(query)).all()
    ]


async def source_snapshots(
    session: AsyncSession,
    *,
    leaderboard_id: int,
    source: str | None = None,
    exclude_source: str | None = None,
    on_or_before: dt.date | None = None,
    limit: int = 2,
) -> Sequence[LeaderboardSnapshot]:
    """Return a board's newest snapshots from one source (or from any source but one)."""
    query = select(LeaderboardSnapshot).where(LeaderboardSnapshot.leaderboard_id == leaderboard_id)
    if source is not None:
        query = query.where(LeaderboardSnapshot.source == source)
    if exclude_source is not None:
        query = query.where(LeaderboardSnapshot.source != exclude_source)
    if on_or_before is not None:
        query = query.where(LeaderboardSnapshot.as_of <= on_or_before)
    query = query.order_by(
        col(LeaderboardSnapshot.as_of).desc(), col(LeaderboardSnapshot.updated_at).desc()
    ).limit(limit)
    return (await session.exec(query)).all()
