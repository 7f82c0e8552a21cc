"""Sources fetched end to end into a real database: stored, kept on failure, health recorded."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import re

import pytest
from pydantic import SecretStr
from sqlmodel import select

from config import Settings
from core.sources.poller import make_client, poll_due_sources, poll_interval
from core.sources.registry import SourcesConfig, parse_sources
from core.sources.runner import check_source
from storage import Database
from storage.queries import leaderboards, models, sources
from storage.queries.papers import PaperInput, upsert_papers
from storage.tables import NewsItem, Paper, PaperSource, SnapshotDetails
from tests.fakes.sources import payloads
from tests.fakes.sources.server import FakeSources

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=1)


def _config(fake: FakeSources, *entries: dict[str, object]) -> SourcesConfig:
    listed = [{**entry, "url": fake.url(str(entry["url"]))} for entry in entries]
    return parse_sources(
        {
            "polling": {"backoff_base_seconds": 10, "backoff_max_seconds": 100},
            "limits": {"arxiv": {"connections": 1, "min_interval_seconds": 0.01}},
            "sources": listed,
        }
    )


def _settings(**values: object) -> Settings:
    return Settings(database_url="sqlite://", sources_timeout_seconds=0.5, **values)


async def _poll(db: Database, config: SourcesConfig, now: dt.datetime = NOW, **options: object):
    return await poll_due_sources(
        db,
        _settings(**options.pop("settings", {})),
        now=now,
        sources=config,
        rng=random.Random(1),
        **options,
    )


async def test_papers_from_arxiv_and_hugging_face_are_one_paper(
    db: Database, fake_sources: FakeSources
) -> None:
    fake_sources.serve(
        "/rss/cs.DC",
        payloads.arxiv_rss([payloads.arxiv_rss_item("2612.00001", "Batching Tokens Well")]),
    )
    fake_sources.serve(
        "/api/daily_papers",
        payloads.hf_daily([payloads.hf_item("2612.00001", "Batching tokens well!", upvotes=12)]),
        content_type="application/json",
    )
    config = _config(
        fake_sources,
        {"name": "arxiv-rss-cs.DC", "kind": "arxiv-rss", "url": "/rss/cs.DC", "limit": "arxiv"},
        {"name": "hf", "kind": "hf-daily", "url": "/api/daily_papers"},
    )
    changed: list[bool] = []
    results = await _poll(db, config, on_change=lambda: changed.append(True))
    assert {r.name: r.outcome for r in results} == {"arxiv-rss-cs.DC": "stored", "hf": "stored"}
    assert changed == [True]
    assert fake_sources.hits("/api/daily_papers")[0].query["date"] == "2026-12-01"
    async with db.session() as session:
        (paper,) = (await session.exec(select(Paper))).all()
        listed = (await session.exec(select(PaperSource))).all()
    assert (paper.key, paper.category) == ("2612.00001", "cs.DC")
    assert {(s.source, s.upvotes) for s in listed} == {("arxiv-rss-cs.DC", None), ("hf", 12)}


async def test_a_paper_known_by_title_gets_its_arxiv_id(
    db: Database, fake_sources: FakeSources
) -> None:
    async with db.transaction() as session:
        (key,) = await upsert_papers(
            session, papers=[PaperInput(title="Batching Tokens Well", abstract="")]
        )
    fake_sources.serve(
        "/api", payloads.arxiv_api([payloads.arxiv_entry("2612.00001", "Batching tokens well")])
    )
    config = _config(
        fake_sources, {"name": "api", "kind": "arxiv-api", "url": "/api", "query": "cat:cs.DC"}
    )
    (result,) = await _poll(db, config)
    assert result.outcome == "stored"
    assert fake_sources.hits("/api")[0].query["search_query"] == "cat:cs.DC"
    async with db.session() as session:
        (paper,) = (await session.exec(select(Paper))).all()
    assert (paper.key, paper.arxiv_id, paper.abstract) == (key, "2612.00001", "We study a thing.")


async def test_unchanged_source_is_a_304_and_keeps_its_data(
    db: Database, fake_sources: FakeSources
) -> None:
    fake_sources.serve(
        "/lab",
        payloads.rss_news(
            [("Model card", "https://lab.example/m", "Text", "Mon, 30 Nov 2026 10:00:00 GMT")]
        ),
    )
    config = _config(
        fake_sources, {"name": "lab", "kind": "feed", "url": "/lab", "section": "labs"}
    )
    await _poll(db, config)
    (result,) = await _poll(db, config, now=LATER)
    assert result.outcome == "not-modified"
    assert "If-None-Match" in fake_sources.hits("/lab")[1].headers
    async with db.session() as session:
        items = (await session.exec(select(NewsItem))).all()
        state = await sources.get_state(session, name="lab")
    assert [(i.title, i.section) for i in items] == [("Model card", "labs")]
    assert state is not None and state.last_summary == "1 post"
    assert state.next_attempt_at == LATER + dt.timedelta(minutes=60)


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"mode": "status", "status": 500}, "HTTP 500"),
        ({"mode": "status", "status": 429, "retry_after": "3600"}, "HTTP 429"),
        ({"delay": 1.0}, "timed out"),
        ({"mode": "truncated"}, "truncated|connection"),
        ({"body": "<rss version='2.0'><channel><item><title>half"}, "malformed XML"),
    ],
    ids=["500", "429", "timeout", "truncated", "malformed"],
)
async def test_a_failing_source_keeps_its_last_good_data(
    db: Database, fake_sources: FakeSources, options: dict[str, object], error: str
) -> None:
    good = payloads.rss_news(
        [("Kept", "https://lab.example/k", "Text", "Mon, 30 Nov 2026 10:00:00 GMT")]
    )
    fake_sources.serve("/lab", good)
    config = _config(
        fake_sources, {"name": "lab", "kind": "feed", "url": "/lab", "section": "wire"}
    )
    await _poll(db, config)
    options = dict(options)
    body = options.pop("body", good + "<!-- changed -->")
    fake_sources.serve("/lab", body, **options)
    (result,) = await _poll(db, config, now=LATER, force=True)
    assert result.outcome == "failed"
    assert result.error is not None
    assert re.search(error, result.error)
    async with db.session() as session:
        items = (await session.exec(select(NewsItem))).all()
        state = await sources.get_state(session, name="lab")
    assert [i.title for i in items] == ["Kept"]
    assert state is not None
    assert state.consecutive_failures == 1
    assert state.last_success_at == NOW
    assert state.last_error == result.error
    assert state.last_summary == "1 post"
    wait = (state.next_attempt_at - LATER).total_seconds()
    if "429" in error:
        assert wait == 3600
    else:
        assert 5 <= wait <= 10


async def test_backoff_grows_and_success_resets_it(db: Database, fake_sources: FakeSources) -> None:
    fake_sources.serve("/lab", "", mode="status", status=503)
    config = _config(
        fake_sources, {"name": "lab", "kind": "feed", "url": "/lab", "section": "labs"}
    )
    waits = []
    now = NOW
    for _ in range(5):
        (result,) = await _poll(db, config, now=now)
        assert result.next_attempt_at is not None
        waits.append((result.next_attempt_at - now).total_seconds())
        now = result.next_attempt_at
    assert 5 <= waits[0] <= 10 and 10 <= waits[1] <= 20 and 20 <= waits[2] <= 40
    # 10·2⁴ = 160 s is over the 100 s cap.
    assert 40 <= waits[3] <= 80 and 50 <= waits[4] <= 100
    fake_sources.serve("/lab", payloads.rss_news([]))
    (result,) = await _poll(db, config, now=now)
    async with db.session() as session:
        state = await sources.get_state(session, name="lab")
    assert result.outcome == "stored"
    assert state is not None and state.consecutive_failures == 0


async def test_only_due_sources_are_fetched(db: Database, fake_sources: FakeSources) -> None:
    fake_sources.serve("/a", payloads.rss_news([]))
    fake_sources.serve("/b", payloads.rss_news([]))
    config = _config(
        fake_sources,
        {"name": "a", "kind": "feed", "url": "/a", "section": "labs", "interval_minutes": 10},
        {"name": "b", "kind": "feed", "url": "/b", "section": "wire", "interval_minutes": 60},
    )
    assert len(await _poll(db, config)) == 2
    later = await _poll(db, config, now=NOW + dt.timedelta(minutes=11))
    assert [r.name for r in later] == ["a"]
    assert poll_interval(config) == 150


async def test_artificial_analysis_needs_its_key_and_sends_it(
    db: Database, fake_sources: FakeSources
) -> None:
    fake_sources.serve(
        "/models",
        payloads.aa_models(
            [payloads.aa_model("Model A", 70.0), payloads.aa_model("Model B", 72.5)], version="4"
        ),
        content_type="application/json",
    )
    config = _config(fake_sources, {"name": "aa", "kind": "artificial-analysis", "url": "/models"})
    (skipped,) = await _poll(db, config)
    assert skipped.outcome == "skipped"
    assert fake_sources.hits("/models") == []
    key = {"artificial_analysis_api_key": SecretStr("secret-key")}
    (stored,) = await _poll(db, config, settings=key)
    assert stored.outcome == "stored"
    assert fake_sources.hits("/models")[0].headers["x-api-key"] == "secret-key"
    async with db.session() as session:
        board = await leaderboards.get_leaderboard(session, slug="artificial-analysis")
        assert board is not None and board.id is not None
        (snapshot,) = await leaderboards.snapshots(session, leaderboard_id=board.id)
        rows = await leaderboards.snapshot_entries(session, snapshot_id=snapshot.id or 0)
        details = await session.get(SnapshotDetails, snapshot.id)
    assert (snapshot.as_of, snapshot.source) == (NOW.date(), "artificial-analysis-api")
    assert [(r.rank, r.model, r.score, r.price_cents) for r in rows] == [
        (1, "Model B", 72.5, 250),
        (2, "Model A", 70.0, 250),
    ]
    assert details is not None and details.index_version == "4"


async def test_swe_rebench_shares_models_through_aliases_and_keeps_snapshot_on_change(
    db: Database, fake_sources: FakeSources
) -> None:
    async with db.transaction() as session:
        await models.add_alias(session, alias="Model A [high]", model_name="Model A")
    fake_sources.serve(
        "/leaderboard",
        payloads.swe_page(
            [payloads.swe_item("Model A [high]", 0.614), payloads.swe_item("Model A", 0.6)]
            + [payloads.swe_item(f"Model {n}", 0.3 + n / 100) for n in range(5)]
        ),
        content_type="text/html",
    )
    config = _config(fake_sources, {"name": "swe", "kind": "swe-rebench", "url": "/leaderboard"})
    (first,) = await _poll(db, config)
    assert first.outcome == "stored"
    fake_sources.serve("/leaderboard", payloads.swe_page_changed(), content_type="text/html")
    (changed,) = await _poll(db, config, now=LATER, force=True)
    assert changed.outcome == "failed"
    assert changed.error is not None and "format changed" in changed.error
    fake_sources.serve(
        "/leaderboard",
        payloads.swe_page([payloads.swe_item("Model A", 0.7)]),
        content_type="text/html",
    )
    (partial,) = await _poll(db, config, now=LATER, force=True)
    assert partial.error is not None and "partial update" in partial.error
    async with db.session() as session:
        board = await leaderboards.get_leaderboard(session, slug="swe-rebench")
        assert board is not None and board.id is not None
        (snapshot,) = await leaderboards.snapshots(session, leaderboard_id=board.id)
        rows = await leaderboards.snapshot_entries(session, snapshot_id=snapshot.id or 0)
        details = await session.get(SnapshotDetails, snapshot.id)
    # "Model A [high]" is an alias of Model A: one row, the better score.
    assert rows[0].model == "Model A" and rows[0].score == 61.4
    assert len(rows) == 6
    assert details is not None
    assert (details.window_start, details.n_tasks) == (dt.date(2026, 5, 15), 111)
    assert json.loads(json.dumps(details.extra))["Model A [high]"]["sem"] == 1.2


async def test_arxiv_sources_share_one_connection_and_spacing(
    db: Database, fake_sources: FakeSources
) -> None:
    for category in ("cs.DC", "cs.LG", "cs.CL"):
        fake_sources.serve(f"/rss/{category}", payloads.arxiv_rss([], category), delay=0.02)
    config = parse_sources(
        {
            "limits": {"arxiv": {"connections": 1, "min_interval_seconds": 0.15}},
            "sources": [
                {
                    "name": f"arxiv-{category}",
                    "kind": "arxiv-rss",
                    "url": fake_sources.url(f"/rss/{category}"),
                    "limit": "arxiv",
                }
                for category in ("cs.DC", "cs.LG", "cs.CL")
            ],
        }
    )
    changed: list[bool] = []
    results = await _poll(db, config, on_change=lambda: changed.append(True))
    assert [r.summary for r in results] == ["no papers (none announced)"] * 3
    # An empty weekend feed is a success that changes nothing readers see.
    assert changed == []
    starts = sorted(seen.started for seen in fake_sources.seen)
    assert fake_sources.most_active == 1
    assert all(b - a >= 0.14 for a, b in itertools.pairwise(starts))


async def test_check_reads_without_storing(db: Database, fake_sources: FakeSources) -> None:
    fake_sources.serve("/lab", payloads.rss_news([]))
    fake_sources.serve("/gone", "", mode="status", status=404)
    config = _config(
        fake_sources,
        {"name": "lab", "kind": "feed", "url": "/lab", "section": "labs"},
        {"name": "gone", "kind": "feed", "url": "/gone", "section": "labs"},
    )
    async with make_client(config, _settings()) as client:
        ok = await check_source(config.sources[0], client=client, now=NOW, api_key=None)
        gone = await check_source(config.sources[1], client=client, now=NOW, api_key=None)
    assert (ok.outcome, ok.summary) == ("checked", "0 posts")
    assert (gone.outcome, gone.error) == ("failed", "HTTP 404 Not Found")
    async with db.session() as session:
        assert await sources.list_states(session) == []
