"""Full-text search over papers: FTS5 on SQLite, a weighted tsvector with GIN on PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.dialect import dialect_name
from storage.tables import Paper

# Names of the objects the migrations create outside the ORM's metadata.
SEARCH_OBJECTS = frozenset({"paper_fts", "search_vector", "ix_paper_search_vector"})

# Marks around a matched term in an extract; private-use characters that imports strip from text.
MARK_START = "\ue000"
MARK_END = "\ue001"

_WORD = re.compile(r"\w+", re.UNICODE)
# Words too common to narrow a search (and the operators people type out of habit).
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "near",
        "not",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "this",
        "to",
        "was",
        "were",
        "which",
        "with",
    ]
)
_SQLITE_DDL = (
    "CREATE VIRTUAL TABLE paper_fts USING fts5(title, abstract, content='paper', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER paper_fts_insert AFTER INSERT ON paper BEGIN "
    "INSERT INTO paper_fts(rowid, title, abstract) VALUES (new.id, new.title, new.abstract); END",
    "CREATE TRIGGER paper_fts_delete AFTER DELETE ON paper BEGIN "
    "INSERT INTO paper_fts(paper_fts, rowid, title, abstract) "
    "VALUES ('delete', old.id, old.title, old.abstract); END",
    "CREATE TRIGGER paper_fts_update AFTER UPDATE OF title, abstract ON paper BEGIN "
    "INSERT INTO paper_fts(paper_fts, rowid, title, abstract) "
    "VALUES ('delete', old.id, old.title, old.abstract); "
    "INSERT INTO paper_fts(rowid, title, abstract) VALUES (new.id, new.title, new.abstract); END",
)
_POSTGRES_DDL = (
    "ALTER TABLE paper ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(abstract, '')), 'B')) STORED",
    "CREATE INDEX ix_paper_search_vector ON paper USING gin (search_vector)",
)
_SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS paper_fts_update",
    "DROP TRIGGER IF EXISTS paper_fts_delete",
    "DROP TRIGGER IF EXISTS paper_fts_insert",
    "DROP TABLE IF EXISTS paper_fts",
)
_POSTGRES_DROP = (
    "DROP INDEX IF EXISTS ix_paper_search_vector",
    "ALTER TABLE paper DROP COLUMN IF EXISTS search_vector",
)


def index_ddl(dialect: str) -> tuple[str, ...]:
    """Return the statements that create the search index on `dialect`."""
    return _SQLITE_DDL if dialect == "sqlite" else _POSTGRES_DDL


def drop_index_ddl(dialect: str) -> tuple[str, ...]:
    """Return the statements that remove the search index on `dialect`."""
    return _SQLITE_DROP if dialect == "sqlite" else _POSTGRES_DROP


def query_terms(query: str) -> list[str]:
    """Return the words of anything a person typed; quotes, operators and emoji are dropped.

    Common words are dropped too, unless the query has nothing else.
    """
    words = _WORD.findall(query.replace("_", " "))
    return [w for w in words if w.casefold() not in _STOPWORDS] or words


@dataclass(frozen=True, slots=True)
class PaperHit:
    """A paper that matched, with an extract whose matched terms sit between the marks."""

    paper: Paper
    extract: str


async def search_papers(
    session: AsyncSession, *, query: str, category: str | None = None, limit: int = 5
) -> list[PaperHit]:
    """Return the papers that best match `query`, all its words first, then any of them."""
    terms = query_terms(query)
    if not terms or limit <= 0:
        return []
    search = _search_sqlite if dialect_name(session) == "sqlite" else _search_postgres
    hits = await search(session, terms, category, limit, "AND")
    if not hits and len(terms) > 1:
        hits = await search(session, terms, category, limit, "OR")
    return hits


async def _search_sqlite(
    session: AsyncSession, terms: list[str], category: str | None, limit: int, joiner: str
) -> list[PaperHit]:
    # Each term is quoted, so FTS5 sees plain strings and never an operator or a column filter.
    match = f" {joiner} ".join('"' + term.replace('"', '""') + '"' for term in terms)
    sql = (
        "SELECT paper_fts.rowid AS id, snippet(paper_fts, 1, :start, :end, '…', 28) AS extract "
        "FROM paper_fts JOIN paper ON paper.id = paper_fts.rowid "
        "WHERE paper_fts MATCH :match AND (:category IS NULL OR paper.category = :category) "
        "ORDER BY bm25(paper_fts, 8.0, 1.0), paper.id DESC LIMIT :limit"
    )
    params = {
        "match": match,
        "category": category,
        "limit": limit,
        "start": MARK_START,
        "end": MARK_END,
    }
    rows = (await (await session.connection()).execute(text(sql), params)).all()
    return await _hits(session, [(row.id, row.extract) for row in rows])


async def _search_postgres(
    session: AsyncSession, terms: list[str], category: str | None, limit: int, joiner: str
) -> list[PaperHit]:
    # to_tsquery is only ever given words that \w+ matched, each quoted, so it cannot fail.
    operator = " & " if joiner == "AND" else " | "
    tsquery = operator.join("'" + term.replace("'", "''") + "'" for term in terms)
    sql = (
        "SELECT top.id, ts_headline('english', top.abstract, q, :options) AS extract FROM ("
        "  SELECT paper.id, paper.abstract, ts_rank_cd(search_vector, q) AS rank, q"
        "  FROM paper, to_tsquery('english', :tsquery) AS q"
        "  WHERE search_vector @@ q AND (CAST(:category AS text) IS NULL OR category = :category)"
        "  ORDER BY rank DESC, paper.id DESC LIMIT :limit"
        ") AS top ORDER BY top.rank DESC, top.id DESC"
    )
    options = (
        f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, "
        "ShortWord=3, MaxFragments=1, FragmentDelimiter=…"
    )
    params = {"tsquery": tsquery, "category": category, "limit": limit, "options": options}
    rows = (await (await session.connection()).execute(text(sql), params)).all()
    return await _hits(session, [(row.id, row.extract) for row in rows])


async def _hits(session: AsyncSession, ranked: list[tuple[int, str]]) -> list[PaperHit]:
    if not ranked:
        return []
    ids = [paper_id for paper_id, _ in ranked]
    papers = {
        paper.id: paper
        for paper in (await session.exec(select(Paper).where(Paper.id.in_(ids)))).all()  # type: ignore[union-attr]
    }
    return [PaperHit(papers[paper_id], extract) for paper_id, extract in ranked]
