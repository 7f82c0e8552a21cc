"""/subscribe, /unsubscribe, /subscriptions: a channel's digest, changed only by its managers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from core.commands import CommandContext, ask
from core.commands.reply import Action, Fields, Heading, Paragraph, Reply
from storage import Database
from storage.queries import subscriptions

MakeContext = Callable[..., CommandContext]

FULL = (
    "/subscribe time:08:30 timezone:europe/paris sections:editorial,papers "
    "categories:cs.dc keywords:batching alerts:swe"
)


def fields(reply: Reply) -> dict[str, str]:
    (block,) = [b for b in reply.blocks if isinstance(b, Fields)]
    return dict(block.pairs)


async def stored(db: Database, channel_id: str = "channel-1") -> subscriptions.Subscription | None:
    async with db.session() as session:
        return await subscriptions.get_subscription(
            session, platform="discord", channel_id=channel_id
        )


async def test_subscribe_stores_the_choices_and_offers_the_latest_issue(
    channel: CommandContext, loaded: Database
) -> None:
    reply = await ask(channel, FULL)
    assert reply.kind == "answer" and not reply.ephemeral
    assert reply.title == "This channel now gets the digest daily at 08:30 (Europe/Paris)"
    assert fields(reply) == {
        "Schedule": "daily at 08:30 (Europe/Paris)",
        "Next delivery": "2026-11-24 08:30 CET (07:30 UTC)",
        "Sections": "editorial, papers",
        "Papers": 'in cs.DC or mentioning "batching"',
        "Alerts": (
            "swe-rebench (a new leader, entries and exits of the top 5, scores moving 1 or more)"
        ),
    }
    assert Heading("Preview") in reply.blocks
    assert reply.blocks[-1] == Paragraph.of(
        "From the latest issue, 2026-11-20, it would carry the editorial, 2 of 3 papers "
        "and 2 leaderboard alerts."
    )
    assert reply.actions == (
        Action("/digest send:now", "Send the latest issue now"),
        Action("/subscriptions", "Start with the next"),
    )
    row = await stored(loaded)
    assert row is not None
    assert (row.platform, row.workspace_id, row.channel_id, row.created_by) == (
        "discord",
        "guild-1",
        "channel-1",
        "user-1",
    )
    assert (row.schedule_kind, row.time_of_day, row.timezone) == ("daily", "08:30", "Europe/Paris")
    assert row.sections == ["editorial", "papers"]
    assert row.categories == ["cs.DC"]
    assert row.keywords == ["batching"]
    assert row.alert_boards == ["swe-rebench"]
    assert (row.alert_top_n, row.alert_score_threshold) == (5, 1.0)


async def test_a_change_keeps_what_it_does_not_name(
    channel: CommandContext, make_ctx: MakeContext, loaded: Database
) -> None:
    await ask(channel, FULL)
    other = make_ctx(user_id="user-2")
    reply = await ask(other, "/subscribe publish alert_top:3 alert_threshold:0.5")
    assert reply.title == "This channel's digest is updated: when each issue is published"
    assert reply.actions == ()
    assert fields(reply)["Next delivery"] == "when the next issue is published"
    row = await stored(loaded)
    assert row is not None
    assert (row.schedule_kind, row.time_of_day, row.timezone) == (
        "on-publish",
        None,
        "Europe/Paris",
    )
    assert row.sections == ["editorial", "papers"]
    assert (row.alert_top_n, row.alert_score_threshold) == (3, 0.5)
    # The first subscriber stays the one who set it up.
    assert row.created_by == "user-1"


async def test_positional_time_and_timezone(channel: CommandContext, loaded: Database) -> None:
    reply = await ask(channel, "/subscribe 7:05 America/New_York")
    assert reply.title == "This channel now gets the digest daily at 07:05 (America/New_York)"
    assert fields(reply)["Next delivery"] == "2026-11-23 07:05 EST (12:05 UTC)"


async def test_lists_can_be_cleared_and_set_whole(
    channel: CommandContext, loaded: Database
) -> None:
    await ask(channel, FULL)
    await ask(channel, "/subscribe categories:all keywords:none alerts:all sections:all")
    row = await stored(loaded)
    assert row is not None
    assert (row.categories, row.keywords) == ([], [])
    assert row.alert_boards == ["artificial-analysis", "swe-rebench"]
    assert row.sections == ["editorial", "papers", "leaderboards", "news"]


async def test_an_unknown_category_is_kept_with_a_warning(
    channel: CommandContext, loaded: Database
) -> None:
    reply = await ask(channel, "/subscribe categories:cs.LG,q-bio.NC")
    assert Paragraph.of("No paper is filed under q-bio.NC yet: check the spelling.") in reply.blocks
    row = await stored(loaded)
    assert row is not None and row.categories == ["cs.LG", "q-bio.NC"]


async def test_no_issue_yet_offers_no_choice(db: Database) -> None:
    ctx = CommandContext(
        db=db,
        public_url="https://x.example",
        platform="slack",
        workspace_id="T1",
        channel_id="C1",
        can_manage_channel=True,
    )
    reply = await ask(ctx, "/subscribe")
    assert reply.kind == "answer"
    assert reply.actions == ()
    assert reply.blocks[-1] == Paragraph.of(
        "No issue has been imported yet: the first one will come."
    )


@pytest.mark.parametrize(
    ("options", "needle", "suggestion"),
    [
        ("time:25:00", "time should be HH:MM on a 24-hour clock (such as 08:30), or publish", None),
        ("time:noon", "not 'noon'", None),
        ("time:8", "time should be HH:MM", None),
        (
            "timezone:Europe/Pari",
            "Unknown timezone 'Europe/Pari'. Did you mean Europe/Paris?",
            "Europe/Paris",
        ),
        ("timezone:paris", "Did you mean Europe/Paris?", "Europe/Paris"),
        ("timezone:Qqqq/Zzzz", "Use an IANA name such as Europe/Paris", None),
        ("sections:paper", "Unknown section 'paper'. Did you mean papers?", "papers"),
        ("sections:,", "sections needs at least one of", None),
        ("categories:cs!DC", "'cs!DC' is not an arXiv category", None),
        (
            "alerts:swe-rebnch",
            "No leaderboard called 'swe-rebnch'. Did you mean swe-rebench?",
            "swe-rebench",
        ),
        ("alert_top:0", "alert_top should be a whole number from 1 to 50, not '0'", None),
        ("alert_top:many", "not 'many'", None),
        ("alert_threshold:-1", "alert_threshold should be a number of points above 0", None),
        ("alert_threshold:nan", "not 'nan'", None),
        ("keywords:" + "x" * 51, "A keyword is at most 50 characters", None),
    ],
)
async def test_bad_values_get_a_short_answer_and_store_nothing(
    channel: CommandContext, loaded: Database, options: str, needle: str, suggestion: str | None
) -> None:
    reply = await ask(channel, f"/subscribe time:09:00 {options}")
    assert reply.kind == "error" and reply.ephemeral
    assert needle in reply.title
    if suggestion is not None:
        assert reply.suggestions[0] == suggestion
    assert await stored(loaded) is None


async def test_only_managers_change_the_digest_but_everyone_reads_it(
    channel: CommandContext, make_ctx: MakeContext, loaded: Database
) -> None:
    member = make_ctx(user_id="user-2", can_manage_channel=False)
    for line in ("/subscribe time:08:30", "/unsubscribe"):
        refused = await ask(member, line)
        assert refused.kind == "error" and refused.ephemeral
        assert refused.title.startswith("Only members who can manage this channel")
    assert await stored(loaded) is None
    await ask(channel, FULL)
    assert (await ask(member, "/unsubscribe")).kind == "error"
    assert await stored(loaded) is not None
    shown = await ask(member, "/subscriptions")
    assert shown.kind == "answer"
    assert fields(shown)["Schedule"] == "daily at 08:30 (Europe/Paris)"


async def test_subscriptions_without_a_digest(channel: CommandContext) -> None:
    reply = await ask(channel, "/subscriptions")
    assert reply.kind == "answer" and reply.ephemeral
    assert reply.title == "This channel has no digest."


async def test_subscriptions_shows_a_pause(channel: CommandContext, loaded: Database) -> None:
    await ask(channel, FULL)
    async with loaded.transaction() as session:
        row = await subscriptions.get_subscription(
            session, platform="discord", channel_id="channel-1"
        )
        assert row is not None
        row.paused_at = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)
        row.paused_reason = "missing permission to post"
        session.add(row)
    reply = await ask(channel, "/subscriptions")
    assert fields(reply)["Paused"] == "since 2026-11-22 06:00 UTC: missing permission to post"


async def test_unsubscribe(channel: CommandContext, loaded: Database) -> None:
    await ask(channel, FULL)
    reply = await ask(channel, "/unsubscribe")
    assert reply.kind == "answer"
    assert reply.title == "This channel's digest is off."
    assert await stored(loaded) is None
    again = await ask(channel, "/unsubscribe")
    assert again.kind == "error"
    assert again.title == "This channel has no digest to stop."


async def test_each_channel_has_its_own(make_ctx: MakeContext, loaded: Database) -> None:
    await ask(make_ctx(channel_id="a"), "/subscribe time:06:00")
    await ask(make_ctx(channel_id="b"), "/subscribe time:18:00")
    first, second = await stored(loaded, "a"), await stored(loaded, "b")
    assert first is not None and second is not None
    assert (first.time_of_day, second.time_of_day) == ("06:00", "18:00")


@pytest.mark.parametrize("line", ["/subscribe time:08:30", "/unsubscribe", "/subscriptions"])
async def test_outside_a_chat_channel(make_ctx: MakeContext, line: str) -> None:
    reply = await ask(make_ctx(platform="text", channel_id=""), line)
    assert reply.kind == "error"
    assert reply.title.startswith("Digests go to Discord and Slack channels")
