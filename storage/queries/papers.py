"""Papers: bulk upsert by stable key, and lookups."""

from __future__ import annotations

import asyncio
import datetime as dt
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlalchemy import Integer, column, func, text
from sqlalchemy import select as columns
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import search_index
from storage.dialect import dialect_name, insert_for
from storage.identity import normalise_title, paper_key
from storage.search import searched_terms
from storage.tables import Paper, utcnow

# Keep IN lists and parameter counts well inside SQLite's and asyncpg's limits.
_CHUNK = 2000
# The columns an upsert writes, as `_row` gives them.
_COLUMNS = [
    "key",
    "arxiv_id",
    "title_key",
    "title",
    "category",
    "abstract",
    "links",
    "first_seen_at",
    "updated_at",
]
# The compiled upsert of each database, by its dialect.
_WRITERS: weakref.WeakKeyDictionary[Any, _BulkUpsert] = weakref.WeakKeyDictionary()
# Rows in one SQLite statement: 9 placeholders each, well inside SQLite's 32,766.
_ROWS_PER_STATEMENT = 1000
# Below this many papers, tokenizing in a thread costs more than it overlaps.
_THREADED = 200


@dataclass(frozen=True, slots=True)
class PaperInput:
    """A paper to store."""

    title: str
    abstract: str
    category: str | None = None
    arxiv_id: str | None = None
    links: dict[str, str] | None = None


def _row(paper: PaperInput, first_seen: dt.datetime, now: dt.datetime) -> dict[str, object]:
    title_key = normalise_title(paper.title)
    return {
        "key": paper_key(title=paper.title, arxiv_id=paper.arxiv_id, title_key=title_key),
        "arxiv_id": paper.arxiv_id,
        "title_key": title_key,
        "title": paper.title,
        "category": paper.category,
        "abstract": paper.abstract,
        "links": paper.links or {},
        "first_seen_at": first_seen,
        "updated_at": now,
    }


async def upsert_papers(
    session: AsyncSession,
    *,
    papers: Iterable[PaperInput],
    first_seen: dt.datetime | None = None,
) -> list[str]:
    """Insert new papers and correct known ones; return their keys in the order given.

    A known paper keeps its key and its earliest first-seen time; a missing category or abstract
    never erases one already stored. `papers` is read a chunk at a time, so a bulk import of any
    size holds only one chunk in memory; the search index moves in the same transaction.
    """
    now = utcnow()
    table = Paper.__table__  # type: ignore[attr-defined]
    write = _writer(session, table)
    after = columns(table.c.id, table.c.key, table.c.title, table.c.abstract, table.c.updated_at)
    connection = await session.connection()
    plan: search_index.Plan | None = None
    gained, lost = search_index.Gathered(), search_index.Gathered()
    keys: list[str] = []
    for chunk in _chunks(papers, _CHUNK):
        rows = [_row(paper, first_seen or now, now) for paper in chunk]
        keys.extend(str(row["key"]) for row in rows)
        if plan is None:
            plan = await connection.run_sync(search_index.plan)
        stored = await _stored(connection, table, [str(row["key"]) for row in rows])
        # Only a changed title or abstract moves the index: that is known before the write.
        texts: dict[str, tuple[str, str]] = {}
        old: dict[str, search_index.Doc] = {}
        for row in rows:
            key, title, abstract = str(row["key"]), str(row["title"]), str(row["abstract"])
            known = stored.get(key)
            if known is None:
                texts[key] = (title, abstract)
            elif title != known.title or (abstract and abstract != known.abstract):
                texts[key] = (title, abstract or known.abstract)
                old[key] = search_index.Doc(known.id, known.title, known.abstract)
        # Tokenizing runs in a thread while the database writes the rows (and their FTS5
        # entries) in its own: the two overlap on two cores.
        pending = list(texts.values())
        tokenizing = (
            asyncio.create_task(asyncio.to_thread(search_index.gather, pending, plan, gained.df))
            if len(pending) >= _THREADED
            else None
        )
        try:
            await write(connection, rows)
        finally:
            found = (
                await tokenizing if tokenizing else search_index.gather(pending, plan, gained.df)
            )
        # Nothing to index (a re-import of known papers): no need to read the rows back.
        written = (
            {
                row.key: row
                for row in await connection.execute(after.where(table.c.key.in_(list(texts))))
            }
            if texts
            else {}
        )
        ours = {
            key: row.id
            for key, row in written.items()
            if row.updated_at == now and (row.title, row.abstract) == texts[key]
        }
        if len(ours) < len(texts):
            # Another transaction wrote a paper between the read and the write: what is stored
            # is theirs, and so is its place in the index.
            gained.df.subtract(search_index.gather(pending).df)
            texts = {key: value for key, value in texts.items() if key in ours}
            found = search_index.gather(list(texts.values()), plan, gained.df)
        found.identify([ours[key] for key in texts])
        gone = [old[key] for key in texts if key in old]
        removed = search_index.gather([(doc.title, doc.abstract) for doc in gone])
        removed.identify([doc.id for doc in gone])
        gained.extend(found)
        lost.extend(removed)
    # The search statistics move with the rows, in the same transaction.
    await connection.run_sync(search_index.apply, gained, lost)
    return keys


