"""Term statistics and impact-ordered champion lists beside the full-text index.

Ranking every match of a common word costs time in proportion to its matches, so each frequent
term keeps a short list of the papers where it weighs most (its "champions"), ordered by the
term's BM25 impact. A one-word search reads the list instead of ranking a quarter of the corpus;
a search of several frequent words re-ranks the union of their lists. Rare terms need no list:
ranking their few matches is cheap. Everything here runs inside the caller's transaction, on a
synchronous connection (`AsyncConnection.run_sync`), so the migration can use it too.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

import Stemmer
from sqlalchemy import Connection, text

from storage.reads import rows

# A term with more matching papers than this keeps a champion list; below, full ranking is cheap.
FULL_RANK_LIMIT = 3000
# Champions kept per term; a list is trimmed back to this once it holds TRIM_AT entries.
CHAMPIONS = 100
TRIM_AT = 3 * CHAMPIONS
# Papers tokenized at a time, which bounds the memory an import needs.
BATCH = 1000
# BM25 as FTS5 computes it: the title counts eight times, the abstract once.
TITLE_WEIGHT = 8.0
K1 = 1.2
B = 0.75

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
# The same Porter algorithm as the FTS5 `porter` tokenizer, so terms agree with the index.
_STEMMER = Stemmer.Stemmer("porter")
_STEM_CACHE_SIZE = 100_000

SEARCH_TABLES = ("search_champion", "search_term", "search_stats")
DDL = (
    "CREATE TABLE search_stats (id INTEGER PRIMARY KEY, docs BIGINT NOT NULL, "
    "tokens BIGINT NOT NULL)",
    "CREATE TABLE search_term (term VARCHAR(200) PRIMARY KEY, word VARCHAR(200) NOT NULL, "
    "df INTEGER NOT NULL, listed INTEGER NOT NULL DEFAULT 0, floor FLOAT NOT NULL DEFAULT 0)",
    "CREATE INDEX ix_search_term_word ON search_term (word)",
    "CREATE TABLE search_champion (term VARCHAR(200) NOT NULL, paper_id INTEGER NOT NULL, "
    "impact FLOAT NOT NULL, PRIMARY KEY (term, paper_id))",
    "CREATE INDEX ix_search_champion_rank ON search_champion (term, impact, paper_id)",
    "CREATE INDEX ix_search_champion_paper ON search_champion (paper_id)",
)
DROP = tuple(f"DROP TABLE IF EXISTS {name}" for name in SEARCH_TABLES)


@dataclass(frozen=True, slots=True)
class Doc:
    """A paper's searchable text, as indexed."""

    id: int
    title: str
    abstract: str


@dataclass(slots=True)
class Counts:
    """Term frequencies of one paper, per column, and its length in tokens."""

    title: Counter[str]
    abstract: Counter[str]
    length: int


class Stems:
    """Map words to index terms, with a bounded cache of stems."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}

    def mapping(self, words: Iterable[str]) -> dict[str, str]:
        """Return a mapping that holds the stem of every word given, stemming the unknown ones."""
        cache = self._cache
        wanted = words if isinstance(words, set) else set(words)
        unknown = list(wanted.difference(cache))
        if unknown:
            if len(cache) + len(unknown) > _STEM_CACHE_SIZE:
                # Start afresh, keeping every word of this call. A new dict, not a cleared one:
                # an import tokenizing in another thread may still be reading the old one.
                cache = {}
                unknown = list(wanted)
            cache.update(zip(unknown, _STEMMER.stemWords(unknown), strict=True))
            self._cache = cache
        return cache


_STEMS = Stems()


def stems(words: Iterable[str]) -> dict[str, str]:
    """Return a mapping that holds the index term of every (lower-case) word given."""
    return _STEMS.mapping(words)


def fold(value: str) -> str:
    """Return `value` lower-cased and without diacritics, as the FTS5 tokenizer folds it."""
    value = value.lower()
    if value.isascii():
        return value
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# ASCII letters and digits are the word characters of ASCII text; everything else separates.
_ASCII_SEPARATORS = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})


def spaced(value: str) -> str:
    """Return ASCII `value` lower-cased, each separator a space: its words at the same offsets."""
    return value.lower().translate(_ASCII_SEPARATORS)


def words(value: str) -> list[str]:
    """Return the folded words of `value`, as the index tokenizer splits them."""
    if value.isascii():
        # Most abstracts: the same words as the pattern below, several times faster.
        return spaced(value).split()
    return _TOKEN.findall(fold(value))


def term_of(word: str) -> str:
    """Return the index term of one word."""
    folded = fold(word)
    return _STEMS.mapping([folded])[folded]


def count(docs: Sequence[Doc]) -> tuple[list[Counts], dict[str, str]]:
    """Return each paper's term counts, and a surface word for every term seen."""
    split = [(words(doc.title), words(doc.abstract)) for doc in docs]
    every: set[str] = set()
    for title, abstract in split:
        every.update(title)
        every.update(abstract)
    stems = _STEMS.mapping(every)
    surface: dict[str, str] = {}
    for word in sorted(every):
        surface.setdefault(stems[word], word)
    counts = [
        Counts(
            Counter(map(stems.__getitem__, title)),
            Counter(map(stems.__getitem__, abstract)),
            len(title) + len(abstract),
        )
        for title, abstract in split
    ]
    return counts, surface


