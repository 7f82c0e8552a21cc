"""The sources file: the packaged defaults, and clear errors for bad files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from config import Settings
from core.sources.health import describe_state, summarise
from core.sources.registry import DEFAULT_FILE, SourcesFileError, load_sources, sources_path
from storage.tables import SourceState


def test_the_default_file_lists_the_reports_sources() -> None:
    config = load_sources(DEFAULT_FILE)
    kinds = {spec.kind for spec in config.sources}
    assert kinds == {
        "arxiv-api",
        "arxiv-rss",
        "hf-daily",
        "artificial-analysis",
        "swe-rebench",
        "feed",
    }
    rss = [spec.url.rsplit("/", 1)[-1] for spec in config.sources if spec.kind == "arxiv-rss"]
    assert rss == ["cs.DC", "cs.LG", "cs.CL", "cs.AI"]
    assert all(spec.limit == "arxiv" for spec in config.sources if spec.kind.startswith("arxiv"))
    policy = config.limits["arxiv"]
    assert (policy.connections, policy.min_interval) == (1, 3.0)
    labs = {spec.name for spec in config.sources if spec.section == "labs"}
    assert {"openai-news", "google-deepmind-blog", "google-research-blog"} <= labs


def test_settings_choose_another_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    assert sources_path(Settings(sources_file=str(path))) == path
    assert sources_path(Settings(sources_file=None)) == DEFAULT_FILE


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[sources]]\nname = 'x'\nkind = 'rss'\nurl = 'https://a.example/'", "kind` must be"),
        ("[[sources]]\nname = 'x'\nkind = 'feed'\nurl = 'https://a.example/'", "section"),
        ("[[sources]]\nname = 'x'\nkind = 'feed'\nsection = 'labs'\nurl = 'ftp://a'", "http"),
        ("[[sources]]\nname = 'x'\nkind = 'arxiv-api'\nurl = 'https://a.example/'", "query"),
        (
            "[[sources]]\nname = 'x'\nkind = 'swe-rebench'\nurl = 'https://a.example/'\n"
            "[[sources]]\nname = 'x'\nkind = 'swe-rebench'\nurl = 'https://b.example/'",
            "taken",
        ),
        ("sources = [", "not valid TOML"),
    ],
)
def test_bad_files_say_what_and_where(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(text)
    with pytest.raises(SourcesFileError, match=message) as caught:
        load_sources(path)
    assert str(path) in str(caught.value)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourcesFileError, match="No such file"):
        load_sources(tmp_path / "absent.toml")


def test_health_in_words() -> None:
    at = dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.UTC)
    good = SourceState(name="a", last_success_at=at, last_summary="4 posts")
    bad = SourceState(
        name="b",
        last_success_at=None,
        consecutive_failures=3,
        last_error="HTTP 500",
        next_attempt_at=at,
    )
    assert describe_state(good) == "ok, last success 2026-12-01 06:00 UTC (4 posts)"
    assert describe_state(bad) == (
        "failing (3×): HTTP 500; last success never; next try 2026-12-01 06:00 UTC"
    )
    assert summarise([good, bad]) == "1 of 2 healthy; failing: b (HTTP 500)"
    assert summarise([]) == "none fetched yet"