async def _stored(connection: Any, table: Any, keys: list[str]) -> dict[str, Any]:
    """Return the stored papers among `keys`: id, key, title and abstract, by key."""
    query = columns(table.c.id, table.c.key, table.c.title, table.c.abstract)
    return {row.key: row for row in await connection.execute(query.where(table.c.key.in_(keys)))}


def _writer(session: AsyncSession, table: Any) -> _BulkUpsert:
    # Compiling the upsert costs about a millisecond: once per database, not once per import.
    bind = session.bind
    if bind is None:
        raise RuntimeError("the session is not bound to an engine")
    found = _WRITERS.get(bind.dialect)
    if found is None:
        found = _WRITERS[bind.dialect] = _BulkUpsert(session, table)
    return found


class _BulkUpsert:
    """The upsert compiled once per database and run at the driver level.

    SQLAlchemy's per-row work (a statement rendered per thousand rows, each value processed
    through its execution machinery) cost more than the database's own; the values here go
    through the same type processors, once per distinct object. On SQLite the rows go a
    thousand to a statement: FTS5 flushes what it holds at every statement, so one statement
    per row (an executemany) wrote the index twice as slowly.
    """

    def __init__(self, session: AsyncSession, table: Any) -> None:
        dialect = session.bind.dialect if session.bind is not None else None
        if dialect is None:
            raise RuntimeError("the session is not bound to an engine")
        compiled = _upsert(session, table).compile(dialect=dialect, column_keys=_COLUMNS)
        self.sql = compiled.string
        self.sqlite = dialect.name == "sqlite"
        self.params: list[tuple[str, Any, Any]] = []
        for name in compiled.positiontup or ():
            bind = compiled.binds[name]
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            self.params.append((name, processor, bind.value))
        # The VALUES placeholders come first, in column order; the ON CONFLICT clause's after.
        if [name for name, _, _ in self.params[: len(_COLUMNS)]] != _COLUMNS:
            raise RuntimeError("the upsert's parameters are not in column order")
        self._statements: dict[int, str] = {}

    async def __call__(self, connection: Any, rows: Sequence[dict[str, object]]) -> None:
        """Write `rows` (dicts of the upsert's columns)."""
        values = [self._values(rows, name, processor) for name, processor, _ in self.params[:9]]
        constants = [
            processor(value) if processor else value for _, processor, value in self.params[9:]
        ]
        tuples = list(zip(*values, strict=True))
        if not self.sqlite:
            await connection.exec_driver_sql(self.sql, [(*row, *constants) for row in tuples])
            return
        for start in range(0, len(tuples), _ROWS_PER_STATEMENT):
            part = tuples[start : start + _ROWS_PER_STATEMENT]
            flat = [value for row in part for value in row]
            await connection.exec_driver_sql(self._statement(len(part)), (*flat, *constants))

    def _values(self, rows: Sequence[dict[str, object]], name: str, processor: Any) -> list[object]:
        values = [row[name] for row in rows]
        return values if processor is None else _processed(values, processor)

    def _statement(self, count: int) -> str:
        # The compiled text has one group of placeholders; a statement for `count` rows repeats it.
        found = self._statements.get(count)
        if found is None:
            group = "(" + ", ".join("?" * len(_COLUMNS)) + ")"
            assert self.sql.count(group) == 1, "the upsert's VALUES clause is one group"
            found = self._statements[count] = self.sql.replace(group, ", ".join([group] * count))
        return found


def _processed(values: list[object], processor: Any) -> list[object]:
    # Rows of an import share their timestamps: each distinct object is processed once.
    done: dict[int, object] = {}
    result = []
    for value in values:
        key = id(value)
        if key not in done:
            done[key] = processor(value)
        result.append(done[key])
    return result


def _upsert(session: AsyncSession, table: Any) -> Any:
    insert = insert_for(session, table)
    excluded = insert.excluded
    changed = (
        table.c.title.is_distinct_from(excluded.title)
        | (table.c.abstract.is_distinct_from(excluded.abstract) & (excluded.abstract != ""))
        | (table.c.category.is_distinct_from(excluded.category) & excluded.category.is_not(None))
        | (table.c.first_seen_at > excluded.first_seen_at)
    )
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "title": excluded.title,
            "title_key": excluded.title_key,
            "abstract": func.coalesce(func.nullif(excluded.abstract, ""), table.c.abstract),
            "category": func.coalesce(excluded.category, table.c.category),
            "first_seen_at": _earliest(session, table.c.first_seen_at, excluded.first_seen_at),
            "updated_at": excluded.updated_at,
        },
        where=changed,
    )
    return statement


