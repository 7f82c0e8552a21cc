"""The real discord.py client against the fake Discord: commands in, Discord payloads out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import pytest

from bot.discord import DiscordBot, start_discord
from bot.render.discord import EPHEMERAL, ZWSP, render_discord
from core.commands import CommandContext, dispatch
from core.commands.reply import Item, ItemList, Paragraph, Reply, Span, error_reply
from core.ingest.store import ingest
from storage import Database
from tests.bot.discord.conftest import (
    EXAMPLES,
    PUBLIC_URL,
    extra_command,
    running,
    settings_for,
    use,
)
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.payloads import MANAGE_CHANNELS, MEMBER_PERMISSIONS
from tests.fakes.discord.server import LOADING


def _embeds(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Return a message's embeds without the empty `flags` discord.py adds to each."""
    return [{k: v for k, v in e.items() if (k, v) != ("flags", 0)} for e in message["embeds"]]


async def _expected(db: Database, name: str, arguments: Mapping[str, str]) -> list[dict[str, Any]]:
    """Return the payloads the same command renders to, asked of the core directly."""
    ctx = CommandContext(db=db, public_url=PUBLIC_URL, platform="discord")
    return render_discord(await dispatch(ctx, name, arguments))


def _assert_no_pings(fake: FakeDiscord) -> None:
    for interaction in fake.interactions.values():
        for message in interaction.messages:
            assert message["allowed_mentions"] == {"parse": []}
            assert not message["mention_everyone"]
            assert message["mentions"] == [] and message["mention_roles"] == []


async def test_top_answers_with_the_rendered_table(
    bot: DiscordBot, fake_discord: FakeDiscord, examples_db: Database
) -> None:
    interaction = await use(bot, fake_discord, "top", {"leaderboard": "swe-rebench", "n": 3})
    assert interaction.callback_type == 4
    (message,) = interaction.messages
    (expected,) = await _expected(examples_db, "top", {"leaderboard": "swe-rebench", "n": "3"})
    assert _embeds(message) == expected["embeds"]
    assert message["embeds"][0]["title"] == "SWE-rebench — 2026-11-20"
    assert "Orion 3.2" in message["embeds"][0]["description"]
    assert message["flags"] == 0
    _assert_no_pings(fake_discord)


async def test_paper_lists_matches_with_links(
    bot: DiscordBot, fake_discord: FakeDiscord, examples_db: Database
) -> None:
    interaction = await use(bot, fake_discord, "paper", {"query": "batching"})
    (message,) = interaction.messages
    (expected,) = await _expected(examples_db, "paper", {"query": "batching"})
    assert _embeds(message) == expected["embeds"]
    description = message["embeds"][0]["description"]
    assert "[Speculative Batching for Long-Context Decoding](https://report.example/papers/" in (
        description
    )
    assert "**batching**" in description


async def test_a_typo_gets_a_private_suggestion(bot: DiscordBot, fake_discord: FakeDiscord) -> None:
    interaction = await use(bot, fake_discord, "top", {"leaderboard": "swe-rebnch"})
    assert interaction.callback_type == 4
    (message,) = interaction.messages
    assert message["flags"] & EPHEMERAL
    assert "Did you mean swe-rebench?" in message["content"]
    assert message["embeds"] == []


async def test_echoed_input_cannot_ping(bot: DiscordBot, fake_discord: FakeDiscord) -> None:
    typed = "@everyone <@&123> <@456> @here"
    interaction = await use(bot, fake_discord, "top", {"leaderboard": typed})
    (message,) = interaction.messages
    assert f"@{ZWSP}everyone" in message["content"] and f"<{ZWSP}@&123>" in message["content"]
    _assert_no_pings(fake_discord)


async def test_imported_titles_with_mentions_stay_inert(
    fake_discord: FakeDiscord, db: Database
) -> None:
    report = (EXAMPLES / "report-2026-11-20.txt").read_text()
    title = "Sparse Routers Forget Less"
    assert title in report
    injected = f"Sparse Routers @everyone <@&123> <@456> @here {title}"
    await ingest(db, report.replace(title, injected))
    async with running(fake_discord, db) as bot:
        interaction = await use(bot, fake_discord, "paper", {"query": "routers"})
    (message,) = interaction.messages
    description = message["embeds"][0]["description"]
    assert f"@{ZWSP}everyone <{ZWSP}@&123> <{ZWSP}@456> @{ZWSP}here" in description
    _assert_no_pings(fake_discord)


