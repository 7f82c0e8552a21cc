"""A cheap fingerprint of the stored data, so a server notices imports made by other processes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import (
    Issue,
    IssuePaper,
    Leaderboard,
    LeaderboardSnapshot,
    NewsItem,
    Paper,
)


@dataclass(frozen=True, slots=True)
class DataVersion:
    """What the data looks like from outside: equal versions mean nothing a reader sees changed."""

    token: str
    latest: dt.datetime | None

    @property
    def empty(self) -> bool:
        """Return whether nothing is stored yet."""
        return self.latest is None


def _count(table: Any) -> Any:
    return select(func.count()).select_from(table).scalar_subquery()


async def data_version(session: AsyncSession) -> DataVersion:
    """Return the counts and newest update times of issues, papers, links, snapshots, news."""
    # One statement, so the parts are read together; counts catch deletions that max() misses.
    query = select(
        _count(Issue),
        select(func.max(col(Issue.updated_at))).scalar_subquery(),
        _count(Paper),
        select(func.max(col(Paper.updated_at))).scalar_subquery(),
        _count(IssuePaper),
        _count(LeaderboardSnapshot),
        select(func.max(col(LeaderboardSnapshot.updated_at))).scalar_subquery(),
        _count(Leaderboard),
        _count(NewsItem),
        select(func.max(col(NewsItem.fetched_at))).scalar_subquery(),
    )
    row = (await (await session.connection()).execute(query)).one()
    stamps = [value for value in (row[1], row[3], row[6]) if value is not None]
    latest = max(stamps) if stamps else None
    token = "|".join(_part(value) for value in row)
    return DataVersion(token=token, latest=latest)


def _part(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return "" if value is None else str(value)