def _chunks(items: Iterable[PaperInput], size: int) -> Iterator[list[PaperInput]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


async def delete_papers(session: AsyncSession, *, ids: Sequence[int]) -> int:
    """Delete the papers with `ids` and take them out of the search index; return how many."""
    table = Paper.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    deleted = 0
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        gone = (
            await connection.execute(
                table.delete()
                .where(table.c.id.in_(chunk))
                .returning(table.c.id, table.c.title, table.c.abstract)
            )
        ).all()
        removed = [search_index.Doc(row.id, row.title, row.abstract) for row in gone]
        await connection.run_sync(search_index.index_changes, [], removed)
        deleted += len(removed)
    return deleted


def _earliest(session: AsyncSession, stored: object, incoming: object) -> object:
    # SQLite spells LEAST as the two-argument MIN.
    if dialect_name(session) == "sqlite":
        return func.min(stored, incoming)
    return func.least(stored, incoming)


async def paper_ids(session: AsyncSession, *, keys: Sequence[str]) -> dict[str, int]:
    """Return the row ids of the papers with `keys`."""
    found: dict[str, int] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        rows = (
            await session.exec(select(Paper.key, Paper.id).where(col(Paper.key).in_(chunk)))
        ).all()
        found.update({key: paper_id for key, paper_id in rows if paper_id is not None})
    return found


async def get_paper(session: AsyncSession, *, key: str) -> Paper | None:
    """Return the paper with the public `key`."""
    return (await session.exec(select(Paper).where(Paper.key == key))).first()


async def latest_papers(
    session: AsyncSession, *, limit: int = 50, category: str | None = None
) -> Sequence[Paper]:
    """Return papers newest first, optionally of one category."""
    query = select(Paper)
    if category is not None:
        query = query.where(Paper.category == category)
    query = query.order_by(col(Paper.first_seen_at).desc(), col(Paper.id).desc()).limit(limit)
    return (await session.exec(query)).all()


async def count_papers(session: AsyncSession) -> int:
    """Return how many papers are stored."""
    return (await session.exec(select(func.count()).select_from(Paper))).one()


@dataclass(frozen=True, slots=True)
class DatedPaper:
    """A paper with the time a feed shows it at: unique, stable and newest first."""

    paper: Paper
    published: dt.datetime


def _dated_query(where: Sequence[Any]) -> Any:
    # Papers stored together share a first-seen time; readers sort by date, so each paper is
    # shown one second later than the papers stored before it at the same time. Counting only
    # older ids keeps a paper's date fixed when later papers join its batch.
    older = aliased(Paper)
    ordinal = (
        select(func.count())
        .select_from(older)
        .where(
            col(older.first_seen_at) == col(Paper.first_seen_at),
            col(older.id) < col(Paper.id),
        )
        .scalar_subquery()
    )
    return (
        select(Paper, ordinal)
        .where(*where)
        .order_by(col(Paper.first_seen_at).desc(), col(Paper.id).desc())
    )


async def _dated(session: AsyncSession, query: Any) -> list[DatedPaper]:
    rows = (await session.exec(query)).all()
    return [
        DatedPaper(paper, paper.first_seen_at + dt.timedelta(seconds=ordinal))
        for paper, ordinal in rows
    ]


async def papers_page(
    session: AsyncSession, *, limit: int, offset: int = 0, category: str | None = None
) -> list[DatedPaper]:
    """Return one page of papers, newest first, optionally of one category."""
    where = [] if category is None else [col(Paper.category) == category]
    return await _dated(session, _dated_query(where).limit(limit).offset(offset))


async def count_papers_in(session: AsyncSession, *, category: str | None = None) -> int:
    """Return how many papers are stored, optionally of one category."""
    query = select(func.count()).select_from(Paper)
    if category is not None:
        query = query.where(col(Paper.category) == category)
    return (await session.exec(query)).one()


async def list_categories(session: AsyncSession) -> list[tuple[str, int]]:
    """Return every category papers are filed under, with how many, by name."""
    query = (
        select(col(Paper.category), func.count())
        .where(col(Paper.category).is_not(None))
        .group_by(col(Paper.category))
        .order_by(col(Paper.category))
    )
    return [(str(category), count) for category, count in (await session.exec(query)).all()]


def _matching(session: AsyncSession, terms: Sequence[str]) -> Any:
    # Every term must match (a saved search follows a topic, so no any-word fallback); each term
    # is quoted, so neither FTS5 nor to_tsquery ever sees an operator.
    if dialect_name(session) == "sqlite":
        match = " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)
        ids = text("SELECT rowid FROM paper_fts WHERE paper_fts MATCH :match").bindparams(
            match=match
        )
        return col(Paper.id).in_(ids.columns(column("rowid", Integer)))
    # websearch_to_tsquery never raises on typed text; the words alone are given, so all must match.
    return text("paper.search_vector @@ websearch_to_tsquery('english', :words)").bindparams(
        words=" ".join(terms)
    )


async def search_papers_newest(
    session: AsyncSession, *, query: str, limit: int, offset: int = 0
) -> tuple[list[DatedPaper], int]:
    """Return one page of the papers matching every word of `query`, newest first, and the total."""
    terms = searched_terms(query)
    if not terms:
        return [], 0
    condition = _matching(session, terms)
    total = (await session.exec(select(func.count()).select_from(Paper).where(condition))).one()
    page = await _dated(session, _dated_query([condition]).limit(limit).offset(offset))
    return page, total
