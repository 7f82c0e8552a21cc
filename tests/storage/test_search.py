"""Paper search: anything a person types is a valid query, on both databases."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import Connection

from storage import Database
from storage import search_index as ix
from storage.queries.papers import PaperInput, upsert_papers
from storage.search import (
    MARK_END,
    MARK_START,
    _Filters,
    _full_rank,
    _rank_matches,
    _rescored,
    extract,
    find_papers,
    query_terms,
    search_papers,
    suggest_query,
)

_NONE = _Filters(None, None, None)
PAPERS = [
    PaperInput(
        "Dynamic Batching for Serving",
        "We batch requests dynamically to raise throughput.",
        "cs.DC",
    ),
    PaperInput(
        "Sparse Experts at Scale", "Mixture of experts routing with sparse batches.", "cs.LG"
    ),
    PaperInput("Multi-Agent Planning", "Agents plan together; don't they? We test it.", "cs.AI"),
]

HOSTILE = [
    '"unbalanced',
    "foo AND",
    "multi-agent",
    "don't",
    "NEAR(a b)",
    "title:batching",
    "*",
    "🚀🚀",
    "'; DROP TABLE paper; --",
    "a & | ! :* <->",
    "",
    "   ",
    "\\",
    "(((",
]


@pytest.fixture
async def stored(db: Database) -> Database:
    async with db.transaction() as session:
        await upsert_papers(session, papers=PAPERS)
    return db


async def test_words_match_through_their_stems(stored: Database) -> None:
    async with stored.session() as session:
        hits = await search_papers(session, query="batching", limit=5)
    titles = [hit.paper.title for hit in hits]
    assert titles[0] == "Dynamic Batching for Serving"
    assert "Sparse Experts at Scale" in titles  # "batches" shares the stem
    assert MARK_START in hits[0].extract and MARK_END in hits[0].extract


async def test_a_category_narrows_the_search(stored: Database) -> None:
    async with stored.session() as session:
        hits = await search_papers(session, query="batching", category="cs.LG", limit=5)
    assert [hit.paper.title for hit in hits] == ["Sparse Experts at Scale"]


async def test_all_words_first_then_any(stored: Database) -> None:
    async with stored.session() as session:
        both = await search_papers(session, query="sparse experts", limit=5)
        either = await search_papers(session, query="sparse planning", limit=5)
    assert [hit.paper.title for hit in both] == ["Sparse Experts at Scale"]
    assert {hit.paper.title for hit in either} == {
        "Sparse Experts at Scale",
        "Multi-Agent Planning",
    }


@pytest.mark.parametrize("query", HOSTILE)
async def test_any_text_is_a_valid_query(stored: Database, query: str) -> None:
    async with stored.session() as session:
        hits = await search_papers(session, query=query, limit=5)
    assert all(hit.paper.title for hit in hits)


async def test_operator_words_are_searched_as_words(stored: Database) -> None:
    async with stored.session() as session:
        hits = await search_papers(session, query="multi-agent", limit=5)
    assert [hit.paper.title for hit in hits] == ["Multi-Agent Planning"]


def test_query_terms_keep_words_and_drop_syntax() -> None:
    assert query_terms('"foo" AND bar*') == ["foo", "bar"]
    assert query_terms("🚀 (") == []
    assert query_terms("the and") == ["the", "and"]


async def test_a_date_range_narrows_the_search(db: Database) -> None:
    old = dt.datetime(2025, 1, 10, tzinfo=dt.UTC)
    new = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    async with db.transaction() as session:
        await upsert_papers(session, papers=[PAPERS[0]], first_seen=old)
        await upsert_papers(session, papers=[PAPERS[1]], first_seen=new)
    async with db.session() as session:
        recent = await search_papers(
            session, query="batching", since=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), limit=5
        )
        earlier = await search_papers(
            session, query="batching", until=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), limit=5
        )
    assert [hit.paper.title for hit in recent] == ["Sparse Experts at Scale"]
    assert [hit.paper.title for hit in earlier] == ["Dynamic Batching for Serving"]
    # Dates reach SQLite as SQLAlchemy stores them, on the read threads' driver too.
    assert await find_papers(db, query="batching", since=dt.datetime(2026, 1, 1)) == recent
    assert await find_papers(db, query="batching", until=dt.datetime(2026, 1, 1)) == earlier
    # A bound in another time zone is the same moment: 05:00 at +05:00 is midnight UTC.
    zone = dt.timezone(dt.timedelta(hours=5))
    assert await find_papers(db, query="batching", since=dt.datetime(2026, 6, 1, 5, tzinfo=zone))
    assert not await find_papers(
        db, query="batching", since=dt.datetime(2026, 6, 1, 5, 0, 1, tzinfo=zone)
    )


async def test_a_read_of_its_own_finds_what_a_session_finds(stored: Database) -> None:
    queries = ["batching", "batch experts", "sparse OR planning", "agents", "zzz", *HOSTILE]
    for query in queries:
        for category in (None, "cs.LG"):
            async with stored.session() as session:
                expected = await search_papers(session, query=query, category=category)
            assert await find_papers(stored, query=query, category=category) == expected, query
    found = await find_papers(stored, query="batching")
    assert found[0].paper.title == "Dynamic Batching for Serving"
    assert found[0].paper.category == "cs.DC"
    assert found[0].paper.first_seen_at.tzinfo is not None


async def test_a_session_finds_what_it_wrote_before_committing(db: Database) -> None:
    async with db.session() as session:
        await upsert_papers(session, papers=[PAPERS[0]])
        hits = await search_papers(session, query="batching")
        assert [hit.paper.title for hit in hits] == ["Dynamic Batching for Serving"]
    assert await find_papers(db, query="batching") == []


async def test_a_misspelt_word_gets_a_suggestion(stored: Database) -> None:
    async with stored.session() as session:
        assert await search_papers(session, query="batchnig", limit=5) == []
        assert await suggest_query(session, query="dynamic batchnig") == "dynamic batch"
        assert await suggest_query(session, query="batching") is None
        assert await suggest_query(session, query="zzzzqqq") is None


def test_an_extract_marks_matches_around_the_first_one() -> None:
    abstract = " ".join(f"w{n}" for n in range(60)) + " Batching helps; batched serving too."
    extract_ = extract(abstract, {"batch"})
    assert extract_.startswith("…") and not extract_.endswith("…")
    assert f"{MARK_START}Batching{MARK_END}" in extract_
    assert f"{MARK_START}batched{MARK_END}" in extract_
    assert "w40" not in extract_ and extract_.endswith("too.")


def test_an_extract_of_accented_text_keeps_the_original_letters() -> None:
    extract_ = extract("Les modèles Élégants apprennent.", {"eleg"})
    assert f"{MARK_START}Élégants{MARK_END}" in extract_
    assert extract("", {"x"}) == ""


async def test_a_pasted_page_is_a_valid_query(stored: Database) -> None:
    page = " ".join(f"word{n}" for n in range(40_000)) + " batching"
    async with stored.session() as session:
        assert await search_papers(session, query=page, limit=5) == []
        assert await search_papers(session, query="batching " + page, limit=5)
        await suggest_query(session, query=page)


def _corpus(count: int) -> list[PaperInput]:
    """Papers of equal length drawn from a dozen invented words, so many share each word."""
    rng = random.Random(7)
    words = [f"zq{n}" for n in range(12)]
    return [
        PaperInput(
            " ".join(rng.choices(words, k=4)),
            " ".join(rng.choices(words, k=20)),
            ("cs.LG", "cs.CL")[number % 2],
        )
        for number in range(count)
    ]


@pytest.mark.parametrize("every", [True, False])
@pytest.mark.parametrize("category", [None, "cs.CL"])
async def test_the_shortcuts_agree_with_full_ranking(
    db: Database, every: bool, category: str | None
) -> None:
    async with db.transaction() as session:
        await upsert_papers(session, papers=_corpus(80))
    filters = _Filters(category, None, None)
    async with db.session() as session:
        conn = await session.connection()
        for query in (["zq1"], ["zq2", "zq5"], ["zq3", "zq7", "zq11"], ["zq4", "nowhere"]):
            ours = await conn.run_sync(
                lambda c, q=query: _rank_matches(c, q, filters, 5, every=every)
            )
            full = await conn.run_sync(lambda c, q=query: _full_rank(c, q, filters, 5, every=every))
            assert ours == full, query
            if every:
                # All words first, then any: what a search returns when both plans are exact.
                if not full:
                    full = await conn.run_sync(
                        lambda c, q=query: _full_rank(c, q, filters, 5, every=False)
                    )
                hits = await search_papers(
                    session, query=" ".join(query), category=category, limit=5
                )
                assert [hit.paper.id for hit in hits] == full, query


async def test_bounded_rescoring_reaches_the_best_however_deep_it_sits(db: Database) -> None:
    # Seventy candidates in the order an estimate gives them, the best for both words 41st.
    papers = [PaperInput(f"zq1 note {n}", "zq1 zq2 filler words here", "cs.LG") for n in range(70)]
    papers[40] = PaperInput("zq1 zq2 zq2 best", "zq1 zq2 zq2", "cs.LG")
    async with db.transaction() as session:
        await upsert_papers(session, papers=papers)
    async with db.session() as session:
        conn = await session.connection()
        order = sorted(await conn.run_sync(lambda c: _full_rank(c, ["zq1"], _NONE, 70, every=True)))
        weights = {ix.term_of("zq1"): 1.0, ix.term_of("zq2"): 1.0}
        _, average = await conn.run_sync(ix.stats)

        def rescored(c: Connection, **options: object) -> list[int]:
            return _rescored(c, order, weights, average, 5, every=True, **options)  # type: ignore[arg-type]

        exact = await conn.run_sync(lambda c: rescored(c, depth=len(order)))
        assert exact[0] == order[40]
        # Stopping once five are found misses it; bounds (here: BM25's ceiling for every paper)
        # keep scoring while the rest could still make the top.
        assert exact[0] not in await conn.run_sync(rescored)
        ceiling = dict.fromkeys(order, 2 * (ix.K1 + 1))
        bounded = await conn.run_sync(lambda c: rescored(c, bounds=ceiling))
        assert bounded[0] == exact[0]
