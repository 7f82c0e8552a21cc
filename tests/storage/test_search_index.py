"""Champion lists: the fast plan for common words agrees with full ranking and stays in step."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Result, text
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import Database
from storage import search as search_module
from storage import search_index as ix
from storage.queries import papers as papers_module
from storage.queries.papers import PaperInput, delete_papers, paper_ids, upsert_papers
from storage.search import search_papers, suggest_query


@pytest.fixture(autouse=True)
def short_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make a word common after a few papers, so small corpora take the champion plan."""
    monkeypatch.setattr(ix, "FULL_RANK_LIMIT", 3)
    monkeypatch.setattr(ix, "CHAMPIONS", 4)
    monkeypatch.setattr(ix, "TRIM_AT", 8)
    monkeypatch.setattr(ix, "BATCH", 3)  # imports of more papers are indexed a slice at a time
    monkeypatch.setattr(search_module, "QUERY_CHAMPIONS", 6)


# Known answers: "kernel" is in every paper; its title weight decides the order.
RELEVANCE = [
    PaperInput("Kernel kernel fusion", "We fuse every kernel of a network into one launch."),
    PaperInput("Kernel scheduling for GPUs", "A scheduler places each kernel on a stream."),
    PaperInput("Attention on a budget", "Attention kernel work shrinks with sparse masks."),
    PaperInput("Speculative decoding", "A draft model proposes tokens; one kernel checks them."),
    PaperInput("Quantised attention", "Low-bit attention with a custom kernel and fused scales."),
    PaperInput("Memory planning", "Paged memory for attention caches; the kernel reads pages."),
    PaperInput("Sparse attention kernels", "Block-sparse attention with a tiled kernel."),
]


@pytest.fixture
async def relevance(db: Database) -> Database:
    async with db.transaction() as session:
        await upsert_papers(session, papers=RELEVANCE)
    return db


async def _sql(session: AsyncSession, sql: str) -> Result[Any]:
    return await (await session.connection()).execute(text(sql))


async def _listed(db: Database, term: str) -> int:
    async with db.session() as session:
        value = (
            await (await session.connection()).execute(
                text("SELECT listed FROM search_term WHERE term = :t"), {"t": ix.term_of(term)}
            )
        ).scalar_one()
    return int(value)


async def _full(db: Database, query: str, limit: int) -> list[int]:
    terms = search_module.query_terms(query)
    filters = search_module._Filters(None, None, None)
    async with db.session() as session:
        conn = await session.connection()
        return await conn.run_sync(
            lambda c: search_module._full_rank(c, terms, filters, limit, every=True)
        )


async def test_a_common_word_ranks_from_its_list_with_title_matches_first(
    relevance: Database,
) -> None:
    assert await _listed(relevance, "kernel") > 0  # the champion plan is the one under test
    async with relevance.session() as session:
        hits = await search_papers(session, query="kernel", limit=3)
    titles = [hit.paper.title for hit in hits]
    # Twice in the title beats once; at once in title and abstract, the shorter paper wins.
    assert titles == [
        "Kernel kernel fusion",
        "Sparse attention kernels",
        "Kernel scheduling for GPUs",
    ]


async def test_the_list_agrees_with_full_ranking_on_sqlite(relevance: Database) -> None:
    if relevance.dialect != "sqlite":
        pytest.skip("PostgreSQL's full ranking is ts_rank, a different order by design")
    async with relevance.session() as session:
        for query in (
            "kernel",
            "attention",
            "kernel attention",
            "kernel scheduler",
            "fused kernel",
        ):
            ours = [hit.paper.id for hit in await search_papers(session, query=query, limit=3)]
            assert ours == await _full(relevance, query, 3), query