async def test_digest_commands_check_who_may_change_the_channel(
    bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    options = {"time": "08:30", "timezone": "Europe/Paris"}
    refused = await use(bot, fake_discord, "subscribe", options)
    (message,) = refused.messages
    assert message["flags"] & EPHEMERAL and "manage this channel" in message["content"]

    allowed = await use(
        bot, fake_discord, "subscribe", options, permissions=MEMBER_PERMISSIONS | MANAGE_CHANNELS
    )
    (message,) = allowed.messages
    assert not message["flags"] & EPHEMERAL
    assert "08:30" in message["embeds"][0]["title"]
    buttons = [b["custom_id"] for row in message["components"] for b in row["components"]]
    assert buttons == ["/digest send:now", "/subscriptions"]

    # Pressing a button runs the command line it carries, in the same channel.
    pressed = await fake_discord.click(message, "/subscriptions")
    (shown,) = await fake_discord.wait_for_messages(pressed)
    assert pressed.callback_type == 4
    assert shown["embeds"][0]["title"] == "This channel's digest"
    assert any(f["name"] == "Schedule" for f in shown["embeds"][0]["fields"])


async def test_a_slow_command_is_deferred_then_completed(
    fake_discord: FakeDiscord, examples_db: Database
) -> None:
    async def slow(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
        await asyncio.sleep(2.5)  # past the 2 s the bot waits before deferring
        return Reply(title="Done slowly", blocks=(Paragraph.of("It took a while."),))

    with extra_command("slow", slow):
        async with running(fake_discord, examples_db) as bot:
            interaction = await use(bot, fake_discord, "slow")
    assert interaction.callback_type == 5
    (callback,) = fake_discord.calls("POST", f"/interactions/{interaction.id}/*/callback")
    assert callback.body == {"type": 5}  # public "thinking", within Discord's 3 s
    edits = fake_discord.calls("PATCH", "/webhooks/*/messages/@original")
    assert [edit.status for edit in edits] == [200]
    (message,) = interaction.messages
    assert message["embeds"][0]["title"] == "Done slowly"
    assert not message["flags"] & (LOADING | EPHEMERAL)


async def test_a_slow_mistake_replaces_the_deferral_with_a_private_answer(
    fake_discord: FakeDiscord, examples_db: Database
) -> None:
    async def slow_error(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
        await asyncio.sleep(2.2)
        return error_reply("That took long and was wrong.")

    with extra_command("slowerror", slow_error):
        async with running(fake_discord, examples_db) as bot:
            interaction = await use(bot, fake_discord, "slowerror")
    assert interaction.callback_type == 5
    assert interaction.original_deleted
    (message,) = interaction.messages
    assert message["flags"] & EPHEMERAL
    assert message["content"] == "That took long and was wrong."


async def test_a_long_answer_comes_as_a_response_and_followups(
    fake_discord: FakeDiscord, examples_db: Database
) -> None:
    items = tuple(
        Item(f"Paper {n}", "cs.DC", (Span("word " * 60),), f"{PUBLIC_URL}/papers/t-{n}")
        for n in range(40)
    )
    reply = Reply(title="Forty papers", blocks=(ItemList(items),), footer="40 matches")

    async def many(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
        return reply

    expected = render_discord(reply)
    assert len(expected) >= 3
    # A 429 on the first followup is waited out, as Discord's body and headers ask.
    fake_discord.rate_limit("POST", "/webhooks/*", retry_after=0.3)
    with extra_command("many", many):
        async with running(fake_discord, examples_db) as bot:
            interaction = await use(bot, fake_discord, "many")
    assert interaction.callback_type == 4
    assert [_embeds(m) for m in interaction.messages] == [p["embeds"] for p in expected]
    statuses = [call.status for call in fake_discord.calls("POST", "/webhooks/*")]
    assert statuses == [429] + [200] * (len(expected) - 1)


async def test_an_unexpected_error_is_private_with_a_reference(
    fake_discord: FakeDiscord, examples_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
        raise RuntimeError("the database fell over")

    with extra_command("broken", broken), caplog.at_level(logging.ERROR):
        async with running(fake_discord, examples_db) as bot:
            interaction = await use(bot, fake_discord, "broken")
    (message,) = interaction.messages
    assert message["flags"] & EPHEMERAL
    reference = message["content"].split("(ref ")[1].split(")")[0]
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged and logged[0].exc_info is not None
    assert "the database fell over" not in message["content"]


async def test_autocomplete_offers_stored_values(
    bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    interaction = await fake_discord.interact("top", {"leaderboard": "sw"}, focused="leaderboard")
    await fake_discord.wait_for(lambda: interaction.callback is not None)
    assert interaction.callback_type == 8
    values = [c["value"] for c in interaction.callback["data"]["choices"]]  # type: ignore[index]
    assert values[0] == "swe-rebench"

    interaction = await fake_discord.interact("model", {"name": "orio"}, focused="name")
    await fake_discord.wait_for(lambda: interaction.callback is not None)
    values = [c["value"] for c in interaction.callback["data"]["choices"]]  # type: ignore[index]
    assert values == ["Orion 3.2"]


async def test_a_command_discord_still_has_but_the_bot_dropped_gets_an_answer(
    bot: DiscordBot, fake_discord: FakeDiscord
) -> None:
    stale = {**fake_discord.global_commands[0], "id": "1", "name": "retired", "options": []}
    fake_discord.global_commands.append(stale)
    interaction = await fake_discord.interact("retired")
    (message,) = await fake_discord.wait_for_messages(interaction)
    assert message["flags"] & EPHEMERAL
    assert "/retired is not a command of this bot any more" in message["content"]


async def test_the_gateway_heartbeats_and_resumes(
    examples_db: Database,
) -> None:
    fake = FakeDiscord(heartbeat_interval_ms=150)
    await fake.start()
    try:
        async with running(fake, examples_db) as bot:
            await fake.wait_for(lambda: fake.gateway.heartbeats >= 3)
            (identify,) = fake.gateway.identifies
            assert identify["intents"] == 1  # guilds only, nothing privileged
            session = fake.gateway.live
            await fake.gateway.request_reconnect()
            await fake.wait_for(lambda: len(fake.gateway.resumes) == 1 and fake.gateway.connected)
            assert fake.gateway.resumes[0]["session_id"] == session.id  # type: ignore[union-attr]
            assert len(fake.gateway.identifies) == 1
            interaction = await use(bot, fake, "top", {"leaderboard": "aa"})
            assert interaction.callback_type == 4
    finally:
        await fake.close()


async def test_without_a_token_the_bot_is_not_started(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeDiscord()
    with caplog.at_level(logging.INFO):
        bot = await start_discord(settings_for(fake, discord_token=None), db)
    assert bot is None
    assert "Discord: DISCORD_TOKEN is not set; the Discord bot is not started" in caplog.text


async def test_a_refused_token_is_reported_and_never_logged(
    fake_discord: FakeDiscord, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "not-the-token.at-all"
    with caplog.at_level(logging.DEBUG):
        bot = await start_discord(settings_for(fake_discord, discord_token=wrong), db)
    assert bot is None
    assert "the token in DISCORD_TOKEN was refused" in caplog.text
    assert wrong not in caplog.text
    (call,) = fake_discord.calls("GET", "/users/@me")
    assert call.status == 401 and "Authorization" not in call.headers


async def test_the_token_never_reaches_the_log(
    fake_discord: FakeDiscord, examples_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        async with running(fake_discord, examples_db) as bot:
            await asyncio.wait_for(bot.wait_until_ready(), 10)
            await use(bot, fake_discord, "top", {"leaderboard": "aa"})
    assert "Discord: connected as" in caplog.text
    assert fake_discord.token not in caplog.text
