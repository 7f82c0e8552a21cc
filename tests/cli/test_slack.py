"""`inference-report slack manifest` and `slack run`, as a person runs them, against the fake."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.fakes.slack import FakeSlack

PROJECT = Path(__file__).resolve().parents[2]
SECRET = "cli-signing-secret-1234567890"


def _environment(cwd: Path, **env: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "LOG_"))}
    environment |= {"DATABASE_URL": f"sqlite:///{cwd / 'cli.db'}", "PYTHONPATH": str(PROJECT)}
    return environment | env


async def _start(*args: str, cwd: Path, **env: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli",
        *args,
        cwd=cwd,
        env=_environment(cwd, **env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def cli(*args: str, cwd: Path, **env: str) -> tuple[int, str, str]:
    """Run the command line in a subprocess, leaving this event loop free to serve the fake."""
    process = await _start(*args, cwd=cwd, **env)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_manifest_prints_the_file_in_the_repository(tmp_path: Path) -> None:
    code, out, _ = await cli("slack", "manifest", cwd=tmp_path)
    assert code == 0
    assert out == (PROJECT / "slack-manifest.yml").read_text()


async def test_manifest_for_http_mode_uses_the_public_url(tmp_path: Path) -> None:
    code, out, _ = await cli(
        "slack", "manifest", cwd=tmp_path, PUBLIC_URL="https://news.example", SLACK_MODE="http"
    )
    assert code == 0
    assert "url: https://news.example/slack/events" in out
    assert "- https://news.example/slack/oauth_redirect" in out
    assert "socket_mode_enabled: false" in out


async def test_run_without_settings_says_what_is_missing(tmp_path: Path) -> None:
    code, _, err = await cli("slack", "run", cwd=tmp_path)
    assert code == 2
    assert "Slack: not configured (SLACK_SIGNING_SECRET is not set)" in err


async def test_run_answers_over_socket_mode_until_stopped(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    process = await _start(
        "slack",
        "run",
        cwd=tmp_path,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_BOT_TOKEN=fake_slack.team.bot_token,
        SLACK_APP_TOKEN=fake_slack.app_token,
        SLACK_API_BASE_URL=fake_slack.api_url,
        LOG_LEVEL="DEBUG",
    )
    try:
        await fake_slack.wait_for_socket(within=60)
        fields = fake_slack.slash_command("/help")
        envelope = await fake_slack.socket_send("slash_commands", fields)
        await asyncio.wait_for(envelope.acked, 3.0)
        await fake_slack.wait_for(lambda: bool(fake_slack.posts_to(fields["response_url"])))
        (post,) = fake_slack.posts_to(fields["response_url"])
        assert post["text"] == "Commands" and post["response_type"] == "ephemeral"
    finally:
        process.send_signal(signal.SIGTERM)
        _, err_bytes = await asyncio.wait_for(process.communicate(), 30)
    err = err_bytes.decode()
    assert process.returncode == 0, err
    assert "Slack: connected over Socket Mode" in err
    # Logged at DEBUG, every request and answer; never a token or the secret.
    assert "apps.connections.open" in err
    for secret in (fake_slack.team.bot_token, fake_slack.app_token, SECRET):
        assert secret not in err