def frequencies(docs: Sequence[Doc], keys: Collection[str]) -> list[Counts]:
    """Return each paper's counts of the given terms only, and its length in tokens.

    What scoring a few candidates needs: no counter of every word, just the query's.
    """
    split = [(words(doc.title), words(doc.abstract)) for doc in docs]
    every: set[str] = set()
    for title, abstract in split:
        every.update(title)
        every.update(abstract)
    stem = _STEMS.mapping(every)
    wanted = {word for word in every if stem[word] in keys}
    result = []
    for title, abstract in split:
        title_counts: Counter[str] = Counter()
        abstract_counts: Counter[str] = Counter()
        for word in wanted.intersection(title):
            title_counts[stem[word]] += title.count(word)
        for word in wanted.intersection(abstract):
            abstract_counts[stem[word]] += abstract.count(word)
        result.append(Counts(title_counts, abstract_counts, len(title) + len(abstract)))
    return result


def impact(title_tf: int, abstract_tf: int, length: int, average: float) -> float:
    """Return a term's BM25 weight in one paper, without the term's idf."""
    frequency = TITLE_WEIGHT * title_tf + abstract_tf
    norm = K1 * (1 - B + B * length / max(average, 1.0))
    return frequency * (K1 + 1) / (frequency + norm)


def idf(docs: int, df: int) -> float:
    """Return FTS5's BM25 idf of a term in `df` of `docs` papers."""
    value = math.log((docs - df + 0.5) / (df + 0.5))
    return value if value > 0 else 1e-6


_STATS = "SELECT docs, tokens FROM search_stats WHERE id = 1"
_LISTED = text("SELECT term, floor FROM search_term WHERE listed > 0 AND df > :limit")
# The impact each long list keeps from: its k-th best, ties broken towards newer papers.
_LONG_FLOORS = text(
    "SELECT term, (SELECT impact FROM search_champion c WHERE c.term = search_term.term "
    "ORDER BY impact DESC, paper_id DESC LIMIT 1 OFFSET :skip) FROM search_term "
    "WHERE listed >= :at"
)


def stats(conn: Connection) -> tuple[int, float]:
    """Return the number of indexed papers and their average length in tokens."""
    found = rows(conn, _STATS)
    if not found or not found[0][0]:
        return 0, 0.0
    docs, tokens = found[0]
    return int(docs), tokens / docs


@dataclass(slots=True)
class Plan:
    """What choosing champion candidates needs, read once per import: each listed term's floor.

    A paper joins a term's list when its impact reaches the floor. Impact grows with the term's
    weighted frequency f and falls with the paper's length, so the test is `f >= norm * ratio`,
    with `ratio = floor / (K1 + 1 - floor)`: no impact is computed for most of a paper's terms.
    """

    average: float
    floors: dict[str, float]
    ratios: dict[str, float]
    lowest: float

    @classmethod
    def of(cls, average: float, floors: dict[str, float]) -> Plan:
        """Return the plan for lists with these floors, at this average paper length."""
        ratios = {term: floor / (K1 + 1 - floor) for term, floor in floors.items()}
        return cls(average, floors, ratios, min(ratios.values(), default=0.0))


def plan(conn: Connection) -> Plan:
    """Return the floors of every listed term and the average length, as stored now."""
    _, average = stats(conn)
    floors = {
        row.term: float(row.floor) for row in conn.execute(_LISTED, {"limit": FULL_RANK_LIMIT})
    }
    return Plan.of(average, floors)


