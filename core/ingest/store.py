"""Store a parsed document: one transaction, idempotent, never a duplicate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from core.ingest.document import Document, PaperListDocument, PaperRecord, ReportDocument
from core.ingest.parse import parse_document
from core.ingest.rows import Evidence
from storage import Database
from storage.queries import issues, leaderboards, models, papers

REPORT_SOURCE = "report"


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What an import stored."""

    kind: str
    date: dt.date | None
    papers: int
    changed: bool
    created: bool = False

    def describe(self) -> str:
        """Return one line saying what was stored."""
        if self.kind == "paper-list":
            return f"paper list: {self.papers} papers"
        state = "new" if self.created else ("updated" if self.changed else "unchanged")
        return f"issue {self.date}: {state}, {self.papers} papers"


async def load_evidence(session: AsyncSession) -> Evidence:
    """Return what the database knows of model names, for resolving glued table rows."""
    return Evidence(names=frozenset(n.casefold() for n in await models.known_model_names(session)))


async def ingest(db: Database, data: bytes | str) -> IngestResult:
    """Parse `data` and store it in one transaction; a ParseError stores nothing."""
    async with db.session() as session:
        evidence = await load_evidence(session)
    document = parse_document(data, evidence=evidence)
    async with db.transaction() as session:
        return await store_document(session, document)


async def store_document(session: AsyncSession, document: Document) -> IngestResult:
    """Store `document` in the session's transaction."""
    if isinstance(document, PaperListDocument):
        keys = await papers.upsert_papers(session, papers=map(_paper_input, document.papers))
        return IngestResult(kind=document.kind, date=None, papers=len(keys), changed=bool(keys))
    return await _store_report(session, document)


async def _store_report(session: AsyncSession, report: ReportDocument) -> IngestResult:
    issue, state = await issues.save_issue(
        session,
        date=report.date,
        title=report.title,
        author=report.author,
        editorial=report.editorial,
    )
    changed = state != "unchanged"
    # A paper first featured in an issue was first seen on the issue's date.
    first_seen = dt.datetime.combine(report.date, dt.time(), tzinfo=dt.UTC)
    keys = await papers.upsert_papers(
        session, papers=map(_paper_input, report.papers), first_seen=first_seen
    )
    ids = await papers.paper_ids(session, keys=keys)
    assert issue.id is not None
    linked = await issues.link_papers(session, issue_id=issue.id, paper_ids=[ids[k] for k in keys])
    tables_changed = False
    for board in report.leaderboards:
        stored = await leaderboards.save_leaderboard(
            session, slug=board.slug, name=board.name, description=board.description
        )
        model_ids = await models.resolve_models(session, names=[e.model for e in board.entries])
        assert stored.id is not None
        _, snapshot_changed = await leaderboards.save_snapshot(
            session,
            leaderboard_id=stored.id,
            as_of=report.date,
            source=REPORT_SOURCE,
            entries=[
                leaderboards.EntryInput(
                    rank=e.rank,
                    model_id=model_ids[e.model],
                    score=e.score,
                    tokens_per_second=e.tokens_per_second,
                    price_cents=e.price_cents,
                )
                for e in board.entries
            ],
        )
        tables_changed |= snapshot_changed
    if not changed and (linked or tables_changed):
        await issues.touch_issue(session, issue=issue)
        changed = True
    return IngestResult(
        kind=report.kind,
        date=report.date,
        papers=len(report.papers),
        changed=changed,
        created=state == "created",
    )


def _paper_input(paper: PaperRecord) -> papers.PaperInput:
    return papers.PaperInput(
        title=paper.title,
        abstract=paper.abstract,
        category=paper.category,
        arxiv_id=paper.arxiv_id,
        links=paper.links,
    )
