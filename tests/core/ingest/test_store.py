"""Storing parsed issues: one transaction per file, idempotent, never a duplicate."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from core.ingest import ParseError
from core.ingest.store import ingest
from storage import Database
from storage.queries import issues, leaderboards
from storage.tables import (
    Issue,
    IssuePaper,
    Leaderboard,
    LeaderboardEntry,
    LeaderboardSnapshot,
    Model,
    Paper,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "config" / "examples"
FIRST = (EXAMPLES / "report-2026-11-19.txt").read_text()
SECOND = (EXAMPLES / "report-2026-11-20.txt").read_text()


async def counts(db: Database) -> dict[str, int]:
    tables = (Issue, Paper, IssuePaper, Leaderboard, LeaderboardSnapshot, LeaderboardEntry, Model)
    async with db.session() as session:
        return {
            table.__name__: (await session.exec(select(func.count()).select_from(table))).one()
            for table in tables
        }


async def test_an_issue_is_stored_with_its_papers_tables_and_models(db: Database) -> None:
    result = await ingest(db, FIRST)
    assert (result.kind, str(result.date), result.created, result.papers) == (
        "report",
        "2026-11-19",
        True,
        3,
    )
    assert await counts(db) == {
        "Issue": 1,
        "Paper": 3,
        "IssuePaper": 3,
        "Leaderboard": 2,
        "LeaderboardSnapshot": 2,
        "LeaderboardEntry": 10,
        "Model": 6,
    }
    async with db.session() as session:
        issue = await issues.latest_issue(session)
        assert issue is not None
        assert issue.author == "Ada Lindqvist"
        assert issue.editorial[0].startswith("This is an example issue")
        assert issue.updated_at.tzinfo is not None
        board = await leaderboards.get_leaderboard(session, slug="artificial-analysis")
        assert board is not None and board.id is not None
        (snapshot,) = await leaderboards.snapshots(session, leaderboard_id=board.id)
        assert snapshot.id is not None
        rows = await leaderboards.snapshot_entries(session, snapshot_id=snapshot.id)
    assert [(r.rank, r.model, r.score, r.tokens_per_second, r.price_cents) for r in rows] == [
        (1, "Orion 3.2", 61.4, 88, 950),
        (2, "Lumen Pro 2", 60.9, 142, 420),
        (3, "Kestrel-4.1 Thinking", 58.0, 71, 1200),
        (4, "Nimbus 7.5", 57.3, 210, 85),
        (5, "Quill K3.1", 56.9, 39, 110),
    ]


async def test_reimporting_changes_nothing(db: Database) -> None:
    await ingest(db, FIRST)
    await ingest(db, SECOND)
    before = await counts(db)
    async with db.session() as session:
        stamps = [(i.date, i.updated_at) for i in await issues.list_issues(session)]
    again = await ingest(db, FIRST)
    assert (again.created, again.changed) == (False, False)
    await ingest(db, SECOND)
    assert await counts(db) == before
    async with db.session() as session:
        assert [(i.date, i.updated_at) for i in await issues.list_issues(session)] == stamps


async def test_a_second_capture_of_the_same_date_unites_the_papers(db: Database) -> None:
    await ingest(db, FIRST)
    other_papers = SECOND.replace("November 20, 2026", "November 19, 2026")
    result = await ingest(db, other_papers)
    assert (result.created, result.changed) == (False, True)
    found = await counts(db)
    assert found["Issue"] == 1
    # Three papers each, one in common: the issue features the union, in order of arrival.
    assert found["Paper"] == 5
    assert found["IssuePaper"] == 5
    async with db.session() as session:
        issue = await issues.latest_issue(session)
        assert issue is not None and issue.id is not None
        titles = [p.title for p in await issues.issue_papers(session, issue_id=issue.id)]
    assert titles == [
        "Speculative Batching for Long-Context Decoding",
        "Quantised Attention Caches Without Calibration",
        "Measuring Agent Reliability on Repository Tasks",
        "Prefix Sharing Across Tenants in Batched Inference",
        "Sparse Routers Forget Less",
    ]
    # The later capture's tables replace the earlier ones: one snapshot per board and date.
    assert found["LeaderboardSnapshot"] == 2
    assert found["LeaderboardEntry"] == 10


async def test_a_corrected_issue_updates_in_place(db: Database) -> None:
    await ingest(db, FIRST)
    async with db.session() as session:
        issue = await issues.latest_issue(session)
        assert issue is not None
        created, updated = issue.created_at, issue.updated_at
    corrected = FIRST.replace("within four points", "within three points")
    result = await ingest(db, corrected)
    assert (result.created, result.changed) == (False, True)
    async with db.session() as session:
        issue = await issues.latest_issue(session)
        assert issue is not None
    assert issue.created_at == created
    assert issue.updated_at > updated
    assert "within three points" in issue.editorial[1]
    assert (await counts(db))["Issue"] == 1


async def test_a_file_that_does_not_parse_stores_nothing(db: Database) -> None:
    await ingest(db, FIRST)
    before = await counts(db)
    broken = SECOND.replace("5Sable 2 Flash61.8%", "5Sable 2 Flash")
    with pytest.raises(ParseError, match="line"):
        await ingest(db, broken)
    assert await counts(db) == before
