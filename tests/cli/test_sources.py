"""`inference-report sources list | check | fetch`, run as a person runs it, against the fake."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from pathlib import Path

from tests.fakes.sources import payloads
from tests.fakes.sources.server import FakeSources


async def cli(*args: str, cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    # The fake serves on this test's event loop: the command must not block it.
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli",
        *args,
        cwd=cwd,
        env={**{k: v for k, v in os.environ.items() if k != "DATABASE_URL"}, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def _sources_file(tmp_path: Path, fake: FakeSources) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(
        f"""
[[sources]]
name = "lab"
kind = "feed"
section = "labs"
url = "{fake.url("/lab")}"

[[sources]]
name = "swe"
kind = "swe-rebench"
url = "{fake.url("/leaderboard")}"
interval_minutes = 720
"""
    )
    return path


async def test_list_check_and_fetch(tmp_path: Path, fake_sources: FakeSources) -> None:
    fake_sources.serve(
        "/lab",
        payloads.rss_news(
            [("Launch", "https://lab.example/l", "Text", "Mon, 30 Nov 2026 10:00:00 GMT")]
        ),
    )
    fake_sources.serve("/leaderboard", payloads.swe_page_changed(), content_type="text/html")
    database = tmp_path / "cli.db"
    env = {
        "DATABASE_URL": f"sqlite:///{database}",
        "SOURCES_FILE": str(_sources_file(tmp_path, fake_sources)),
        "SOURCES_TIMEOUT_SECONDS": "5",
    }
    code, out, _ = await cli("sources", "check", "lab", cwd=tmp_path, env=env)
    assert (code, out) == (0, "lab: checked: 1 post\n")
    assert (
        not database.exists()
        or not sqlite3.connect(database)
        .execute("SELECT name FROM sqlite_master WHERE name = 'news_item'")
        .fetchall()
    )

    code, out, _ = await cli("sources", "fetch", cwd=tmp_path, env=env)
    assert code == 1
    assert "lab: stored: 1 post" in out
    assert "swe: failed: the SWE-rebench page no longer carries" in out
    titles = sqlite3.connect(database).execute("SELECT title FROM news_item").fetchall()
    assert titles == [("Launch",)]

    code, out, _ = await cli("sources", "list", cwd=tmp_path, env=env)
    assert code == 0
    lab, swe = out.splitlines()
    assert lab.startswith("lab  [feed (AI Labs), every 60 min]  ok, last success ")
    assert swe.startswith("swe  [swe-rebench, every 720 min]  failing (once): the SWE-rebench")


async def test_unknown_source_and_bad_file(tmp_path: Path, fake_sources: FakeSources) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "SOURCES_FILE": str(_sources_file(tmp_path, fake_sources)),
    }
    code, _, err = await cli("sources", "fetch", "nope", cwd=tmp_path, env=env)
    assert code == 2
    assert "no source is called 'nope'; there are: lab, swe" in err
    bad = tmp_path / "bad.toml"
    bad.write_text("[[sources]]\nname = 'x'\n")
    code, _, err = await cli("sources", "list", cwd=tmp_path, env={**env, "SOURCES_FILE": str(bad)})
    assert code == 2
    assert f"error: {bad}: source 1 (x): `kind` must be a non-empty string" in err
