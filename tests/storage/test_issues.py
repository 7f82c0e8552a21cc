"""A page of issues with the count of every issue, read in one statement."""

from __future__ import annotations

import datetime as dt

from storage import Database
from storage.queries import issues

FIRST = dt.date(2026, 11, 1)


async def test_each_page_carries_the_whole_count(db: Database) -> None:
    async with db.session() as session:
        assert await issues.issues_page_counted(session, limit=2) == ([], 0)
    async with db.transaction() as session:
        for day in range(5):
            await issues.save_issue(
                session,
                date=FIRST + dt.timedelta(days=day),
                title=f"Issue {day}",
                author="Ada",
                editorial=["One paragraph."],
            )
    async with db.session() as session:
        pages = [
            await issues.issues_page_counted(session, limit=2, offset=offset)
            for offset in (0, 2, 4, 6)
        ]
    assert [total for _, total in pages] == [5, 5, 5, 5]
    dates = [[issue.date.day for issue in rows] for rows, _ in pages]
    assert dates == [[5, 4], [3, 2], [1], []]
