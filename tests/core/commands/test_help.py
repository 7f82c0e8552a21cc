"""/help lists every registered command, from the registry itself."""

from __future__ import annotations

from collections.abc import Mapping

from core.commands import REGISTRY, CommandContext, ask
from core.commands.registry import Option, command
from core.commands.reply import Fields, Reply


def listed(reply: Reply) -> dict[str, str]:
    (block,) = reply.blocks
    assert isinstance(block, Fields)
    return dict(block.pairs)


async def test_help_lists_every_command(channel: CommandContext) -> None:
    found = listed(await ask(channel, "/help"))
    assert set(found) == {cmd.usage for cmd in REGISTRY.values()}
    for cmd in REGISTRY.values():
        assert found[cmd.usage] == f"{cmd.description}. Example: {cmd.usage_example}"
    assert found["/top <leaderboard> [n] [date]"].startswith("Show a leaderboard")
    assert {
        "/issue [date]",
        "/model <name>",
        "/movers [leaderboard]",
        "/subscriptions",
        "/unsubscribe",
        "/digest [send]",
        "/status",
        "/help",
    } <= set(found)


async def test_a_new_command_shows_up_by_itself(channel: CommandContext) -> None:
    async def handler(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
        return Reply(title="hi")

    command("zz-probe", "A probe", Option("what", "text", "anything", True), example="/zz-probe x")(
        handler
    )
    try:
        found = listed(await ask(channel, "/help"))
        assert found["/zz-probe <what>"] == "A probe. Example: /zz-probe x"
    finally:
        del REGISTRY["zz-probe"]
