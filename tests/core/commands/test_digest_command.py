"""/digest: this channel's digest of the latest issue, as it would be posted now."""

from __future__ import annotations

from collections.abc import Callable

from core.commands import CommandContext, ask
from core.commands.reply import Heading, ItemList, Paragraph, Table
from storage import Database

MakeContext = Callable[..., CommandContext]


async def test_without_a_subscription_every_section(channel: CommandContext) -> None:
    reply = await ask(channel, "/digest")
    assert reply.kind == "answer"
    assert reply.title == "The Inference Report — 2026-11-20"
    assert reply.url == "https://report.example/issues/2026-11-20"
    assert reply.footer == "Every section; /subscribe sets up this channel's own digest"
    assert [b.text for b in reply.blocks if isinstance(b, Heading)] == [
        "Research papers",
        "Artificial Analysis Intelligence Index — top 3",
        "SWE-rebench — top 3",
    ]


async def test_with_the_channels_choices(channel: CommandContext) -> None:
    await ask(channel, "/subscribe sections:papers,leaderboards categories:cs.DC alerts:aa")
    reply = await ask(channel, "/digest")
    assert not [b for b in reply.blocks if isinstance(b, Paragraph)]
    papers, alerts = [b for b in reply.blocks if isinstance(b, ItemList)]
    assert [i.title for i in papers.items] == [
        "Prefix Sharing Across Tenants in Batched Inference",
        "Speculative Batching for Long-Context Decoding",
    ]
    assert [(i.title, i.meta) for i in alerts.items] == [
        ("Lumen Pro 2 is the new #1 (62.3)", "Artificial Analysis Intelligence Index"),
        ("Orion 3.2 moves from #1 to #2", "Artificial Analysis Intelligence Index"),
        ("Sable 2 Flash enters the top 5 at #5 (55.5)", "Artificial Analysis Intelligence Index"),
        ("Quill K3.1 leaves the top 5 (was #5)", "Artificial Analysis Intelligence Index"),
    ]
    assert len([b for b in reply.blocks if isinstance(b, Table)]) == 2
    assert reply.footer == (
        "This channel's digest · Sections: papers, leaderboards · papers in cs.DC"
        " · alerts: artificial-analysis"
    )


async def test_keywords_find_papers_in_other_categories(channel: CommandContext) -> None:
    await ask(channel, "/subscribe sections:papers categories:cs.DC keywords:router")
    reply = await ask(channel, "/digest")
    (papers,) = [b for b in reply.blocks if isinstance(b, ItemList)]
    assert [i.meta for i in papers.items] == ["cs.DC", "cs.DC", "cs.LG"]


async def test_a_filter_that_matches_nothing_says_so(channel: CommandContext) -> None:
    await ask(channel, "/subscribe sections:papers categories:cs.SE")
    reply = await ask(channel, "/digest")
    assert reply.blocks == (
        Heading("Research papers"),
        Paragraph.of("No paper in this issue is in cs.SE."),
    )


async def test_another_channel_is_not_affected(
    channel: CommandContext, make_ctx: MakeContext
) -> None:
    await ask(channel, "/subscribe sections:editorial")
    other = await ask(make_ctx(channel_id="channel-2"), "/digest")
    assert other.footer == "Every section; /subscribe sets up this channel's own digest"


async def test_no_issue_yet(db: Database) -> None:
    reply = await ask(CommandContext(db=db, public_url="https://x.example"), "/digest")
    assert reply.kind == "error"
    assert reply.title == "No issue has been imported yet, so there is no digest to show."