@dataclass(slots=True)
class Gathered:
    """What some papers bring to the index (or take from it): term counts and list candidates."""

    ids: list[int] = field(default_factory=list)
    tokens: int = 0
    df: Counter[str] = field(default_factory=Counter)
    words: set[str] = field(default_factory=set)
    # (position among the papers gathered, term, impact); positions become ids with `identify`.
    candidates: list[tuple[int, str, float]] = field(default_factory=list)

    def identify(self, ids: Sequence[int]) -> None:
        """Give the papers gathered, in order, their row ids."""
        self.ids = list(ids)
        self.candidates = [(self.ids[at], term, weight) for at, term, weight in self.candidates]

    def extend(self, other: Gathered) -> None:
        """Add what `other` gathered (already identified) to this."""
        self.ids.extend(other.ids)
        self.tokens += other.tokens
        if other.df is not self.df:
            self.df.update(other.df)
        self.words |= other.words
        self.candidates.extend(other.candidates)


def gather(
    texts: Sequence[tuple[str, str]], plan: Plan | None = None, df: Counter[str] | None = None
) -> Gathered:
    """Tokenize papers' (title, abstract); with a plan, pick the papers each list should take.

    Papers per term are counted into `df` when given: an import's chunks share one, so tens of
    thousands of terms are not merged again after every chunk. Thread-safe, so an import runs it
    while the database writes the rows.
    """
    found = Gathered() if df is None else Gathered(df=df)
    for start in range(0, len(texts), BATCH):
        _gather_slice(found, texts[start : start + BATCH], start, plan)
    return found


def _gather_slice(
    found: Gathered, texts: Sequence[tuple[str, str]], offset: int, plan: Plan | None
) -> None:
    split = [(words(title), words(abstract)) for title, abstract in texts]
    every: set[str] = set()
    for title_words, abstract_words in split:
        every.update(title_words)
        every.update(abstract_words)
    found.words |= every
    stem = _STEMS.mapping(every).__getitem__
    df = found.df
    if plan is None or not plan.ratios:
        for title_words, abstract_words in split:
            found.tokens += len(title_words) + len(abstract_words)
            df.update(set(map(stem, {*title_words, *abstract_words})))
        return
    ratios, floors, lowest = plan.ratios, plan.floors, plan.lowest
    scale = K1 * B / max(plan.average, 1.0)
    base = K1 * (1 - B)
    candidates = found.candidates
    for at, (title_words, abstract_words) in enumerate(split, start=offset):
        length = len(title_words) + len(abstract_words)
        found.tokens += length
        title = Counter(map(stem, title_words))
        abstract = Counter(map(stem, abstract_words))
        df.update(title.keys() | abstract.keys())
        norm = base + scale * length
        for term, title_tf in title.items():
            ratio = ratios.get(term)
            if ratio is not None:
                frequency = TITLE_WEIGHT * title_tf + abstract[term]
                weight = frequency * (K1 + 1) / (frequency + norm)
                if weight >= floors[term]:
                    candidates.append((at, term, weight))
        # A term only in the abstract needs many occurrences to reach any list's floor.
        least = norm * lowest * (1 - 1e-9)
        if abstract and max(abstract.values()) >= least:
            for term, abstract_tf in abstract.items():
                if abstract_tf >= least and term not in title and term in ratios:
                    weight = abstract_tf * (K1 + 1) / (abstract_tf + norm)
                    if weight >= floors[term]:
                        candidates.append((at, term, weight))


def index_changes(conn: Connection, added: Sequence[Doc], removed: Sequence[Doc]) -> None:
    """Bring term statistics and champion lists in step with papers added and removed."""
    if not added and not removed:
        return
    gained = gather([(doc.title, doc.abstract) for doc in added], plan(conn))
    gained.identify([doc.id for doc in added])
    lost = gather([(doc.title, doc.abstract) for doc in removed])
    lost.identify([doc.id for doc in removed])
    apply(conn, gained, lost)


def apply(conn: Connection, gained: Gathered, lost: Gathered) -> None:
    """Write what papers added (`gained`) and removed (`lost`) change in the index.

    `gained` was gathered with a plan read in this transaction, and both are identified.
    """
    if not gained.ids and not lost.ids:
        return
    conn.execute(
        text(
            "INSERT INTO search_stats (id, docs, tokens) VALUES (1, :docs, :tokens) "
            "ON CONFLICT (id) DO UPDATE SET docs = search_stats.docs + excluded.docs, "
            "tokens = search_stats.tokens + excluded.tokens"
        ),
        {"docs": len(gained.ids) - len(lost.ids), "tokens": gained.tokens - lost.tokens},
    )
    delta = Counter(gained.df)
    delta.subtract(lost.df)
    surface: dict[str, str] = {}
    if delta:
        stem = _STEMS.mapping(gained.words).__getitem__
        for word in sorted(gained.words):
            surface.setdefault(stem(word), word)
    # In key order, so consecutive rows land on the same pages of the index.
    changes = sorted(
        (term, surface.get(term, term), change) for term, change in delta.items() if change
    )
    if changes:
        # Tens of thousands of rows per import: plain tuples straight to the driver.
        _many(
            conn,
            "INSERT INTO search_term (term, word, df) VALUES ({0}, {1}, {2}) "
            "ON CONFLICT (term) DO UPDATE SET df = search_term.df + excluded.df",
            changes,
        )
    candidates = gained.candidates
    if lost.ids:
        _forget(conn, lost.ids)
        if candidates:
            # A list emptied by the removals is rebuilt below from the full ranking.
            listed = {
                row[0]
                for row in conn.execute(text("SELECT term FROM search_term WHERE listed > 0"))
            }
            candidates = [row for row in candidates if row[1] in listed]
    _, average = stats(conn)
    _add_champions(conn, candidates)
    if lost.ids:
        _drop_rare(conn)
    _build_new_lists(conn, average)
    _trim(conn)


