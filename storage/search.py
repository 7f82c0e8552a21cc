"""Full-text search over papers: FTS5 on SQLite, a weighted tsvector with GIN on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice

from rapidfuzz import fuzz, process
from sqlalchemy import Connection, Integer, bindparam
from sqlalchemy import select as select_columns
from sqlalchemy.orm import Session
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import search_index as ix
from storage.engine import Database
from storage.reads import Read, rows
from storage.tables import Paper

# Names of the objects the migrations create outside the ORM's metadata.
SEARCH_OBJECTS = frozenset(
    {
        "paper_fts",
        "search_vector",
        "ix_paper_search_vector",
        *ix.SEARCH_TABLES,
        "ix_search_term_word",
        "ix_search_champion_rank",
        "ix_search_champion_paper",
        "ix_paper_title_vector",
    }
)

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
# The titles' words alone, indexed on PostgreSQL by migration 0007. In ts_rank a paper that has a
# word in its title (weight A) outranks every paper that has it only in its abstract (weight B):
# so the few that name it are ranked first, and alone when there are enough of them.
_TITLE_VECTOR = "to_tsvector('english', coalesce(title, ''))"
TITLE_INDEX = f"CREATE INDEX ix_paper_title_vector ON paper USING gin (({_TITLE_VECTOR}))"
TITLE_INDEX_DROP = "DROP INDEX IF EXISTS ix_paper_title_vector"
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
class FoundPaper:
    """The columns of a paper a search shows."""

    id: int
    key: str
    arxiv_id: str | None
    title: str
    category: str | None
    abstract: str
    links: dict[str, str]
    first_seen_at: dt.datetime


@dataclass(frozen=True, slots=True)
class PaperHit:
    """A paper that matched, with an extract whose matched terms sit between the marks."""

    paper: FoundPaper
    extract: str


@dataclass(frozen=True, slots=True)
class _Filters:
    category: str | None
    since: dt.datetime | None
    until: dt.datetime | None

    def sql(self, table: str) -> tuple[str, dict[str, object]]:
        clauses: list[str] = []
        params: dict[str, object] = {}
        if self.category is not None:
            clauses.append(f"{table}.category = :category")
            params["category"] = self.category
        if self.since is not None:
            clauses.append(f"{table}.first_seen_at >= :since")
            params["since"] = _utc(self.since)
        if self.until is not None:
            clauses.append(f"{table}.first_seen_at < :until")
            params["until"] = _utc(self.until)
        return "".join(f" AND {clause}" for clause in clauses), params

    @property
    def any(self) -> bool:
        return not (self.category is None and self.since is None and self.until is None)


def _utc(moment: dt.datetime) -> dt.datetime:
    # Times are stored in UTC (SQLite keeps them as text, compared as text); naive ones are UTC.
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


# Words of a query that are searched; the rest of a very long query is ignored.
MAX_TERMS = 32
# Champions read per term when several terms are searched together.
QUERY_CHAMPIONS = 40
# Candidates of a several-term search scored exactly from their text, at most.
RESCORED = 60
# Matches few enough to score every one exactly from its text, instead of ranking in the database.
EXACT = 100
# PostgreSQL: papers whose tsvectors a search reads and ranks, at most, in the usual case.
RANKED_PAPERS = 1500
# The share of a word's papers that name it in their title, as plans estimate it.
TITLE_SHARE = 0.1
# Terms of an any-word search whose pairs are looked up to rank title matches first, at most.
PAIRED_TERMS = 6
# Words of an extract, around the first match.
EXTRACT_WORDS = 28
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


async def search_papers(
    session: AsyncSession,
    *,
    query: str,
    category: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 5,
) -> list[PaperHit]:
    """Return the papers that best match `query`, all its words first, then any of them.

    `since` and `until` bound the time a paper was first seen (until is exclusive). The search
    runs in `session`, so it sees what the session wrote; `find_papers` reads on its own.
    """
    terms = searched_terms(query)
    if not terms or limit <= 0:
        return []
    return await session.run_sync(_hits, terms, _Filters(category, since, until), limit)


async def find_papers(
    db: Database,
    *,
    query: str,
    category: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 5,
) -> list[PaperHit]:
    """Return what `search_papers` does, in a read of its own: on SQLite, one worker thread."""
    terms = searched_terms(query)
    if not terms or limit <= 0:
        return []
    return await db.read(_hits, terms, _Filters(category, since, until), limit)


@functools.cache
def _found_papers(count: int) -> Read:
    # One prebuilt read per number of papers: a search shows a handful, so there are few.
    return Read(
        select_columns(
            col(Paper.id),
            col(Paper.key),
            col(Paper.arxiv_id),
            col(Paper.title),
            col(Paper.category),
            col(Paper.abstract),
            col(Paper.links),
            col(Paper.first_seen_at),
        ).where(col(Paper.id).in_([bindparam(f"p{i}", type_=Integer) for i in range(count)]))
    )


def searched_terms(query: str) -> list[str]:
    """Return the distinct words of `query` that are searched, at most MAX_TERMS of them."""
    # Repeated words add nothing, and a pasted page must not outgrow the drivers' parameter limits.
    return list(dict.fromkeys(query_terms(query)))[:MAX_TERMS]


def _hits(session: Session, terms: list[str], filters: _Filters, limit: int) -> list[PaperHit]:
    ranked = _search(session.connection(), terms, filters, limit)
    if not ranked:
        return []
    read = _found_papers(len(ranked))
    found = read.on(session.connection(), {f"p{i}": paper_id for i, paper_id in enumerate(ranked)})
    papers = {row[0]: FoundPaper(*row) for row in found}
    keys = {ix.term_of(term) for term in terms}
    return [
        PaperHit(papers[paper_id], extract(papers[paper_id].abstract, keys))
        for paper_id in ranked
        if paper_id in papers
    ]


async def suggest_query(session: AsyncSession, *, query: str) -> str | None:
    """Return `query` with unknown words replaced by close known ones, or None if none is close."""
    terms = searched_terms(query)
    if not terms:
        return None
    connection = await session.connection()
    result: str | None = await connection.run_sync(_suggest, terms)
    return result


def extract(abstract: str, keys: set[str]) -> str:
    """Return a few words of `abstract` around its first match, the matched words marked."""
    spaced = ix.spaced(abstract) if abstract.isascii() else None
    # ASCII text keeps its offsets when lower-cased, so its words line up with their spans.
    folded = (
        spaced.split() if spaced is not None else [ix.fold(w) for w in _TOKEN.findall(abstract)]
    )
    if not folded:
        return ""
    stems = ix.stems(distinct := set(folded))
    matching = {word for word in distinct if stems[word] in keys}
    hit = next((i for i, word in enumerate(folded) if word in matching), None) if matching else None
    first = max(0, hit - EXTRACT_WORDS // 4) if hit is not None else 0
    last = min(len(folded), first + EXTRACT_WORDS)
    parts = []
    spans = _spans(abstract, spaced, folded, first, last)
    position = spans[0][0]
    for i, (a, b) in enumerate(spans):
        parts.append(abstract[position:a])
        word = abstract[a:b]
        parts.append(f"{MARK_START}{word}{MARK_END}" if folded[first + i] in matching else word)
        position = b
    if last == len(folded):
        parts.append(abstract[position:])
    body = "".join(parts).strip()
    return ("…" if first else "") + body + ("…" if last < len(folded) else "")


def _spans(
    abstract: str, spaced: str | None, folded: list[str], first: int, last: int
) -> list[tuple[int, int]]:
    """Return where the words `first` to `last` of `abstract` are; only these are shown."""
    if spaced is None:
        return [match.span() for match in islice(_TOKEN.finditer(abstract), first, last)]
    # Words are separated by spaces only: each next one is the next occurrence of its text.
    spans = []
    position = 0
    for i in range(last):
        start = spaced.find(folded[i], position)
        position = start + len(folded[i])
        if i >= first:
            spans.append((start, position))
    return spans


def _search(conn: Connection, terms: list[str], filters: _Filters, limit: int) -> list[int]:
    keys = [ix.term_of(term) for term in terms]
    known = _term_rows(conn, list(dict.fromkeys(keys)))
    surface = dict(zip(keys, terms, strict=True))
    ranked = _ranked(conn, terms, surface, known, filters, limit, every=True)
    if not ranked and len(keys) > 1:
        ranked = _ranked(conn, terms, surface, known, filters, limit, every=False)
    return ranked


def _term_rows(conn: Connection, keys: Sequence[str]) -> dict[str, tuple[int, int]]:
    params = {f"t{i}": key for i, key in enumerate(keys)}
    names = ", ".join(f":{name}" for name in params)
    found = rows(conn, f"SELECT term, df, listed FROM search_term WHERE term IN ({names})", params)
    return {term: (int(df), int(listed)) for term, df, listed in found}


def _ranked(
    conn: Connection,
    terms: list[str],
    surface: dict[str, str],
    known: dict[str, tuple[int, int]],
    filters: _Filters,
    limit: int,
    *,
    every: bool,
) -> list[int]:
    if conn.dialect.name != "sqlite":
        return _ts_ranked(conn, terms, surface, known, filters, limit, every=every)
    keys = list(surface)
    listed = [key for key in keys if known.get(key, (0, 0))[1] > 0]
    if every:
        # One rare word bounds the matches, so full ranking is cheap and exact.
        cheap = min(known.get(key, (0, 0))[0] for key in keys) <= ix.FULL_RANK_LIMIT
    else:
        cheap = sum(known.get(key, (0, 0))[0] for key in keys) <= ix.FULL_RANK_LIMIT
    rare = [key for key in keys if known.get(key, (0, 0))[0] <= ix.FULL_RANK_LIMIT]
    if every and listed and rare and known and all(key in known for key in keys):
        # A rare word with common ones: bm25 would count every match of the common words, so
        # the rare words rank, the common ones filter, and the best few are scored exactly.
        return _mixed_rank(conn, surface, rare, known, filters, limit)
    if not every and not cheap and not listed:
        # Any of several words without lists, too many matches to rank them all: the papers
        # naming a word in their title outweigh the rest, and a few of each are scored exactly.
        titled = _title_rank(conn, surface, known, filters, limit)
        if titled is not None:
            return titled
    if cheap or not listed:
        return _full_rank(conn, terms, filters, limit, every=every)
    together, in_lists = _expected(conn, keys, known) if every else (float("inf"), float("inf"))
    if together <= EXACT // 2:
        # Common words that seldom meet: their few common papers are found and scored exactly.
        exact = _exact(conn, surface, known, filters, limit, every=True)
        if exact is not None:
            return exact
    if len(keys) > 1 and in_lists < limit:
        # Each list would hold too few papers with the other words: rank the matches at once.
        return _full_rank(conn, terms, filters, limit, every=True)
    ranked = _champion_rank(conn, surface, known, filters, limit, every=every)
    if len(ranked) < limit:
        # The lists hold too few papers with every word or past the filters: score every match
        # when they are few, else rank them all in the database.
        exact = _exact(conn, surface, known, filters, limit, every=every)
        return exact if exact is not None else _full_rank(conn, terms, filters, limit, every=every)
    return ranked


def _expected(
    conn: Connection, keys: Sequence[str], known: dict[str, tuple[int, int]]
) -> tuple[float, float]:
    """Return how many papers hold every word, and how many of those each list would show.

    Words are taken as independent: the share of papers with several is the product.
    """
    total, _ = ix.stats(conn)
    shares = [known.get(key, (0, 0))[0] / max(total, 1) for key in keys]
    together = total * math.prod(shares)
    # A word's list holds its best papers; the others' words are in them at their usual share.
    in_lists = sum(
        QUERY_CHAMPIONS * math.prod(shares[:i] + shares[i + 1 :]) for i in range(len(shares))
    )
    return together, in_lists


def _exact(
    conn: Connection,
    surface: dict[str, str],
    known: dict[str, tuple[int, int]],
    filters: _Filters,
    limit: int,
    *,
    every: bool,
) -> list[int] | None:
    """Return the best matches scored exactly from their text, or None if there are too many.

    FTS5's bm25 first reads every match of each word to count them; finding the matches
    unranked skips through the word lists, and the counts are already in `search_term`.
    """
    ids = _unranked(conn, list(surface.values()), filters, EXACT + 1, every=every)
    if len(ids) > EXACT:
        return None
    total, average = ix.stats(conn)
    weights = {key: ix.idf(total, known.get(key, (0, 0))[0]) for key in surface}
    return _rescored(conn, ids, weights, average, limit, every=every, depth=len(ids))


def _ts_ranked(
    conn: Connection,
    terms: list[str],
    surface: dict[str, str],
    known: dict[str, tuple[int, int]],
    filters: _Filters,
    limit: int,
    *,
    every: bool,
) -> list[int]:
    # PostgreSQL: ts_rank needs no statistic of the words, so the plan depends only on how many
    # papers each would read: the candidates GIN finds, or the lists' papers.
    keys = list(surface)
    dfs = [known.get(key, (0, 0))[0] for key in keys]
    listed = [key for key in keys if known.get(key, (0, 0))[1] > 0]
    if not listed or (every and min(dfs) <= ix.FULL_RANK_LIMIT):
        # The papers with every word are fewer than the rarest word's: GIN intersects them.
        return _rank_matches(conn, terms, filters, limit, every=every)
    titles = False
    if len(keys) > 1:
        total, _ = ix.stats(conn)
        if _papers_to_rank(dfs, total, every=every) <= RANKED_PAPERS:
            return _rank_matches(conn, terms, filters, limit, every=every)
        # Titles that hold every word are worth looking up unless the words are everywhere:
        # then GIN would gather most titles, and ts_rank ties nearly all papers anyway.
        titles = every and max(dfs) <= total // 2
    ranked = _ts_champion_rank(conn, surface, known, filters, limit, every=every, titles=titles)
    if len(ranked) < limit:
        # The lists hold too few papers that pass the filters: rank the matches instead.
        return _rank_matches(conn, terms, filters, limit, every=every)
    return ranked


def _papers_to_rank(dfs: list[int], total: int, *, every: bool) -> float:
    # Expected candidates of `_rank_matches`, as if the words fell in papers independently.
    share = [min(df / max(total, 1), 1.0) for df in dfs]
    if every:
        return total * math.prod(share)
    if len(dfs) > PAIRED_TERMS:
        return float(sum(dfs))
    pairs = sum(a * b for i, a in enumerate(share) for b in share[i + 1 :])
    return TITLE_SHARE * sum(dfs) + total * pairs


def _champion_rank(
    conn: Connection,
    surface: dict[str, str],
    known: dict[str, tuple[int, int]],
    filters: _Filters,
    limit: int,
    *,
    every: bool,
) -> list[int]:
    keys = list(surface)
    depth = ix.CHAMPIONS if len(keys) == 1 else QUERY_CHAMPIONS
    candidates: dict[int, None] = {}
    for key in keys:
        if known.get(key, (0, 0))[1] > 0:
            ids = _champions(conn, key, depth)
        else:
            # A word without a list: the papers naming it in their title outweigh the others,
            # and finding some of them skips ranking all its matches (bm25 costs per match).
            ids = _title_matches(conn, surface[key], depth)
            if len(ids) < depth:
                ids = ix.top_ids(conn, surface[key], depth)
        candidates.update(dict.fromkeys(ids))
    where, params = filters.sql("paper")
    if len(keys) == 1:
        # One term: its list is already in BM25 order; only the filters remain to apply.
        ordered = list(candidates)
        if filters.any:
            passing = set(_filtered(conn, ordered, where, params))
            ordered = [paper_id for paper_id in ordered if paper_id in passing]
        return ordered[:limit]
    # Several terms: order the candidates by what the lists know of them, then score the best
    # few exactly from their text, a batch at a time, until enough match.
    total, average = ix.stats(conn)
    weights = {key: ix.idf(total, known.get(key, (0, 0))[0]) for key in keys}
    pool = _filtered(conn, list(candidates), where, params)
    listed = _list_impacts(conn, keys, pool)
    # A paper missing from the part of a list that was read weighs no more there than the last
    # paper read from it; a word without a list could weigh up to BM25's ceiling.
    lowest: dict[str, float] = {}
    for (key, _), value in listed.items():
        lowest[key] = min(value, lowest.get(key, value))
    ceiling = {key: lowest.get(key, ix.K1 + 1) for key in keys}
    bounds = {
        paper_id: sum(weights[key] * listed.get((key, paper_id), ceiling[key]) for key in keys)
        for paper_id in pool
    }
    order = sorted(pool, key=lambda paper_id: (-bounds[paper_id], -paper_id))
    # Scoring on while the rest could still reach the top pays where every word must match;
    # a search for any of the words (none has them all) takes the first good ones found.
    return _rescored(
        conn, order, weights, average, limit, every=every, bounds=bounds if every else None
    )


def _ts_champion_rank(
    conn: Connection,
    surface: dict[str, str],
    known: dict[str, tuple[int, int]],
    filters: _Filters,
    limit: int,
    *,
    every: bool,
    titles: bool = False,
) -> list[int]:
    # PostgreSQL: the lists' papers ranked by ts_rank, as full ranking would order them. Reading
    # their tsvectors costs little, and it drops papers of another word with the same Porter stem
    # (the lists' terms) but not the same 'english' lexeme (the tsvector's).
    where, params = filters.sql("paper")
    words = list(surface.values())
    listed = [key for key in surface if known.get(key, (0, 0))[1] > 0]
    if len(listed) == len(surface) == 1:
        # One word: its list is in BM25 order already; the papers are read in that order only
        # until enough pass the filters and match the word as the tsvector has it. The list is
        # cut first: joined whole, the planner reads every listed paper (hundreds) and sorts.
        sql = (
            "SELECT l.paper_id FROM (SELECT c.paper_id, c.impact FROM search_champion c "
            "JOIN search_term t ON t.term = c.term WHERE c.term = :term AND c.impact >= t.floor "
            "ORDER BY c.impact DESC, c.paper_id DESC LIMIT :depth) AS l "
            "JOIN paper ON paper.id = l.paper_id, websearch_to_tsquery('english', :match) AS q "
            f"WHERE search_vector @@ q{where} "
            "ORDER BY l.impact DESC, l.paper_id DESC LIMIT :limit"
        )
        values = {"match": words[0], "term": listed[0], "depth": ix.CHAMPIONS, "limit": limit}
        return [row[0] for row in rows(conn, sql, {**values, **params})]
    if len(listed) == len(surface):
        # Lists read and their papers ranked in one statement: one round trip, whatever the terms.
        # With `titles`, papers that have every word in their title join the candidates: close
        # words weigh most in ts_rank, and each list alone seldom holds the others.
        titled = (
            f"UNION (SELECT paper.id FROM paper WHERE {_TITLE_VECTOR} @@ "
            "websearch_to_tsquery('english', :match) LIMIT :depth) "
            if titles
            else ""
        )
        sql = (
            "SELECT paper.id FROM paper, websearch_to_tsquery('english', :match) AS q "
            "WHERE paper.id IN (SELECT l.paper_id FROM search_term t CROSS JOIN LATERAL "
            "(SELECT c.paper_id FROM search_champion c "
            "WHERE c.term = t.term AND c.impact >= t.floor "
            "ORDER BY c.impact DESC, c.paper_id DESC LIMIT :depth) AS l "
            f"WHERE t.term = ANY(:keys) {titled}) "
            f"AND search_vector @@ q{where} "
            "ORDER BY ts_rank(search_vector, q, 1) DESC, paper.id DESC LIMIT :limit"
        )
        values = {
            "match": (" " if every else " or ").join(words),
            "keys": listed,
            "depth": ix.CHAMPIONS,
            "limit": limit,
        }
        return [row[0] for row in rows(conn, sql, {**values, **params})]
    candidates: dict[int, None] = {}
    unfiltered = _Filters(None, None, None)
    for key in surface:
        if key in listed:
            ids = _champions(conn, key, ix.CHAMPIONS)
        else:
            # The papers naming the word in their title are its best, however few; only when
            # they are too few to choose from are all its matches ranked.
            ids = _title_first(conn, [surface[key]], unfiltered, ix.CHAMPIONS)
            if len(ids) < QUERY_CHAMPIONS:
                ids = _full_rank(conn, [surface[key]], unfiltered, QUERY_CHAMPIONS, every=True)
        candidates.update(dict.fromkeys(ids))
    return _rank_among(conn, words, list(candidates), where, params, limit, every=every)


def _rescored(
    conn: Connection,
    order: Sequence[int],
    weights: dict[str, float],
    average: float,
    limit: int,
    *,
    every: bool,
    depth: int = RESCORED,
    bounds: dict[int, float] | None = None,
) -> list[int]:
    # Candidates come best-first by an estimate; the first few are scored exactly from their text.
    # With `depth` covering every candidate, all are scored: the result is exact. With `bounds`
    # (the most each candidate can score, in descending order), scoring stops once the rest
    # cannot reach the top: exact too, having scored only what could.
    keys = list(weights)
    scored: list[tuple[float, int]] = []
    exhaustive = depth >= len(order) and bounds is None
    batch = len(order) if exhaustive else max(2 * limit, 10)
    for start in range(0, min(len(order), depth), max(batch, 1)):
        if bounds is not None and len(scored) >= limit:
            kth = sorted(scored, reverse=True)[limit - 1][0]
            if kth >= bounds[order[start]]:
                break
        docs = ix.documents(conn, order[start : start + batch])
        counts = ix.frequencies(docs, weights.keys())
        for doc, c in zip(docs, counts, strict=True):
            present = [key for key in keys if key in c.title or key in c.abstract]
            if not present or (every and len(present) < len(keys)):
                continue
            score = sum(
                weights[key] * ix.impact(c.title[key], c.abstract[key], c.length, average)
                for key in present
            )
            scored.append((score, doc.id))
        if len(scored) >= limit and not exhaustive and bounds is None:
            break
    scored.sort(reverse=True)
    return [paper_id for _, paper_id in scored[:limit]]


def _mixed_rank(
    conn: Connection,
    surface: dict[str, str],
    rare: list[str],
    known: dict[str, tuple[int, int]],
    filters: _Filters,
    limit: int,
) -> list[int]:
    # The rare word bounds the matches; most often they are few enough to score them all.
    exact = _exact(conn, surface, known, filters, limit, every=True)
    if exact is not None:
        return exact
    ordered = _full_rank(
        conn, [surface[key] for key in rare], filters, ix.FULL_RANK_LIMIT, every=True
    )
    members = set(_matching_ids(conn, list(surface.values())))
    order = [paper_id for paper_id in ordered if paper_id in members]
    total, average = ix.stats(conn)
    weights = {key: ix.idf(total, known[key][0]) for key in surface}
    return _rescored(conn, order, weights, average, limit, every=True)


def _matching_ids(conn: Connection, terms: list[str]) -> list[int]:
    # Unranked, so no statistic of the common words is gathered; the rare word bounds the rows.
    if conn.dialect.name == "sqlite":
        match = " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)
        sql = "SELECT rowid FROM paper_fts WHERE paper_fts MATCH :match"
    else:
        match = " ".join(terms)
        sql = "SELECT id FROM paper WHERE search_vector @@ websearch_to_tsquery('english', :match)"
    return [row[0] for row in rows(conn, sql, {"match": match})]


def _list_impacts(
    conn: Connection, keys: Sequence[str], ids: Sequence[int]
) -> dict[tuple[str, int], float]:
    if not ids:
        return {}
    named: dict[str, object] = {f"p{i}": paper_id for i, paper_id in enumerate(ids)}
    named.update({f"t{i}": key for i, key in enumerate(keys)})
    papers = ", ".join(f":p{i}" for i in range(len(ids)))
    terms = ", ".join(f":t{i}" for i in range(len(keys)))
    found = rows(
        conn,
        "SELECT term, paper_id, impact FROM search_champion "
        f"WHERE term IN ({terms}) AND paper_id IN ({papers})",
        named,
    )
    return {(term, int(paper_id)): float(impact) for term, paper_id, impact in found}


def _champions(conn: Connection, key: str, depth: int) -> list[int]:
    found = rows(
        conn,
        "SELECT c.paper_id FROM search_champion c JOIN search_term t ON t.term = c.term "
        "WHERE c.term = :term AND c.impact >= t.floor "
        "ORDER BY c.impact DESC, c.paper_id DESC LIMIT :depth",
        {"term": key, "depth": depth},
    )
    return [row[0] for row in found]


def _filtered(
    conn: Connection, ids: Sequence[int], where: str, params: dict[str, object]
) -> list[int]:
    if not ids:
        return []
    if not where:
        return list(ids)
    named = {f"p{i}": paper_id for i, paper_id in enumerate(ids)}
    names = ", ".join(f":{name}" for name in named)
    found = rows(conn, f"SELECT id FROM paper WHERE id IN ({names}){where}", {**named, **params})
    return [row[0] for row in found]


def _title_rank(
    conn: Connection,
    surface: dict[str, str],
    known: dict[str, tuple[int, int]],
    filters: _Filters,
    limit: int,
) -> list[int] | None:
    """Return the best of the papers naming any word in their title, or None if too few."""
    depth = max(limit, RESCORED // len(surface))
    candidates: dict[int, None] = {}
    for word in surface.values():
        candidates.update(dict.fromkeys(_title_matches(conn, word, depth)))
    where, params = filters.sql("paper")
    pool = _filtered(conn, list(candidates), where, params)
    if len(pool) < limit:
        return None
    total, average = ix.stats(conn)
    weights = {key: ix.idf(total, known.get(key, (0, 0))[0]) for key in surface}
    return _rescored(conn, pool, weights, average, limit, every=False, depth=len(pool))


def _title_matches(conn: Connection, word: str, limit: int) -> list[int]:
    """Return the `limit` papers where `word` weighs most in the title.

    bm25 of a title-only match counts the title's occurrences only, but it reads and ranks
    a sixteenth of the word's matches: the best few are then scored in full.
    """
    if conn.dialect.name != "sqlite":
        return ix.top_ids(conn, word, limit)
    match = 'title : "' + word.replace('"', '""') + '"'
    found = rows(
        conn,
        "SELECT rowid FROM paper_fts WHERE paper_fts MATCH :match "
        "ORDER BY bm25(paper_fts, 8.0, 1.0), rowid DESC LIMIT :limit",
        {"match": match, "limit": limit},
    )
    return [row[0] for row in found]


def _unranked(
    conn: Connection, terms: list[str], filters: _Filters, limit: int, *, every: bool
) -> list[int]:
    """Return up to `limit` papers that match, in no particular order."""
    return _matches(conn, terms, filters, limit, every=every, ranked=False)


def _rank_matches(
    conn: Connection, terms: list[str], filters: _Filters, limit: int, *, every: bool
) -> list[int]:
    """Return the best `limit` matches as full ranking orders them, reading as few as it can."""
    if conn.dialect.name == "sqlite" or (every and len(terms) > 1):
        # FTS5 ranks from its index. ts_rank orders papers with every word by how close the
        # words are, so all of them are ranked; plans call this only when they are few.
        return _full_rank(conn, terms, filters, limit, every=every)
    ranked = _title_first(conn, terms, filters, limit)
    if len(ranked) < limit:
        # Fewer candidates than wanted, so papers outside them belong in the top: rank all.
        return _full_rank(conn, terms, filters, limit, every=every)
    return ranked


def _title_first(conn: Connection, terms: list[str], filters: _Filters, limit: int) -> list[int]:
    # ts_rank of any-word queries adds, per word found, at least 1/1.64 for a title occurrence and
    # less than 0.4 for abstract ones, then divides by the number of words (and by the log of the
    # length, which varies too little to reorder). So papers naming a word in their title, or
    # holding two of the words, outrank all others: those candidates come from the GIN indexes,
    # and only they are read and ranked. Fewer than `limit` of them and the caller ranks all.
    where, params = filters.sql("paper")
    values: dict[str, object] = {"match": " or ".join(terms), "limit": limit}
    source = "paper, websearch_to_tsquery('english', :match) AS q"
    candidates = f"{_TITLE_VECTOR} @@ q"
    if 1 < len(terms) <= PAIRED_TERMS:
        pairs = [f"{a} {b}" for i, a in enumerate(terms) for b in terms[i + 1 :]]
        values["pairs"] = " or ".join(pairs)
        source += ", websearch_to_tsquery('english', :pairs) AS p"
        candidates = f"({candidates} OR search_vector @@ p)"
    elif len(terms) > PAIRED_TERMS:
        return []
    sql = (
        f"SELECT paper.id FROM {source} WHERE {candidates}{where} "
        "ORDER BY ts_rank(search_vector, q, 1) DESC, paper.id DESC LIMIT :limit"
    )
    return [row[0] for row in rows(conn, sql, {**values, **params})]


def _rank_among(
    conn: Connection,
    terms: list[str],
    ids: Sequence[int],
    where: str,
    params: dict[str, object],
    limit: int,
    *,
    every: bool,
) -> list[int]:
    # PostgreSQL: the candidates ranked as full ranking would rank them, in one statement.
    if not ids:
        return []
    sql = (
        "SELECT paper.id FROM paper, websearch_to_tsquery('english', :match) AS q "
        f"WHERE paper.id = ANY(:ids) AND search_vector @@ q{where} "
        "ORDER BY ts_rank(search_vector, q, 1) DESC, paper.id DESC LIMIT :limit"
    )
    values = {"match": (" " if every else " or ").join(terms), "ids": list(ids), "limit": limit}
    return [row[0] for row in rows(conn, sql, {**values, **params})]


def _full_rank(
    conn: Connection, terms: list[str], filters: _Filters, limit: int, *, every: bool
) -> list[int]:
    return _matches(conn, terms, filters, limit, every=every, ranked=True)


def _matches(
    conn: Connection,
    terms: list[str],
    filters: _Filters,
    limit: int,
    *,
    every: bool,
    ranked: bool,
) -> list[int]:
    # The database's own search: ranked in full (bm25 or ts_rank), or in no particular order.
    where, params = filters.sql("paper")
    if conn.dialect.name == "sqlite":
        # Each term is quoted, so FTS5 sees plain strings and never an operator or a column filter.
        match = (" AND " if every else " OR ").join(
            '"' + term.replace('"', '""') + '"' for term in terms
        )
        # Without filters the join to paper would only slow the search down.
        source = (
            "paper_fts CROSS JOIN paper ON paper.id = paper_fts.rowid" if where else "paper_fts"
        )
        order = "ORDER BY bm25(paper_fts, 8.0, 1.0), paper_fts.rowid DESC " if ranked else ""
        sql = f"SELECT paper_fts.rowid FROM {source} WHERE paper_fts MATCH :match{where} "
    else:
        # websearch_to_tsquery never raises on what a person types; the words are joined plainly.
        match = (" " if every else " or ").join(terms)
        order = "ORDER BY ts_rank(search_vector, q, 1) DESC, paper.id DESC " if ranked else ""
        sql = (
            "SELECT paper.id FROM paper, websearch_to_tsquery('english', :match) AS q "
            f"WHERE search_vector @@ q{where} "
        )
    found = rows(conn, sql + order + "LIMIT :limit", {"match": match, **params, "limit": limit})
    return [row[0] for row in found]


def _suggest(conn: Connection, terms: list[str]) -> str | None:
    known = _term_rows(conn, [ix.term_of(term) for term in terms])
    changed = False
    words = []
    for term in terms:
        if ix.term_of(term) in known or not term[:1].isalnum():
            words.append(term)
            continue
        first = ix.fold(term)[:1]
        choices = [
            row[0]
            for row in rows(
                conn,
                "SELECT word FROM search_term WHERE word >= :low AND word < :high "
                "ORDER BY df DESC LIMIT 5000",
                {"low": first, "high": first + "\U0010ffff"},
            )
        ]
        best = process.extractOne(ix.fold(term), choices, scorer=fuzz.ratio, score_cutoff=75)
        if best is None:
            words.append(term)
            continue
        words.append(best[0])
        changed = True
    return " ".join(words) if changed else None
