"""Each fetcher's reading of its format: the documented shapes, and the ways they go wrong."""

from __future__ import annotations

import datetime as dt

import pytest

from core.sources import artificial_analysis, arxiv, huggingface, news, swe_rebench
from core.sources.found import FormatError
from tests.fakes.sources import payloads

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def test_arxiv_api_takes_identity_and_links_from_the_id_not_link_attributes() -> None:
    body = payloads.arxiv_api(
        [payloads.arxiv_entry("2611.01234", "Sharded\n   Caches  for KV", bare_links=True)]
    )
    (found,) = arxiv.parse_api(body.encode()).papers
    assert found.paper.arxiv_id == "2611.01234"
    assert found.paper.title == "Sharded Caches for KV"
    assert found.paper.category == "cs.DC"
    assert found.paper.links == {
        "arXiv": "https://arxiv.org/abs/2611.01234",
        "PDF": "https://arxiv.org/pdf/2611.01234",
    }


def test_arxiv_api_error_entry_is_a_clear_error() -> None:
    with pytest.raises(FormatError, match="arXiv API error: incorrect id format"):
        arxiv.parse_api(payloads.arxiv_api_error("incorrect id format").encode())


def test_arxiv_rss_keeps_new_and_cross_announcements_only() -> None:
    body = payloads.arxiv_rss(
        [
            payloads.arxiv_rss_item("2612.00001", "Fresh Paper"),
            payloads.arxiv_rss_item("2612.00002", "Revised Paper", announce="replace"),
            payloads.arxiv_rss_item("2612.00003", "Listed Too", announce="Cross"),
        ]
    )
    found = arxiv.parse_rss(body.encode()).papers
    assert [f.paper.arxiv_id for f in found] == ["2612.00001", "2612.00003"]
    assert found[0].paper.abstract == "An abstract about fresh paper."


def test_arxiv_rss_of_a_weekend_is_empty_not_an_error() -> None:
    assert arxiv.parse_rss(payloads.arxiv_rss([]).encode()).papers == []


@pytest.mark.parametrize(
    "body",
    [b"", b"<rss version='2.0'><channel><item><title>cut", b"<html>not a feed</html>"],
    ids=["empty", "truncated", "not-a-feed"],
)
def test_broken_xml_is_refused_whole(body: bytes) -> None:
    with pytest.raises(FormatError):
        arxiv.parse_rss(body)


def test_hugging_face_keeps_upvotes_and_missing_is_not_zero() -> None:
    body = payloads.hf_daily(
        [
            payloads.hf_item("2611.00007v2", "Counted", upvotes=26),
            payloads.hf_item("2611.00008", "Uncounted", upvotes=None),
        ]
    )
    counted, uncounted = huggingface.parse_daily(body.encode()).papers
    assert (counted.paper.arxiv_id, counted.upvotes) == ("2611.00007", 26)
    assert counted.paper.links is not None
    assert counted.paper.links["Hugging Face"] == "https://huggingface.co/papers/2611.00007"
    assert uncounted.upvotes is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"papers": []}', "JSON array"),
        (b'[{"paper": {"id": "2611', "malformed JSON"),
        (b'[{"title": "no paper"}]', "none of the 1 items"),
    ],
)
def test_hugging_face_bad_bodies(body: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        huggingface.parse_daily(body)


def test_hugging_face_empty_day_is_no_papers() -> None:
    assert huggingface.parse_daily(b"[]").papers == []


def test_artificial_analysis_columns_and_index_version() -> None:
    body = payloads.aa_models(
        [
            payloads.aa_model("Model A", 70.14, speed=150.6, blended=3.125),
            payloads.aa_model("Model B", 65, tiered=True, speed=88.2),
            payloads.aa_model("Unscored", None),
        ],
        version="4.0",
    )
    board = artificial_analysis.parse_models(body.encode())
    assert board.index_version == "4.0"
    first, second = board.rows
    assert (first.model, first.score, first.tokens_per_second, first.price_cents) == (
        "Model A",
        70.14,
        151,
        312,
    )
    # No blended price on the tiered shape: (3 * 2 + 8) / 4 = 3.5 dollars.
    assert (second.tokens_per_second, second.price_cents) == (88, 350)
    assert first.extra["id"] == "id-model-a"


def test_artificial_analysis_without_scores_is_an_error() -> None:
    with pytest.raises(FormatError, match="intelligence index"):
        artificial_analysis.parse_models(
            payloads.aa_models([payloads.aa_model("X", None)]).encode()
        )
    with pytest.raises(FormatError, match="data"):
        artificial_analysis.parse_models(b'{"error": "unauthorised"}')


@pytest.mark.parametrize("page", [payloads.swe_page, payloads.swe_page_next_data])
def test_swe_rebench_reads_the_newest_window_from_the_page(page) -> None:
    body = page([payloads.swe_item("Model A [high]", 0.614), payloads.swe_item("Model B", 0.5)])
    board = swe_rebench.parse_page(body.encode())
    assert [(r.model, r.score) for r in board.rows] == [("Model A [high]", 61.4), ("Model B", 50.0)]
    assert (board.window_start, board.window_end) == (dt.date(2026, 5, 15), dt.date(2026, 7, 1))
    assert board.n_tasks == 111
    assert board.rows[0].extra["sem"] == pytest.approx(1.2)


def test_swe_rebench_changed_page_fails_clearly() -> None:
    with pytest.raises(FormatError, match="format changed"):
        swe_rebench.parse_page(payloads.swe_page_changed().encode())
    with pytest.raises(FormatError, match="format changed"):
        swe_rebench.parse_page(b"<html><body>Under maintenance</body></html>")


def test_news_is_plain_text_with_web_links_only() -> None:
    rss = payloads.rss_news(
        [
            (
                "Launch &lt;b&gt;day&lt;/b&gt;",
                "https://lab.example/launch",
                "&lt;p&gt;We made&lt;/p&gt;&lt;script&gt;steal()&lt;/script&gt;&lt;p&gt;a model"
                " @everyone&lt;/p&gt;",
                "Mon, 30 Nov 2026 10:00:00 GMT",
            )
        ]
    )
    (item,) = news.parse_news(rss.encode(), now=NOW).items
    assert item.title == "Launch day"
    assert item.summary == "We made a model @everyone"
    assert "steal" not in item.summary
    assert item.published_at == dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
    atom = payloads.atom_news(
        [("Wire story", "javascript:alert(1)", "&lt;i&gt;x&lt;/i&gt;", "2027-01-01T00:00:00Z")]
    )
    (story,) = news.parse_news(atom.encode(), now=NOW).items
    assert story.url is None
    assert story.guid == "tag:wire.example,2026:0"
    # A date in the future is taken as the time it was read.
    assert story.published_at == NOW