def _many(conn: Connection, sql: str, rows: Sequence[tuple[object, ...]]) -> None:
    # The statements are fixed text; only the placeholders differ between the two drivers.
    marks = ["?1", "?2", "?3"] if conn.dialect.name == "sqlite" else ["$1", "$2", "$3"]
    conn.exec_driver_sql(sql.format(*marks), rows)


def _forget(conn: Connection, ids: Sequence[int]) -> None:
    # A list that loses papers stays a correct prefix of its term's ranking; a short one is rebuilt.
    params = {f"p{i}": paper_id for i, paper_id in enumerate(ids)}
    names = ", ".join(f":{name}" for name in params)
    affected = [
        row.term
        for row in conn.execute(
            text(f"SELECT DISTINCT term FROM search_champion WHERE paper_id IN ({names})"), params
        )
    ]
    conn.execute(text(f"DELETE FROM search_champion WHERE paper_id IN ({names})"), params)
    for term in affected:
        conn.execute(
            text(
                "UPDATE search_term SET listed = (SELECT count(*) FROM search_champion "
                "WHERE search_champion.term = search_term.term) WHERE term = :term"
            ),
            {"term": term},
        )
    # Only entries at or above the floor are sure to be the term's best; too few, and it is rebuilt.
    conn.execute(
        text(
            "UPDATE search_term SET listed = 0, floor = 0 WHERE listed > 0 AND (SELECT count(*) "
            "FROM search_champion c WHERE c.term = search_term.term "
            "AND c.impact >= search_term.floor) < :half"
        ),
        {"half": CHAMPIONS // 2},
    )
    conn.execute(
        text(
            "DELETE FROM search_champion WHERE term IN "
            "(SELECT term FROM search_term WHERE listed = 0)"
        )
    )


def _drop_rare(conn: Connection) -> None:
    conn.execute(
        text(
            "DELETE FROM search_champion WHERE term IN "
            "(SELECT term FROM search_term WHERE df <= :limit AND listed > 0)"
        ),
        {"limit": FULL_RANK_LIMIT},
    )
    conn.execute(
        text("UPDATE search_term SET listed = 0, floor = 0 WHERE df <= :limit AND listed > 0"),
        {"limit": FULL_RANK_LIMIT},
    )
    conn.execute(text("DELETE FROM search_term WHERE df <= 0"))


def _add_champions(conn: Connection, candidates: Sequence[tuple[int, str, float]]) -> None:
    if not candidates:
        return
    _many(
        conn,
        # Two importers may list the same paper for a term that both saw become frequent.
        "INSERT INTO search_champion (term, paper_id, impact) VALUES ({0}, {1}, {2}) "
        "ON CONFLICT (term, paper_id) DO NOTHING",
        # In index order, so consecutive rows land on the same pages of the table's indexes.
        sorted((term, paper_id, weight) for paper_id, term, weight in candidates),
    )
    listed = Counter(term for _, term, _ in candidates)
    _many(
        conn,
        "UPDATE search_term SET listed = listed + {1} WHERE term = {0}",
        sorted(listed.items()),
    )


def _build_new_lists(conn: Connection, average: float) -> None:
    # A term that just became frequent gets its list from one full ranking of its matches.
    crossing = conn.execute(
        text("SELECT term, word, df FROM search_term WHERE df > :limit AND listed = 0"),
        {"limit": FULL_RANK_LIMIT},
    ).all()
    # FTS5's bm25 orders a word's matches as the impacts do, so its top is the list; ts_rank
    # orders them differently, so PostgreSQL's top is widened and re-ordered by impact.
    sqlite = conn.dialect.name == "sqlite"
    docs_total, _ = stats(conn)
    for term, word, df in crossing:
        if sqlite:
            # bm25 is the term's idf times its impact, so the impact needs no re-tokenizing.
            weight = idf(docs_total, df)
            rows = [
                {"term": term, "paper_id": paper_id, "impact": -score / weight}
                for paper_id, score in _top_scored(conn, word, CHAMPIONS)
            ]
        else:
            docs = _docs(conn, top_ids(conn, word, TRIM_AT))
            counts, _ = count(docs)
            rows = [
                {
                    "term": term,
                    "paper_id": doc.id,
                    "impact": impact(c.title[term], c.abstract[term], c.length, average),
                }
                for doc, c in zip(docs, counts, strict=True)
                if term in c.title or term in c.abstract
            ]
        if rows:
            conn.execute(
                text(
                    "INSERT INTO search_champion (term, paper_id, impact) "
                    "VALUES (:term, :paper_id, :impact) ON CONFLICT (term, paper_id) DO NOTHING"
                ),
                rows,
            )
        impacts = sorted((float(row["impact"]) for row in rows), reverse=True)
        conn.execute(
            text("UPDATE search_term SET listed = :listed, floor = :floor WHERE term = :term"),
            {
                "term": term,
                "listed": max(len(rows), 1),
                "floor": impacts[CHAMPIONS - 1] if len(impacts) >= CHAMPIONS else 0.0,
            },
        )


def _trim(conn: Connection) -> None:
    # Every long list at once: a few statements, not three per list.
    # `listed` counts a list's rows, so every long list has a k-th entry.
    floors = [
        (term, float(floor))
        for term, floor in conn.execute(_LONG_FLOORS, {"at": TRIM_AT, "skip": CHAMPIONS - 1})
    ]
    if not floors:
        return
    _many(conn, "DELETE FROM search_champion WHERE term = {0} AND impact < {1}", floors)
    _many(
        conn,
        "UPDATE search_term SET floor = {1}, listed = (SELECT count(*) FROM search_champion "
        "WHERE search_champion.term = {0}) WHERE term = {0}",
        floors,
    )


def _top_scored(conn: Connection, word: str, limit: int) -> list[tuple[int, float]]:
    rows = conn.execute(
        text(
            "SELECT rowid, bm25(paper_fts, 8.0, 1.0) FROM paper_fts WHERE paper_fts MATCH :match "
            "ORDER BY bm25(paper_fts, 8.0, 1.0), rowid DESC LIMIT :limit"
        ),
        {"match": '"' + word.replace('"', '""') + '"', "limit": limit},
    )
    return [(int(row[0]), float(row[1])) for row in rows]


def top_ids(conn: Connection, word: str, limit: int) -> list[int]:
    """Return the papers that best match one word, by the database's own full ranking."""
    if conn.dialect.name == "sqlite":
        sql = (
            "SELECT rowid FROM paper_fts WHERE paper_fts MATCH :match "
            "ORDER BY bm25(paper_fts, 8.0, 1.0), rowid DESC LIMIT :limit"
        )
        params: dict[str, object] = {"match": '"' + word.replace('"', '""') + '"'}
    else:
        sql = (
            "SELECT id FROM paper, websearch_to_tsquery('english', :match) AS q "
            "WHERE search_vector @@ q ORDER BY ts_rank(search_vector, q, 1) DESC, id DESC "
            "LIMIT :limit"
        )
        params = {"match": word}
    return [row[0] for row in rows(conn, sql, {**params, "limit": limit})]


def _docs(conn: Connection, ids: Sequence[int]) -> list[Doc]:
    if not ids:
        return []
    params = {f"p{i}": paper_id for i, paper_id in enumerate(ids)}
    names = ", ".join(f":{name}" for name in params)
    found = rows(conn, f"SELECT id, title, abstract FROM paper WHERE id IN ({names})", params)
    return [Doc(paper_id, title, abstract or "") for paper_id, title, abstract in found]


def documents(conn: Connection, ids: Sequence[int]) -> list[Doc]:
    """Return the searchable text of the papers with `ids`."""
    return _docs(conn, ids)


def rebuild(conn: Connection, batch: int = 5000) -> None:
    """Index every stored paper from scratch, in batches of `batch`."""
    for table in SEARCH_TABLES:
        conn.execute(text(f"DELETE FROM {table}"))
    last = 0
    while True:
        rows = conn.execute(
            text("SELECT id, title, abstract FROM paper WHERE id > :last ORDER BY id LIMIT :batch"),
            {"last": last, "batch": batch},
        ).all()
        if not rows:
            return
        index_changes(conn, [Doc(r.id, r.title, r.abstract or "") for r in rows], [])
        last = rows[-1].id
