"""Storing what a fetcher read: papers merged by identity, posts by guid, boards as snapshots."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from config.sources import KNOWN_LEADERBOARDS
from core.sources import artificial_analysis, swe_rebench
from core.sources.found import (
    BoardFound,
    BoardRow,
    FormatError,
    Found,
    FoundPaper,
    NewsFound,
    PapersFound,
)
from core.sources.ranking import ranked
from core.sources.registry import SourceSpec
from storage.identity import normalise_title
from storage.queries import leaderboards, models, papers, sources
from storage.queries.leaderboards import EntryInput
from storage.tables import LeaderboardSnapshot, Paper

SNAPSHOT_SOURCES = {
    artificial_analysis.SLUG: artificial_analysis.SOURCE,
    swe_rebench.SLUG: swe_rebench.SOURCE,
}
# A fetched board with fewer than this share of the last one's rows is a partial update.
PARTIAL_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Stored:
    """What storing changed, in a few words, and whether readers have anything new."""

    summary: str
    changed: bool


async def store_found(
    session: AsyncSession, *, spec: SourceSpec, found: Found, now: dt.datetime
) -> Stored:
    """Store what `spec` gave; raise FormatError (storing nothing) when it looks partial."""
    if isinstance(found, PapersFound):
        return await _store_papers(session, spec, found.papers, now)
    if isinstance(found, NewsFound):
        assert spec.section is not None
        count = await sources.upsert_news(
            session, source=spec.name, section=spec.section, items=found.items
        )
        return Stored(found.describe(), count > 0)
    return await _store_board(session, found, now)


async def _adopt_titled(session: AsyncSession, found: Sequence[FoundPaper]) -> dict[str, int]:
    """Give papers known only by title (from issues) the arXiv id a source now reports.

    Return the row id of each adopted paper by arXiv id; those need no insert.
    """
    by_title = {normalise_title(item.paper.title): item for item in found if item.paper.arxiv_id}
    if not by_title:
        return {}
    arxiv_ids = [item.paper.arxiv_id for item in by_title.values()]
    known = set(
        (await session.exec(select(Paper.arxiv_id).where(col(Paper.arxiv_id).in_(arxiv_ids)))).all()
    )
    candidates = (
        await session.exec(
            select(Paper).where(
                col(Paper.title_key).in_(list(by_title)), col(Paper.arxiv_id).is_(None)
            )
        )
    ).all()
    adopted: dict[str, int] = {}
    for paper in candidates:
        item = by_title[paper.title_key].paper
        assert item.arxiv_id is not None and paper.id is not None
        if item.arxiv_id in known or item.arxiv_id in adopted:
            continue
        paper.arxiv_id = item.arxiv_id
        paper.abstract = paper.abstract or item.abstract
        paper.category = paper.category or item.category
        paper.links = {**(item.links or {}), **paper.links}
        session.add(paper)
        adopted[item.arxiv_id] = paper.id
    await session.flush()
    return adopted


async def _store_papers(
    session: AsyncSession, spec: SourceSpec, found: Sequence[FoundPaper], now: dt.datetime
) -> Stored:
    if not found:
        return Stored("no papers (none announced)", False)
    adopted = await _adopt_titled(session, found)
    rest = [item for item in found if item.paper.arxiv_id not in adopted]
    keys = await papers.upsert_papers(session, papers=[item.paper for item in rest], first_seen=now)
    ids = await papers.paper_ids(session, keys=keys)
    listed = [(ids[key], item.upvotes) for key, item in zip(keys, rest, strict=True)]
    listed += [
        (adopted[item.paper.arxiv_id], item.upvotes)
        for item in found
        if item.paper.arxiv_id in adopted
    ]
    await sources.record_paper_sources(session, source=spec.name, papers=listed, now=now)
    return Stored(PapersFound(list(found)).describe(), True)


async def _board_id(session: AsyncSession, slug: str) -> int:
    board = await leaderboards.get_leaderboard(session, slug=slug)
    if board is None:
        known = next(b for b in KNOWN_LEADERBOARDS if b.slug == slug)
        board = await leaderboards.save_leaderboard(
            session, slug=slug, name=known.name, description=""
        )
    assert board.id is not None
    return board.id


async def _last_row_count(session: AsyncSession, board_id: int, source: str) -> int:
    query = (
        select(LeaderboardSnapshot)
        .where(LeaderboardSnapshot.leaderboard_id == board_id, LeaderboardSnapshot.source == source)
        .order_by(col(LeaderboardSnapshot.as_of).desc())
        .limit(1)
    )
    last = (await session.exec(query)).first()
    if last is None or last.id is None:
        return 0
    return len(await leaderboards.snapshot_entries(session, snapshot_id=last.id))


def _best_per_model(rows: Sequence[BoardRow], ids: dict[str, int]) -> list[BoardRow]:
    # Two spellings may be one model (through aliases); a snapshot holds a model once.
    best: dict[int, BoardRow] = {}
    for row in rows:
        model_id = ids[row.model]
        if model_id not in best or row.score > best[model_id].score:
            best[model_id] = row
    return list(best.values())


async def _store_board(session: AsyncSession, found: BoardFound, now: dt.datetime) -> Stored:
    source = SNAPSHOT_SOURCES[found.slug]
    board_id = await _board_id(session, found.slug)
    before = await _last_row_count(session, board_id, source)
    if before and len(found.rows) < before * PARTIAL_SHARE:
        raise FormatError(
            f"only {len(found.rows)} rows where the last snapshot had {before}: "
            "a partial update, the last good snapshot is kept"
        )
    ids = await models.resolve_models(session, names=[row.model for row in found.rows])
    rows = _best_per_model(found.rows, ids)
    entries = [
        EntryInput(
            rank=rank,
            model_id=ids[row.model],
            score=row.score,
            tokens_per_second=row.tokens_per_second,
            price_cents=row.price_cents,
        )
        for rank, row in ranked(rows)
    ]
    snapshot, changed = await leaderboards.save_snapshot(
        session, leaderboard_id=board_id, as_of=now.date(), source=source, entries=entries
    )
    assert snapshot.id is not None
    await sources.save_snapshot_details(
        session,
        snapshot_id=snapshot.id,
        index_version=found.index_version,
        window_start=found.window_start,
        window_end=found.window_end,
        n_tasks=found.n_tasks,
        extra={row.model: row.extra for row in rows if row.extra},
    )
    kept = replace(found, rows=list(rows))
    return Stored(kept.describe(), changed)
