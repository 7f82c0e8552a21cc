"""Sources: their fetch state and health, news items, papers' sources, snapshot details."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.dialect import insert_for
from storage.tables import NewsItem, PaperSource, SnapshotDetails, SourceState, utcnow

_CHUNK = 2000


async def get_state(session: AsyncSession, *, name: str) -> SourceState | None:
    """Return the stored state of the source `name`."""
    return (await session.exec(select(SourceState).where(SourceState.name == name))).first()


async def ensure_state(session: AsyncSession, *, name: str) -> SourceState:
    """Return the stored state of `name`, created empty when the source is new."""
    state = await get_state(session, name=name)
    if state is None:
        state = SourceState(name=name)
        session.add(state)
        await session.flush()
    return state


async def list_states(session: AsyncSession) -> Sequence[SourceState]:
    """Return every source's state, by name."""
    return (await session.exec(select(SourceState).order_by(col(SourceState.name)))).all()


async def record_success(
    session: AsyncSession,
    *,
    name: str,
    now: dt.datetime,
    next_attempt_at: dt.datetime,
    summary: str | None,
    validator_url: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    keep_validators: bool = False,
) -> SourceState:
    """Record a good fetch: health reset, validators kept for the next conditional GET.

    A None `summary` (a 304) keeps the summary of the last good data.
    """
    state = await ensure_state(session, name=name)
    state.last_attempt_at = now
    state.last_success_at = now
    state.consecutive_failures = 0
    state.next_attempt_at = next_attempt_at
    if summary is not None:
        state.last_summary = summary
    if not keep_validators:
        state.validator_url, state.etag, state.last_modified = validator_url, etag, last_modified
    session.add(state)
    await session.flush()
    return state


async def record_failure(
    session: AsyncSession,
    *,
    name: str,
    now: dt.datetime,
    error: str,
    next_attempt_at: dt.datetime,
) -> SourceState:
    """Record a failed fetch; validators and the last good data stay as they are."""
    state = await ensure_state(session, name=name)
    state.last_attempt_at = now
    state.last_error = error
    state.last_error_at = now
    state.consecutive_failures += 1
    state.next_attempt_at = next_attempt_at
    session.add(state)
    await session.flush()
    return state


@dataclass(frozen=True, slots=True)
class NewsInput:
    """A news post to store."""

    guid: str
    title: str
    url: str | None
    summary: str
    published_at: dt.datetime


async def upsert_news(
    session: AsyncSession, *, source: str, section: str, items: Sequence[NewsInput]
) -> int:
    """Insert new posts and correct known ones (by guid within the source); return how many."""
    if not items:
        return 0
    now = utcnow()
    # A feed may repeat a guid; the last copy wins, as a reader would show it.
    unique = {item.guid: item for item in items}
    rows = [
        {
            "source": source,
            "section": section,
            "guid": item.guid,
            "title": item.title,
            "url": item.url,
            "summary": item.summary,
            "published_at": item.published_at,
            "fetched_at": now,
        }
        for item in unique.values()
    ]
    table = NewsItem.__table__  # type: ignore[attr-defined]
    insert = insert_for(session, table)
    excluded = insert.excluded
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.source, table.c.guid],
        set_={
            "section": excluded.section,
            "title": excluded.title,
            "url": excluded.url,
            "summary": excluded.summary,
            "published_at": excluded.published_at,
            "fetched_at": excluded.fetched_at,
        },
        where=(
            table.c.title.is_distinct_from(excluded.title)
            | table.c.url.is_distinct_from(excluded.url)
            | table.c.summary.is_distinct_from(excluded.summary)
            | table.c.section.is_distinct_from(excluded.section)
            | table.c.published_at.is_distinct_from(excluded.published_at)
        ),
    )
    connection = await session.connection()
    for start in range(0, len(rows), _CHUNK):
        await connection.execute(statement, rows[start : start + _CHUNK])
    return len(rows)


async def latest_news(
    session: AsyncSession,
    *,
    sections: Sequence[str] = ("labs", "wire"),
    limit: int = 20,
    offset: int = 0,
    before: dt.datetime | None = None,
    since: dt.datetime | None = None,
) -> Sequence[NewsItem]:
    """Return news posts of some sections, newest first, optionally in [since, before)."""
    query = select(NewsItem).where(col(NewsItem.section).in_(list(sections)))
    if before is not None:
        query = query.where(col(NewsItem.published_at) < before)
    if since is not None:
        query = query.where(col(NewsItem.published_at) >= since)
    query = query.order_by(col(NewsItem.published_at).desc(), col(NewsItem.id).desc())
    return (await session.exec(query.limit(limit).offset(offset))).all()


async def count_news(session: AsyncSession, *, sections: Sequence[str] = ("labs", "wire")) -> int:
    """Return how many news posts of some sections are stored."""
    query = select(func.count()).select_from(NewsItem)
    query = query.where(col(NewsItem.section).in_(list(sections)))
    return (await session.exec(query)).one()


async def record_paper_sources(
    session: AsyncSession,
    *,
    source: str,
    papers: Sequence[tuple[int, int | None]],
    now: dt.datetime,
) -> None:
    """Record that `source` listed these papers (id, upvotes); upvotes follow the latest count."""
    if not papers:
        return
    rows = [
        {
            "paper_id": paper_id,
            "source": source,
            "upvotes": upvotes,
            "first_seen_at": now,
            "last_seen_at": now,
        }
        for paper_id, upvotes in dict(papers).items()
    ]
    table = PaperSource.__table__  # type: ignore[attr-defined]
    insert = insert_for(session, table)
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.paper_id, table.c.source],
        set_={"upvotes": insert.excluded.upvotes, "last_seen_at": insert.excluded.last_seen_at},
    )
    connection = await session.connection()
    for start in range(0, len(rows), _CHUNK):
        await connection.execute(statement, rows[start : start + _CHUNK])


async def paper_sources(session: AsyncSession, *, paper_id: int) -> Sequence[PaperSource]:
    """Return the sources that listed a paper, by name."""
    query = select(PaperSource).where(PaperSource.paper_id == paper_id)
    return (await session.exec(query.order_by(col(PaperSource.source)))).all()


async def save_snapshot_details(
    session: AsyncSession,
    *,
    snapshot_id: int,
    index_version: str | None = None,
    window_start: dt.date | None = None,
    window_end: dt.date | None = None,
    n_tasks: int | None = None,
    extra: dict[str, Any] | None = None,
) -> SnapshotDetails:
    """Store (or replace) what a snapshot's numbers mean."""
    details = await session.get(SnapshotDetails, snapshot_id)
    if details is None:
        details = SnapshotDetails(snapshot_id=snapshot_id)
    details.index_version = index_version
    details.window_start, details.window_end = window_start, window_end
    details.n_tasks = n_tasks
    details.extra = dict(extra or {})
    session.add(details)
    await session.flush()
    return details


async def snapshot_details(session: AsyncSession, *, snapshot_id: int) -> SnapshotDetails | None:
    """Return what a snapshot's numbers mean, when its source said."""
    return await session.get(SnapshotDetails, snapshot_id)