async def test_common_words_together_need_every_word(relevance: Database) -> None:
    async with relevance.session() as session:
        hits = await search_papers(session, query="attention kernel", limit=10)
    assert hits
    for hit in hits:
        text_ = f"{hit.paper.title} {hit.paper.abstract}".lower()
        assert "attention" in text_ and "kernel" in text_
    assert hits[0].paper.title == "Sparse attention kernels"


async def test_a_filter_that_empties_the_list_falls_back_to_full_ranking(db: Database) -> None:
    papers = [PaperInput(f"Kernel study {n}", "kernel kernel", "cs.LG") for n in range(8)]
    papers.append(PaperInput("Rare placement", "a kernel appears once", "cs.DC"))
    async with db.transaction() as session:
        await upsert_papers(session, papers=papers)
    async with db.session() as session:
        hits = await search_papers(session, query="kernel", category="cs.DC", limit=5)
    assert [hit.paper.title for hit in hits] == ["Rare placement"]


async def test_common_words_that_seldom_meet_are_scored_exactly(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "routing" and "sparsity" are each common, but few papers have both: the lists of either
    # hold none of them, so the few papers with both are found and scored in full.
    papers = [PaperInput(f"Routing study {n}", "routing routing tables") for n in range(12)]
    papers += [PaperInput(f"Sparsity study {n}", "sparsity sparsity masks") for n in range(12)]
    papers += [
        PaperInput("Routing with sparsity", "sparse experts"),
        PaperInput("Expert choice", "routing meets sparsity in the abstract"),
        PaperInput("Sparsity-aware routing routing", "long " * 30),
    ]
    async with db.transaction() as session:
        await upsert_papers(session, papers=papers)
    assert await _listed(db, "routing") > 0 and await _listed(db, "sparsity") > 0
    ranked: list[list[int]] = []
    full_rank = search_module._full_rank

    def counted(*args: Any, **kwargs: Any) -> list[int]:
        ranked.append(found := full_rank(*args, **kwargs))
        return found

    monkeypatch.setattr(search_module, "_full_rank", counted)
    async with db.session() as session:
        hits = await search_papers(session, query="routing sparsity", limit=5)
    titles = [hit.paper.title for hit in hits]
    if db.dialect == "sqlite":
        # PostgreSQL ranks them with ts_rank in the database: its full ranking, not bm25.
        assert ranked == [], "scored from the text, not ranked in the database"
    assert sorted(titles) == sorted(
        ["Routing with sparsity", "Expert choice", "Sparsity-aware routing routing"]
    )
    if db.dialect == "sqlite":
        monkeypatch.setattr(search_module, "_full_rank", full_rank)
        assert [hit.paper.id for hit in hits] == await _full(db, "routing sparsity", 5)


async def test_any_of_rare_words_ranks_their_title_matches(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No paper has both words, neither word has a list, and together they match too many to
    # rank in full: the papers naming either in their title are scored instead.
    papers = [PaperInput(f"Quasar survey {n}", "quasar " * n + "light curves") for n in range(3)]
    papers += [PaperInput(f"Nebula {n}", "gas clouds" + " nebula" * n) for n in range(3)]
    papers.append(PaperInput("Dust", "a nebula seen once"))
    monkeypatch.setattr(ix, "FULL_RANK_LIMIT", 4)
    async with db.transaction() as session:
        await upsert_papers(session, papers=papers)
    assert await _listed(db, "quasar") == 0 and await _listed(db, "nebula") == 0
    full_rank = search_module._full_rank
    ranked: list[bool] = []

    def counted(*args: Any, **kwargs: Any) -> list[int]:
        ranked.append(kwargs["every"])
        return full_rank(*args, **kwargs)

    monkeypatch.setattr(search_module, "_full_rank", counted)
    async with db.session() as session:
        hits = await search_papers(session, query="quasar nebula", limit=5)
    if db.dialect == "sqlite":
        assert False not in ranked, "the any-word search was not ranked in the database"
    assert len(hits) == 5
    assert all(hit.paper.title != "Dust" for hit in hits), "title matches come first"
    if db.dialect == "sqlite":
        conn_terms = search_module.query_terms("quasar nebula")
        filters = search_module._Filters(None, None, None)
        async with db.session() as session:
            conn = await session.connection()
            expected = await conn.run_sync(
                lambda c: full_rank(c, conn_terms, filters, 5, every=False)
            )
        assert [hit.paper.id for hit in hits] == expected


WORDS = ["alpha", "beta", "gamma", "delta", "omega", "sigma"]


def _paper(rng: random.Random, number: int) -> PaperInput:
    # Every paper has the same length, so impacts do not drift with the average length.
    title = " ".join(rng.choices(WORDS, k=3))
    abstract = " ".join(rng.choices(WORDS, k=6))
    return PaperInput(title, abstract, arxiv_id=f"2601.{number:05d}")


def _expected(conn: Connection) -> tuple[Counter[str], dict[str, list[float]]]:
    docs = [
        ix.Doc(r.id, r.title, r.abstract)
        for r in conn.execute(text("SELECT id, title, abstract FROM paper"))
    ]
    counts, _ = ix.count(docs)
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.title.keys() | c.abstract.keys())
    _, average = ix.stats(conn)
    impacts: dict[str, list[float]] = {}
    for c in counts:
        for term in c.title.keys() | c.abstract.keys():
            weight = ix.impact(c.title[term], c.abstract[term], c.length, average)
            impacts.setdefault(term, []).append(weight)
    return df, {term: sorted(values, reverse=True) for term, values in impacts.items()}


def _check(conn: Connection) -> None:
    df, impacts = _expected(conn)
    stored = {
        r.term: (int(r.df), int(r.listed))
        for r in conn.execute(text("SELECT term, df, listed FROM search_term"))
    }
    assert {term: value[0] for term, value in stored.items()} == dict(df)
    docs, _ = ix.stats(conn)
    assert docs == conn.execute(text("SELECT count(*) FROM paper")).scalar_one()
    orphans = conn.execute(
        text(
            "SELECT count(*) FROM search_champion c "
            "WHERE NOT EXISTS (SELECT 1 FROM paper p WHERE p.id = c.paper_id)"
        )
    ).scalar_one()
    assert orphans == 0
    floors = {r.term: r.floor for r in conn.execute(text("SELECT term, floor FROM search_term"))}
    for term, (count, listed) in stored.items():
        rows = [
            float(r[0])
            for r in conn.execute(
                text("SELECT impact FROM search_champion WHERE term = :t ORDER BY impact DESC"),
                {"t": term},
            )
        ]
        if count <= ix.FULL_RANK_LIMIT:
            assert rows == [] and listed == 0, term
            continue
        assert listed == len(rows) and rows, term
        # Entries at or above the floor are the term's true best, in order.
        trusted = [value for value in rows if value >= floors[term]]
        assert len(trusted) >= ix.CHAMPIONS // 2, term
        top = min(len(trusted), ix.CHAMPIONS)
        assert trusted[:top] == pytest.approx(impacts[term][:top]), term


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_lists_stay_in_step_through_imports_updates_and_deletes(
    db: Database, seed: int
) -> None:
    rng = random.Random(seed)
    numbers = list(range(30))
    for round_ in range(6):
        batch = [_paper(rng, rng.choice(numbers)) for _ in range(8)]
        unique = {paper.arxiv_id: paper for paper in batch}
        async with db.transaction() as session:
            await upsert_papers(session, papers=list(unique.values()))
            if round_ % 2:
                ids = list((await paper_ids(session, keys=list(unique)[:3])).values())
                await delete_papers(session, ids=ids)
        async with db.session() as session:
            conn = await session.connection()
            await conn.run_sync(_check)
    async with db.transaction() as session:
        every = [
            row[0]
            for row in (
                await (await session.connection()).execute(text("SELECT id FROM paper"))
            ).all()
        ]
        await delete_papers(session, ids=every)
    async with db.session() as session:
        for table in ix.SEARCH_TABLES[:2]:
            assert (
                await (await session.connection()).execute(text(f"SELECT count(*) FROM {table}"))
            ).scalar() == 0
        assert await search_papers(session, query="alpha", limit=5) == []


async def test_a_rolled_back_import_leaves_the_index_untouched(db: Database) -> None:
    async def abandoned() -> None:
        async with db.transaction() as session:
            await upsert_papers(session, papers=RELEVANCE)
            raise RuntimeError("abandon the import")

    with pytest.raises(RuntimeError):
        await abandoned()
    async with db.session() as session:
        terms = (
            await (await session.connection()).execute(text("SELECT count(*) FROM search_term"))
        ).scalar()
        assert terms == 0
        assert await search_papers(session, query="kernel", limit=5) == []


OPERATORS = ['"', "AND", "OR", "NOT", "NEAR", "*", "-", ":", "(", ")", "^", "'", "&", "|", "!"]
QUERY = st.lists(
    st.one_of(
        st.sampled_from([*WORDS, "kernel", "attention", "Kernel", *OPERATORS]),
        st.text(max_size=6),
        st.text(alphabet="αβγ日本語🚀é\u0301", max_size=4),
    ),
    max_size=5,
).map(" ".join)


@settings(
    max_examples=1500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=QUERY, category=st.sampled_from([None, "cs.LG", "nope"]))
async def test_any_typed_text_is_a_valid_query(
    relevance: Database, query: str, category: str | None
) -> None:
    async with relevance.session() as session:
        hits = await search_papers(session, query=query, category=category, limit=5)
        await suggest_query(session, query=query)
    keys = {ix.term_of(term) for term in search_module.query_terms(query)}
    assert len(hits) <= 5
    assert len({hit.paper.id for hit in hits}) == len(hits)
    for hit in hits:
        counts, _ = ix.count([ix.Doc(0, hit.paper.title, hit.paper.abstract)])
        assert keys & (counts[0].title.keys() | counts[0].abstract.keys())
        assert category is None or hit.paper.category == category


def test_the_stem_cache_starts_afresh_without_losing_a_word(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ix, "_STEM_CACHE_SIZE", 4)
    stems = ix.Stems()
    assert stems.mapping(["models", "routing", "kernels"])["models"] == "model"
    both = stems.mapping(["models", "experts", "batching"])
    assert (both["models"], both["experts"], both["batching"]) == ("model", "expert", "batch")


@given(value=st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
def test_ascii_text_splits_into_the_same_words_as_the_pattern(value: str) -> None:
    assert ix.words(value) == ix._TOKEN.findall(ix.fold(value))


# Forms that share a stem, words with diacritics and other scripts: the cases gather mends.
FORMS = ["model", "models", "modeling", "modelled", "naive", "naïve", "kernel", "kernels"]
FORMS += ["attention", "attend", "routing", "route", "routes", "straße", "模型", "sparse"]


def _reference_gather(
    texts: list[tuple[str, str]], plan: ix.Plan
) -> tuple[int, Counter[str], set[str], list[tuple[int, str, float]]]:
    """Gather as the definition says: each paper's terms counted by stem, one by one."""
    df: Counter[str] = Counter()
    words: set[str] = set()
    tokens = 0
    candidates = []
    for at, (title, abstract) in enumerate(texts):
        title_words, abstract_words = ix.words(title), ix.words(abstract)
        words.update(title_words, abstract_words)
        tokens += len(title_words) + len(abstract_words)
        title_tf = Counter(map(ix.term_of, title_words))
        abstract_tf = Counter(map(ix.term_of, abstract_words))
        df.update(title_tf.keys() | abstract_tf.keys())
        for term in title_tf.keys() | abstract_tf.keys():
            if term not in plan.floors:
                continue
            weight = ix.impact(
                title_tf[term],
                abstract_tf[term],
                len(title_words) + len(abstract_words),
                plan.average,
            )
            if weight >= plan.floors[term]:
                candidates.append((at, term, weight))
    return tokens, df, words, candidates


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(
        st.tuples(
            st.lists(st.sampled_from(FORMS), max_size=6).map(" ".join),
            st.lists(st.sampled_from(FORMS), max_size=30).map(" ".join),
        ),
        max_size=12,
    ),
    floors=st.dictionaries(st.sampled_from(FORMS).map(ix.term_of), st.floats(0.0, 2.1), max_size=8),
    average=st.floats(1.0, 40.0),
)
def test_gather_counts_every_paper_as_the_definition_does(
    texts: list[tuple[str, str]], floors: dict[str, float], average: float
) -> None:
    plan = ix.Plan.of(average, floors)
    found = ix.gather(texts, plan)
    tokens, df, words, candidates = _reference_gather(texts, plan)
    assert (found.tokens, +found.df, found.words) == (tokens, df, words)

    def clear(rows: list[tuple[int, str, float]]) -> dict[tuple[int, str], float]:
        # A weight within rounding of its floor may fall either side, computed either way.
        return {(at, t): w for at, t, w in rows if abs(w - plan.floors[t]) > 1e-9}

    ours, expected = clear(found.candidates), clear(candidates)
    assert sorted(ours) == sorted(expected)
    assert list(ours.values()) == pytest.approx([expected[key] for key in ours])


async def test_a_bulk_import_indexes_as_paper_by_paper_imports_do(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # More papers than a chunk, tokenized in a thread: the same statistics as one at a time.
    monkeypatch.setattr(papers_module, "_CHUNK", 90)
    monkeypatch.setattr(papers_module, "_THREADED", 20)
    rng = random.Random(7)
    batch = [_paper(rng, number) for number in range(300)]
    read: list[int] = []

    def lazily() -> Iterator[PaperInput]:
        for number, paper in enumerate(batch):
            read.append(number)
            yield paper

    seen_at_first_row: list[int] = []
    row = papers_module._row

    def first_row(*args: Any) -> dict[str, object]:
        if not seen_at_first_row:
            seen_at_first_row.append(len(read))
        return row(*args)

    monkeypatch.setattr(papers_module, "_row", first_row)
    async with db.transaction() as session:
        keys = await upsert_papers(session, papers=lazily())
    # The papers were read a chunk at a time, not all at once before the first write.
    assert seen_at_first_row == [90] and len(keys) == 300
    async with db.session() as session:
        conn = await session.connection()
        await conn.run_sync(_check)
        bulk = (await conn.execute(text("SELECT term, df FROM search_term ORDER BY term"))).all()
    async with db.transaction() as session:
        await delete_papers(session, ids=list((await paper_ids(session, keys=keys)).values()))
    for paper in batch:
        async with db.transaction() as session:
            await upsert_papers(session, papers=[paper])
    async with db.session() as session:
        conn = await session.connection()
        await conn.run_sync(_check)
        single = (await conn.execute(text("SELECT term, df FROM search_term ORDER BY term"))).all()
    assert bulk == single and bulk


async def test_a_paper_changed_between_read_and_write_is_indexed_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The read before the write misses a paper another import stored meanwhile; the write then
    # changes nothing and returns no row, so its terms must not count twice.
    async with db.transaction() as session:
        await upsert_papers(session, papers=[PaperInput("Kernel fusion", "Fused kernels.")])

    async def unseen(*args: Any) -> dict[str, Any]:
        return {}

    monkeypatch.setattr(papers_module, "_stored", unseen)
    async with db.transaction() as session:
        await upsert_papers(session, papers=[PaperInput("Kernel fusion", "Fused kernels.")])
    async with db.session() as session:
        conn = await session.connection()
        await conn.run_sync(_check)
