"""Issues and the papers they feature."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import Issue, IssuePaper, Paper, utcnow

SaveState = Literal["created", "updated", "unchanged"]


async def get_issue(session: AsyncSession, *, date: dt.date) -> Issue | None:
    """Return the issue of `date`, if stored."""
    return (await session.exec(select(Issue).where(Issue.date == date))).first()


async def latest_issue(
    session: AsyncSession, *, on_or_before: dt.date | None = None
) -> Issue | None:
    """Return the newest issue, or the newest on or before a date."""
    query = select(Issue)
    if on_or_before is not None:
        query = query.where(Issue.date <= on_or_before)
    return (await session.exec(query.order_by(col(Issue.date).desc()).limit(1))).first()


async def list_issues(
    session: AsyncSession, *, limit: int = 50, before: dt.date | None = None
) -> Sequence[Issue]:
    """Return issues, newest first."""
    query = select(Issue)
    if before is not None:
        query = query.where(Issue.date < before)
    return (await session.exec(query.order_by(col(Issue.date).desc()).limit(limit))).all()


async def save_issue(
    session: AsyncSession, *, date: dt.date, title: str, author: str, editorial: Sequence[str]
) -> tuple[Issue, SaveState]:
    """Insert or correct the issue of `date`; return it and what happened."""
    issue = await get_issue(session, date=date)
    if issue is None:
        now = utcnow()
        issue = Issue(
            date=date,
            title=title,
            author=author,
            editorial=list(editorial),
            created_at=now,
            updated_at=now,
        )
        session.add(issue)
        await session.flush()
        return issue, "created"
    if (issue.title, issue.author, issue.editorial) == (title, author, list(editorial)):
        return issue, "unchanged"
    issue.title, issue.author, issue.editorial = title, author, list(editorial)
    issue.updated_at = utcnow()
    session.add(issue)
    await session.flush()
    return issue, "updated"


async def touch_issue(session: AsyncSession, *, issue: Issue) -> None:
    """Mark the issue as updated now (its papers or tables changed)."""
    issue.updated_at = utcnow()
    session.add(issue)
    await session.flush()


async def link_papers(session: AsyncSession, *, issue_id: int, paper_ids: Sequence[int]) -> int:
    """Feature `paper_ids` in the issue after those it has; return how many were new to it."""
    existing = set(
        (
            await session.exec(select(IssuePaper.paper_id).where(IssuePaper.issue_id == issue_id))
        ).all()
    )
    last = (
        await session.exec(
            select(func.coalesce(func.max(IssuePaper.position), -1)).where(
                IssuePaper.issue_id == issue_id
            )
        )
    ).one()
    added = 0
    for paper_id in dict.fromkeys(paper_ids):
        if paper_id in existing:
            continue
        last += 1
        added += 1
        session.add(IssuePaper(issue_id=issue_id, paper_id=paper_id, position=last))
    if added:
        await session.flush()
    return added


async def issue_papers(session: AsyncSession, *, issue_id: int) -> Sequence[Paper]:
    """Return the papers an issue features, in its order."""
    query = (
        select(Paper)
        .join(IssuePaper, col(IssuePaper.paper_id) == col(Paper.id))
        .where(IssuePaper.issue_id == issue_id)
        .order_by(col(IssuePaper.position))
    )
    return (await session.exec(query)).all()


async def count_issues(session: AsyncSession) -> int:
    """Return how many issues are stored."""
    return (await session.exec(select(func.count()).select_from(Issue))).one()


async def issues_page(session: AsyncSession, *, limit: int, offset: int = 0) -> Sequence[Issue]:
    """Return one page of issues, newest first."""
    query = select(Issue).order_by(col(Issue.date).desc()).limit(limit).offset(offset)
    return (await session.exec(query)).all()


async def issues_page_counted(
    session: AsyncSession, *, limit: int, offset: int = 0
) -> tuple[list[Issue], int]:
    """Return one page of issues, newest first, and how many are stored, in one statement."""
    # count(*) OVER () counts every row before LIMIT and OFFSET apply.
    query = (
        select(Issue, func.count().over())
        .order_by(col(Issue.date).desc())
        .limit(limit)
        .offset(offset)
    )
    rows = (await session.exec(query)).all()
    if not rows:
        # Past the last page no row carries the count.
        return [], await count_issues(session)
    return [issue for issue, _ in rows], int(rows[0][1])


async def papers_by_issue(
    session: AsyncSession, *, issue_ids: Sequence[int]
) -> dict[int, list[Paper]]:
    """Return the papers each issue features, in the issue's order, in one query."""
    found: dict[int, list[Paper]] = {issue_id: [] for issue_id in issue_ids}
    if not issue_ids:
        return found
    query = (
        select(IssuePaper.issue_id, Paper)
        .join(Paper, col(IssuePaper.paper_id) == col(Paper.id))
        .where(col(IssuePaper.issue_id).in_(issue_ids))
        .order_by(col(IssuePaper.issue_id), col(IssuePaper.position))
    )
    for issue_id, paper in (await session.exec(query)).all():
        found[issue_id].append(paper)
    return found


async def issues_featuring(session: AsyncSession, *, paper_id: int) -> Sequence[Issue]:
    """Return the issues that feature a paper, newest first."""
    query = (
        select(Issue)
        .join(IssuePaper, col(IssuePaper.issue_id) == col(Issue.id))
        .where(IssuePaper.paper_id == paper_id)
        .order_by(col(Issue.date).desc())
    )
    return (await session.exec(query)).all()


async def next_issue(session: AsyncSession, *, after: dt.date) -> Issue | None:
    """Return the first issue after a date."""
    query = select(Issue).where(Issue.date > after).order_by(col(Issue.date)).limit(1)
    return (await session.exec(query)).first()
