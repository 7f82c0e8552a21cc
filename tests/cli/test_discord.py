"""`inference-report discord sync` and `invite`, run as a person runs them, against the fake."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import discord

from core.commands import REGISTRY
from tests.fakes.discord import FakeDiscord

PROJECT = Path(__file__).resolve().parents[2]
# View Channel, Send Messages, Send Messages in Threads, Create Public Threads, Embed Links,
# Read Message History: 1<<10 | 1<<11 | 1<<38 | 1<<35 | 1<<14 | 1<<16.
PERMISSIONS = 309_237_730_304


async def cli(*args: str, cwd: Path, **env: str) -> tuple[int, str, str]:
    """Run the command line in a subprocess, leaving this event loop free to serve the fake."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "LOG_"))}
    environment |= {"DATABASE_URL": f"sqlite:///{cwd / 'cli.db'}", "PYTHONPATH": str(PROJECT)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli",
        *args,
        cwd=cwd,
        env=environment | env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def _env(fake: FakeDiscord) -> dict[str, str]:
    return {"DISCORD_TOKEN": fake.token, "DISCORD_API_BASE_URL": fake.api_base_url}


def _names(commands: list[dict[str, object]]) -> set[str]:
    return {str(command["name"]) for command in commands}


async def test_sync_registers_exactly_the_registry_globally(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    code, out, err = await cli("discord", "sync", cwd=tmp_path, **_env(fake_discord))
    assert code == 0, err
    assert _names(fake_discord.global_commands) == set(REGISTRY)
    assert out.startswith(f"Registered {len(REGISTRY)} commands globally: /")
    assert fake_discord.guild_commands == {}
    for command in fake_discord.global_commands:
        options = {option["name"] for option in command["options"]}  # type: ignore[attr-defined]
        assert options == {option.name for option in REGISTRY[str(command["name"])].options}
    assert fake_discord.token not in out + err


async def test_sync_to_a_guild(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    guild = fake_discord.guild.id
    env = _env(fake_discord)
    code, out, err = await cli("discord", "sync", "--guild", guild, cwd=tmp_path, **env)
    assert code == 0, err
    assert _names(fake_discord.commands_for(guild)) == set(REGISTRY)
    assert fake_discord.global_commands == []
    assert f"in guild {guild}" in out


async def test_the_test_guild_setting_is_the_default_and_global_overrides_it(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    env = _env(fake_discord) | {"DISCORD_TEST_GUILD_ID": fake_discord.guild.id}
    code, _, err = await cli("discord", "sync", cwd=tmp_path, **env)
    assert code == 0, err
    assert _names(fake_discord.commands_for(fake_discord.guild.id)) == set(REGISTRY)
    assert fake_discord.global_commands == []
    code, _, err = await cli("discord", "sync", "--global", cwd=tmp_path, **env)
    assert code == 0, err
    assert _names(fake_discord.global_commands) == set(REGISTRY)


async def test_sync_explains_a_guild_the_bot_is_not_in(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    code, _, err = await cli("discord", "sync", "--guild", "42", cwd=tmp_path, **_env(fake_discord))
    assert code == 1
    assert "error: Discord refused to register commands in guild 42" in err


async def test_sync_without_a_token_says_so(tmp_path: Path) -> None:
    code, _, err = await cli("discord", "sync", cwd=tmp_path)
    assert code == 2
    assert "error: DISCORD_TOKEN is not set" in err


async def test_invite_prints_the_scopes_and_the_least_permissions(tmp_path: Path) -> None:
    code, out, err = await cli(
        "discord", "invite", cwd=tmp_path, DISCORD_APPLICATION_ID="123456789012345678"
    )
    assert code == 0, err
    url = out.strip()
    assert url == (
        "https://discord.com/oauth2/authorize?client_id=123456789012345678"
        f"&scope=bot+applications.commands&permissions={PERMISSIONS}"
    )
    query = parse_qs(urlsplit(url).query)
    assert query["scope"] == ["bot applications.commands"]
    granted = {name for name, on in discord.Permissions(int(query["permissions"][0])) if on}
    assert granted == {
        "read_messages",  # discord.py's name for View Channel
        "send_messages",
        "send_messages_in_threads",
        "create_public_threads",
        "embed_links",
        "read_message_history",
    }


async def test_invite_asks_discord_for_the_application_id(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    code, out, err = await cli("discord", "invite", cwd=tmp_path, **_env(fake_discord))
    assert code == 0, err
    assert f"client_id={fake_discord.application_id}&" in out
    assert fake_discord.calls("GET", "/oauth2/applications/@me")


async def test_invite_without_an_id_or_a_token_says_what_to_set(tmp_path: Path) -> None:
    code, _, err = await cli("discord", "invite", cwd=tmp_path)
    assert code == 2
    assert "set DISCORD_APPLICATION_ID" in err
