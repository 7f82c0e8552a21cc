"""Every registry command over HTTP: signed requests to the real endpoint, the real bolt app and
AsyncWebClient, answers through the response_url of a fake Slack that enforces Slack's limits."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from sqlmodel import select

from bot.slack.names import slack_command
from core.commands import REGISTRY, CommandContext, Reply
from core.commands.registry import Command, Option
from core.commands.reply import Action, Paragraph
from storage import Database
from storage.queries.subscriptions import get_subscription
from storage.tables import Delivery
from tests.bot.slack.conftest import Endpoint, answer, serve, slack_settings, state
from tests.fakes.slack import FakeSlack

# The only `<…>` an answer may hold: a link to one of the service's pages.
OWN_LINK = re.compile(r"<https://report\.example/[^|<>\s]*\|[^<>]*>")
INJECTED = ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C123>", "<https://evil", "<!sub")


@contextlib.contextmanager
def extra_command(name: str, handler: Any, *options: Option) -> Iterator[None]:
    """Register a command for the length of a test, as the core would."""
    REGISTRY[name] = Command(name, "A command for a test", options, handler, f"/{name}")
    try:
        yield
    finally:
        del REGISTRY[name]


def texts(posts: list[dict[str, Any]]) -> list[str]:
    """Return every text in the posts: fallbacks, and every text object of every block."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("text"), str):
                found.append(value["text"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(posts)
    return found


def _example_text(command: Command) -> str:
    return command.usage_example.partition(" ")[2]


@pytest.mark.parametrize("name", sorted(REGISTRY))
async def test_every_registry_command_is_acknowledged_and_answered(
    fake_slack: FakeSlack, slack: Endpoint, name: str
) -> None:
    command = REGISTRY[name]
    fields = fake_slack.slash_command(slack_command(name), _example_text(command), user="U01ADMIN")
    started = time.monotonic()
    sent = await slack.sender.command(fields)
    assert sent.status == 200
    assert time.monotonic() - started < 3.0
    await fake_slack.wait_for(lambda: bool(fake_slack.posts_to(fields["response_url"])))
    posts = fake_slack.posts_to(fields["response_url"])
    assert posts and fake_slack.refused_at(fields["response_url"]) == []
    assert all(post["blocks"] for post in posts)


async def test_a_command_added_to_the_core_is_answered_with_no_change(
    fake_slack: FakeSlack, loaded: Database
) -> None:
    async def echo(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
        return Reply(title=f"echo {args.get('words', '')} from {ctx.platform} {ctx.workspace_id}")

    with extra_command("zz-echo", echo, Option("words", "text", "what to echo", rest=True)):
        async with serve(slack_settings(fake_slack), loaded) as endpoint:
            posts = await answer(
                fake_slack, endpoint, fake_slack.slash_command("/zz-echo", "hello there")
            )
    assert posts[0]["text"] == "echo hello there from slack T01FAKE"


async def test_top_answers_in_the_channel_with_the_table(
    fake_slack: FakeSlack, slack: Endpoint
) -> None:
    (post,) = await answer(fake_slack, slack, fake_slack.slash_command("/top", "swe-rebench"))
    assert post["response_type"] == "in_channel"
    assert post["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "SWE-rebench — 2026-11-22", "emoji": True},
    }
    table = post["blocks"][2]["text"]["text"]
    assert table.startswith("```\n#  Model") and "Orion 3.2" in table and table.endswith("```")
    # Everything the command did on Slack: who asked, nothing else.
    assert [call.method for call in fake_slack.calls] == [
        "auth.test",
        "users.info",
        "conversations.info",
    ]


async def test_a_mistake_gets_a_short_private_answer(
    fake_slack: FakeSlack, slack: Endpoint
) -> None:
    (post,) = await answer(fake_slack, slack, fake_slack.slash_command("/top", "swe-rebnch"))
    assert post["response_type"] == "ephemeral"
    assert "Did you mean swe-rebench?" in post["blocks"][0]["text"]["text"]
    assert post["blocks"][0]["type"] == "section"  # no header over a short answer


async def test_an_unknown_command_is_answered_privately(
    fake_slack: FakeSlack, slack: Endpoint
) -> None:
    (post,) = await answer(fake_slack, slack, fake_slack.slash_command("/nope"))
    assert post["response_type"] == "ephemeral"
    assert "no /nope command" in post["text"]


async def test_a_name_slack_keeps_for_itself_is_prefixed(
    fake_slack: FakeSlack, slack: Endpoint
) -> None:
    assert slack_command("status") == "/report-status"
    posts = await answer(fake_slack, slack, fake_slack.slash_command("/report-status"))
    assert posts[0]["response_type"] == "in_channel"
    assert "digest" in json.dumps(posts).lower()


@pytest.mark.parametrize(
    ("command", "text"),
    [
        ("/paper", "Pinging"),
        ("/paper", "batching mentions"),
        ("/issue", ""),
        ("/top", "swe-rebench"),
        ("/model", "Echo"),
        ("/top", "<!channel> <@U123>"),
    ],
)
async def test_mentions_in_data_or_input_never_reach_slack_as_mentions(
    fake_slack: FakeSlack, slack: Endpoint, command: str, text: str
) -> None:
    posts = await answer(fake_slack, slack, fake_slack.slash_command(command, text))
    dumped = json.dumps(posts, ensure_ascii=False)
    for payload in INJECTED:
        assert payload not in dumped
    for piece in texts(posts):
        # Outside the service's own links, no `<` or `>` is left for Slack to parse.
        assert "<" not in OWN_LINK.sub("", piece) and ">" not in OWN_LINK.sub("", piece), piece
        assert "@everyone" not in piece and "@here" not in piece
    assert "&lt;" in dumped  # the injected text is shown, escaped, not dropped


async def test_the_mention_paper_is_found_and_shown_escaped(
    fake_slack: FakeSlack, slack: Endpoint
) -> None:
    posts = await answer(fake_slack, slack, fake_slack.slash_command("/paper", "Pinging"))
    item = next(t for t in texts(posts) if "Pinging" in t and "*1." in t)
    assert "&lt;!channel&gt;" in item and "&lt;@U123&gt;" in item
    assert "&lt;https://evil.example|click&gt; &amp;" in item


async def test_a_slow_answer_says_it_is_working_first(
    fake_slack: FakeSlack, loaded: Database
) -> None:
    async def slow(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
        await asyncio.sleep(0.6)
        return Reply(title="done", blocks=(Paragraph.of("slowly"),))

    with extra_command("zz-slow", slow):
        async with serve(slack_settings(fake_slack), loaded, working_after=0.2) as endpoint:
            fields = fake_slack.slash_command("/zz-slow")
            sent = await endpoint.sender.command(fields)
            assert sent.status == 200
            assert sent.json() == {"text": "Working on /zz-slow…", "response_type": "ephemeral"}
            assert fake_slack.posts_to(fields["response_url"]) == []
            await fake_slack.wait_for(lambda: bool(fake_slack.posts_to(fields["response_url"])))
            # A fast one is acknowledged with nothing to show: its answer comes at once.
            fast = await endpoint.sender.command(fake_slack.slash_command("/help"))
            assert fast.status == 200 and fast.text == ""


async def test_a_very_slow_answer_is_still_acknowledged_within_3_seconds(
    fake_slack: FakeSlack, loaded: Database
) -> None:
    async def very_slow(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
        await asyncio.sleep(4)
        return Reply(title="finally")

    with extra_command("zz-very-slow", very_slow):
        async with serve(slack_settings(fake_slack), loaded) as endpoint:
            fields = fake_slack.slash_command("/zz-very-slow")
            started = time.monotonic()
            sent = await endpoint.sender.command(fields)
            assert sent.status == 200 and time.monotonic() - started < 3.0
            await fake_slack.wait_for(
                lambda: bool(fake_slack.posts_to(fields["response_url"])), within=10
            )
    assert fake_slack.posts_to(fields["response_url"])[0]["text"] == "finally"


async def test_an_unexpected_failure_is_logged_with_a_reference_shown(
    fake_slack: FakeSlack, loaded: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
        raise RuntimeError("boom")

    with extra_command("zz-broken", broken):
        async with serve(slack_settings(fake_slack), loaded) as endpoint:
            (post,) = await answer(fake_slack, endpoint, fake_slack.slash_command("/zz-broken"))
    reference = re.search(r"ref(?:erence)? ([0-9a-f]{8})", post["text"])
    assert reference is not None and post["response_type"] == "ephemeral"
    assert reference.group(1) in caplog.text and "boom" in caplog.text


def _long(parts: int) -> Reply:
    paragraph = " ".join(f"word{n}" for n in range(2500))  # about 20,000 characters
    return Reply(title="Long", blocks=tuple(Paragraph.of(paragraph) for _ in range(parts)))


async def test_a_long_answer_arrives_in_several_posts_in_order(
    fake_slack: FakeSlack, loaded: Database
) -> None:
    async def long(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
        return _long(1)

    with extra_command("zz-long", long):
        async with serve(slack_settings(fake_slack), loaded) as endpoint:
            posts = await answer(fake_slack, endpoint, fake_slack.slash_command("/zz-long"))
    assert len(posts) >= 2
    assert [p["text"] for p in posts] == [
        f"Long ({n}/{len(posts)})" for n in range(1, len(posts) + 1)
    ]
    words = " ".join(
        b["text"]["text"] for p in posts for b in p["blocks"] if b["type"] == "section"
    )
    assert words.split() == [f"word{n}" for n in range(2500)]


async def test_an_answer_longer_than_five_posts_ends_with_a_note(
    fake_slack: FakeSlack, loaded: Database
) -> None:
    async def huge(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
        return _long(5)

    with extra_command("zz-huge", huge):
        async with serve(slack_settings(fake_slack), loaded) as endpoint:
            fields = fake_slack.slash_command("/zz-huge")
            posts = await answer(fake_slack, endpoint, fields)
    assert len(posts) == 5 and fake_slack.refused_at(fields["response_url"]) == []
    assert "too long for Slack" in posts[-1]["text"]


# --- who may change a channel's digest -----------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "channel", "allowed"),
    [
        pytest.param("U01ADMIN", "C01GENERAL", True, id="workspace-admin"),
        pytest.param("U02OWNER", "C02CREATED", True, id="workspace-owner"),
        pytest.param("U03CREATOR", "C02CREATED", True, id="channel-creator"),
        pytest.param("U03CREATOR", "C01GENERAL", False, id="creator-of-another-channel"),
        pytest.param("U04MEMBER", "C01GENERAL", False, id="member"),
        pytest.param("U04MEMBER", "D01DIRECT", True, id="own-direct-message"),
    ],
)
async def test_only_those_who_may_manage_the_channel_subscribe_it(
    fake_slack: FakeSlack, slack: Endpoint, user: str, channel: str, allowed: bool
) -> None:
    fields = fake_slack.slash_command("/subscribe", "time:08:30", user=user, channel=channel)
    posts = await answer(fake_slack, slack, fields)
    async with slack.db.session() as session:
        saved = await get_subscription(session, platform="slack", channel_id=channel)
    if allowed:
        assert saved is not None and saved.workspace_id == "T01FAKE" and saved.created_by == user
        assert posts[0]["response_type"] == "in_channel"
    else:
        assert saved is None
        assert posts[0]["response_type"] == "ephemeral"
        assert "Only members who can manage this channel" in posts[0]["text"]


async def test_when_slack_will_not_say_who_someone_is_the_answer_is_no(
    fake_slack: FakeSlack, slack: Endpoint
) -> None:
    fake_slack.fail("users.info", "ratelimited")
    before = await state(slack.db)
    fields = fake_slack.slash_command("/subscribe", "time:08:30", user="U01ADMIN")
    posts = await answer(fake_slack, slack, fields)
    assert "Only members who can manage" in posts[0]["text"]
    assert await state(slack.db) == before


async def test_a_member_cannot_unsubscribe_what_an_admin_set_up(
    fake_slack: FakeSlack, slack: Endpoint
) -> None:
    await answer(fake_slack, slack, fake_slack.slash_command("/subscribe", user="U01ADMIN"))
    before = await state(slack.db)
    posts = await answer(fake_slack, slack, fake_slack.slash_command("/unsubscribe"))
    assert posts[0]["response_type"] == "ephemeral"
    assert await state(slack.db) == before
    await answer(fake_slack, slack, fake_slack.slash_command("/unsubscribe", user="U02OWNER"))
    assert (await state(slack.db))["subscription"] == before["subscription"] - 1


# --- buttons ------------------------------------------------------------------------------------


async def test_a_button_runs_the_command_it_names(fake_slack: FakeSlack, slack: Endpoint) -> None:
    posts = await answer(
        fake_slack, slack, fake_slack.slash_command("/subscribe", "time:08:30", user="U01ADMIN")
    )
    (actions,) = [b for p in posts for b in p["blocks"] if b["type"] == "actions"]
    ids = [button["action_id"] for button in actions["elements"]]
    assert "/digest send:now" in ids
    # A member who may not change the digest is told so, privately.
    refused = fake_slack.block_action("/digest send:now", user="U04MEMBER")
    assert (await slack.sender.action(refused)).status == 200
    await fake_slack.wait_for(lambda: bool(fake_slack.posts_to(refused["response_url"])))
    (post, *_) = fake_slack.posts_to(refused["response_url"])
    assert post["response_type"] == "ephemeral" and "manage" in post["text"]
    # The admin's click plans the latest issue for the channel, through delivery.
    click = fake_slack.block_action("/digest send:now", user="U01ADMIN")
    assert (await slack.sender.action(click)).status == 200
    await fake_slack.wait_for(lambda: bool(fake_slack.posts_to(click["response_url"])))
    (post, *_) = fake_slack.posts_to(click["response_url"])
    assert post["response_type"] == "ephemeral" and "on its way" in post["text"]
    async with slack.db.session() as session:
        planned = (await session.exec(select(Delivery))).all()
    assert [d.key for d in planned] == ["issue:2026-11-22"]


async def test_a_button_for_another_command_line_passes_its_arguments(
    fake_slack: FakeSlack, loaded: Database
) -> None:
    async def offer(ctx: CommandContext, args: Mapping[str, str]) -> Reply:
        return Reply(
            title="Pick", blocks=(Paragraph.of("x"),), actions=(Action("/top swe 2", "Top 2"),)
        )

    with extra_command("zz-offer", offer):
        async with serve(slack_settings(fake_slack), loaded) as endpoint:
            posts = await answer(fake_slack, endpoint, fake_slack.slash_command("/zz-offer"))
            button = posts[0]["blocks"][-1]["elements"][0]
            click = fake_slack.block_action(button["action_id"])
            await endpoint.sender.action(click)
            await fake_slack.wait_for(lambda: bool(fake_slack.posts_to(click["response_url"])))
    (post,) = fake_slack.posts_to(click["response_url"])
    assert post["text"] == "SWE-rebench — 2026-11-22"
    table = post["blocks"][2]["text"]["text"]
    rows = table.strip("`\n").splitlines()
    assert [row.split()[0] for row in rows] == ["#", "1", "2"]  # `n` 2 reached the command
