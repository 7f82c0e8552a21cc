"""The command line, run as a person runs it: parse, ingest, ask, db upgrade, run."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from storage.migrate import head_revision

PROJECT = Path(__file__).resolve().parents[2]
EXAMPLES = PROJECT / "config" / "examples"
FIRST = EXAMPLES / "report-2026-11-19.txt"
SECOND = EXAMPLES / "report-2026-11-20.txt"


def cli(
    *args: str, cwd: Path, stdin: bytes | None = None, database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "LOG_LEVEL"}}
    if database_url:
        env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=cwd,
        env=env,
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# Settings a developer's environment may hold that would change what `run` does here.
SERVICE_SETTINGS = {
    "DATABASE_URL", "LOG_LEVEL", "PORT", "HOST", "PUBLIC_URL", "DISCORD_TOKEN", "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_APP_TOKEN",
    "SOURCES_FILE", "REDIS_URL",
}  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch_when_up(url: str, *, within: float) -> str:
    deadline = time.monotonic() + within
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return str(response.read().decode())
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def test_parse_prints_exactly_the_documented_keys(tmp_path: Path) -> None:
    done = cli("parse", str(FIRST), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert list(document) == [
        "kind", "title", "date", "author", "editorial", "papers", "leaderboards",
    ]  # fmt: skip
    assert document["date"] == "2026-11-19"
    assert set(document["papers"][0]) == {"title", "category", "abstract"}
    aa, swe = document["leaderboards"]
    assert set(aa["entries"][0]) == {
        "rank", "model", "score", "tokens_per_second", "price_per_million_tokens",
    }  # fmt: skip
    assert swe["entries"][1] == {"rank": 2, "model": "kestrel-4.1-2026-10-02-high", "score": 64.9}
    assert not (tmp_path / "inference-report.db").exists()


def test_parse_reads_standard_input_and_reports_errors(tmp_path: Path) -> None:
    done = cli("parse", "-", cwd=tmp_path, stdin=SECOND.read_bytes())
    assert json.loads(done.stdout)["date"] == "2026-11-20"
    bad = cli("parse", "-", cwd=tmp_path, stdin=b"Just one line of prose.\n")
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: -: ")


def test_ingest_stores_the_good_files_and_exits_2_for_the_bad(tmp_path: Path) -> None:
    broken = tmp_path / "broken.txt"
    broken.write_text(SECOND.read_text().replace("Ada Lindqvist", ""))
    missing = tmp_path / "missing.txt"
    done = cli("ingest", str(FIRST), str(broken), str(missing), str(SECOND), cwd=tmp_path)
    assert done.returncode == 2
    errors = done.stderr.strip().splitlines()
    assert [line.split(": ")[1] for line in errors if line.startswith("error:")] == [
        str(broken),
        str(missing),
    ]
    assert "No such file" in done.stderr
    database = tmp_path / "inference-report.db"
    assert rows(database, "SELECT date FROM issue ORDER BY date") == [
        ("2026-11-19",),
        ("2026-11-20",),
    ]
    again = cli("ingest", str(FIRST), str(SECOND), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "unchanged" in again.stdout
    assert rows(database, "SELECT count(*) FROM leaderboard_entry") == [(20,)]


def test_ingest_reads_standard_input(tmp_path: Path) -> None:
    done = cli("ingest", "-", cwd=tmp_path, stdin=FIRST.read_bytes())
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "-: issue 2026-11-19: new, 3 papers"


def test_ask_answers_from_the_database(tmp_path: Path) -> None:
    cli("ingest", str(FIRST), str(SECOND), cwd=tmp_path)
    top = cli("ask", "/top swe-rebench", cwd=tmp_path)
    assert top.returncode == 0, top.stderr
    lines = top.stdout.splitlines()
    assert lines[0] == "SWE-rebench — 2026-11-20"
    assert any(line.split()[:4] == ["1", "Orion", "3.2", "66.1"] for line in lines)
    paper = cli("ask", "/paper batching", cwd=tmp_path)
    assert "1. Speculative Batching for Long-Context Decoding [cs.DC]" in paper.stdout
    assert "«batching»" in paper.stdout
    typo = cli("ask", "/top swe-rebnch", cwd=tmp_path)
    assert typo.returncode == 2
    assert "Did you mean swe-rebench?" in typo.stdout


def test_db_upgrade_on_a_database_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'other.db'}"
    done = cli("db", "upgrade", cwd=tmp_path, database_url=url)
    assert done.returncode == 0, done.stderr
    head = head_revision()
    assert done.stdout.strip() == f"database at revision {head}"
    assert cli("db", "current", cwd=tmp_path, database_url=url).stdout.strip() == head


def test_a_bad_database_url_is_a_clear_error(tmp_path: Path) -> None:
    done = cli("db", "current", cwd=tmp_path, database_url="mysql://root@localhost/x")
    assert done.returncode != 0
    assert "not supported" in done.stderr


def test_run_loads_the_examples_serves_them_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_SETTINGS}
    # No source is fetched: the tests reach nothing outside this machine.
    quiet = tmp_path / "no-sources.toml"
    quiet.write_text("[polling]\nbackoff_base_seconds = 60\nbackoff_max_seconds = 600\n")
    env |= {
        "PORT": str(port),
        "PUBLIC_URL": "http://report.example.test",
        "SOURCES_FILE": str(quiet),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "run"],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        body = fetch_when_up(f"http://127.0.0.1:{port}/feeds/issues.atom", within=60)
        assert "2026-11-20" in body and "2026-11-19" in body
        assert rows(tmp_path / "inference-report.db", "SELECT count(*) FROM issue") == [(2,)]
    finally:
        server.send_signal(signal.SIGTERM)
        _, log = server.communicate(timeout=60)
    assert server.returncode == 0, log
    assert "loaded example report-2026-11-19.txt" in log
    assert "running: web, chat, delivery" in log
    # Without tokens each platform says why it is not started, and no token-like text is logged.
    assert "DISCORD_TOKEN is not set; the Discord bot is not started" in log
    assert "the Slack app is not started" in log
    assert "no digest will be sent" in log


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL not set")
def test_ingest_into_postgres_with_a_heroku_url(tmp_path: Path, empty_postgres_url: str) -> None:
    heroku = empty_postgres_url.replace("postgresql+asyncpg://", "postgres://")
    done = cli("ingest", str(FIRST), cwd=tmp_path, database_url=heroku)
    assert done.returncode == 0, done.stderr
    top = cli("ask", "/top aa 1", cwd=tmp_path, database_url=heroku)
    assert "Orion 3.2" in top.stdout
