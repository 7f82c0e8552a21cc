"""The Slack renderer: golden Block Kit payloads for each shape, Slack's limits, inert text."""

from __future__ import annotations

import json
import os
import re
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render.slack import (
    MAX_BLOCKS,
    MAX_FIELD_TEXT,
    MAX_HEADER_TEXT,
    MAX_MESSAGE_CHARS,
    MAX_SECTION_TEXT,
    ZWSP,
    message_chars,
    render_blocks,
    render_slack,
)
from core.commands.reply import (
    Action,
    Block,
    Fields,
    Heading,
    Item,
    ItemList,
    Paragraph,
    Reply,
    Span,
    Table,
    error_reply,
)
from tests.fakes.slack.limits import SlackError, check_blocks, check_message

GOLDEN = Path(__file__).with_name("golden") / "slack"
# UPDATE_GOLDEN=1 rewrites the files; read the diff before keeping it.
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
URL = "https://report.example"
# The only markup with `<` a payload may hold: a link to an http(s) address.
LINK = re.compile(r"<https?://[^|<>\s]+\|[^<>]*>")

TOP = Reply(
    title="SWE-rebench — 2026-11-20",
    blocks=(
        Paragraph.of("Agentic coding on real-world software engineering tasks"),
        Table(
            columns=("#", "Model", "Score", "Move"),
            rows=(
                ("1", "Orion 3.2", "66.1", "="),
                ("2", "kestrel-4.1-2026-10-02-high", "65.2", "▲1"),
                ("10", "Quill `K3.1` & co", "9", "new"),
            ),
            numeric=(True, False, True, False),
        ),
    ),
    url=f"{URL}/leaderboards/swe-rebench",
    footer="Top 3 of 5 · movement since 2026-11-19",
)
PAPER = Reply(
    title="Papers matching 'batching'",
    blocks=(
        ItemList(
            (
                Item(
                    title="Speculative Batching for Long-Context Decoding",
                    meta="cs.DC",
                    body=(
                        Span("…study how continuous "),
                        Span("batching", strong=True),
                        Span(" interacts with speculative decoding…"),
                    ),
                    url=f"{URL}/papers/t-1",
                ),
                Item(
                    title="Prefix <Sharing> | Across *Tenants*",
                    meta="cs.DC",
                    body=(Span("a "), Span("batch", strong=True), Span("ing policy")),
                    url=f"{URL}/papers/t-2 (draft)|x>",
                ),
                Item(title="No link here", meta="cs.LG"),
            )
        ),
    ),
    footer="3 best matches",
)
HELP = Reply(
    title="Commands",
    blocks=(
        Fields(
            (
                ("/paper <query> [category]", "Find research papers. Example: /paper batching"),
                ("/status", ""),
            )
        ),
    ),
    footer="<name> is needed, [name] is optional.",
    ephemeral=True,
)
SUBSCRIBED = Reply(
    title="This channel now gets the digest at 08:30 Europe/Paris",
    blocks=(
        Fields((("Schedule", "daily at 08:30 Europe/Paris"), ("Sections", "editorial, papers"))),
        Heading("Preview"),
        Paragraph((Span("Today's digest would carry "), Span("3 papers", strong=True), Span("."))),
    ),
    footer="See it with /digest, stop it with /unsubscribe.",
    actions=(
        Action("/digest", "Send the latest issue now"),
        Action("/subscriptions", "Start with the next"),
    ),
)
INJECTION = (
    "<!channel> <!here> <!everyone> <@U123> <#C123> <https://evil.example|click> & @everyone"
)
MENTIONS = Reply(
    title=f"Papers matching '{INJECTION}'",
    blocks=(
        Paragraph.of(f"Hi {INJECTION} @here @channel"),
        ItemList((Item(title=f"Pinging {INJECTION}", meta="<!here>", url=f"{URL}/papers/t-9"),)),
        Table(("#", "Model"), (("1", "<!here> <@U456>"),)),
        Heading("<!channel> heading"),
        Fields((("<@U1>", "<!everyone>"),)),
    ),
    footer="<!channel> footer",
    suggestions=("<@U123>",),
    actions=(Action("/paper x", "<!channel> & click"),),
)
TYPO = error_reply(
    "No leaderboard called 'swe-rebnch'. Did you mean swe-rebench?", suggestions=("swe-rebench",)
)


def _words(count: int) -> str:
    return " ".join(f"word{n % 97}x{n}" for n in range(count))


def _long_paragraph() -> Reply:
    text = _words(2600)  # about 25,000 characters
    return Reply(title="A long answer", blocks=(Paragraph.of(text),))


def _sixty_items() -> Reply:
    items = tuple(
        Item(title=f"Paper number {n}", meta="cs.DC", url=f"{URL}/papers/t-{n}")
        for n in range(1, 61)
    )
    return Reply(title="Sixty papers", blocks=(ItemList(items),), footer="60 matches")


def _link_at_boundary() -> tuple[Reply, str]:
    url = f"{URL}/papers/" + "a" * 300
    # Padding puts the link across the 3000th character of the first section.
    padding = "x" * 9 + " "
    spans = (Span(padding * 280), Span("the paper", url=url), Span(" and then the rest."))
    return Reply(title="Boundary", blocks=(Paragraph(spans),)), url


def _long_title() -> Reply:
    return Reply(title=_words(30), blocks=(Paragraph.of("body"),))


SHAPES: dict[str, Reply] = {
    "top": TOP,
    "paper": PAPER,
    "help": HELP,
    "subscribed": SUBSCRIBED,
    "mentions": MENTIONS,
    "typo": TYPO,
    "long_paragraph": _long_paragraph(),
    "sixty_items": _sixty_items(),
    "link_at_boundary": _link_at_boundary()[0],
    "long_title": _long_title(),
}


def _texts(value: Any) -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        if isinstance(value.get("text"), str):
            found.append(value["text"])
        for item in value.values():
            found.extend(_texts(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_texts(item))
    return found


def _sections(messages: list[dict[str, Any]]) -> list[str]:
    return [
        b["text"]["text"]
        for m in messages
        for b in m["blocks"]
        if b["type"] == "section" and "text" in b
    ]


def assert_within_limits(messages: list[dict[str, Any]]) -> None:
    """Check every message as Slack would (the fake's checks), and by the renderer's counts."""
    assert messages
    for message in messages:
        check_message(message)  # raises SlackError as chat.postMessage would refuse it
        assert set(message) == {"text", "blocks"}
        assert len(message["blocks"]) <= MAX_BLOCKS
        assert message_chars(message["blocks"]) <= MAX_MESSAGE_CHARS
        for block in message["blocks"]:
            if block["type"] == "section" and "text" in block:
                assert len(block["text"]["text"]) <= MAX_SECTION_TEXT
                # A code block is never left open inside a section.
                assert block["text"]["text"].count("```") % 2 == 0
            for item in block.get("fields", []):
                assert len(item["text"]) <= MAX_FIELD_TEXT
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= MAX_HEADER_TEXT
            for obj in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]:
                if isinstance(obj, dict) and obj.get("type") == "mrkdwn":
                    assert obj["verbatim"] is True
    for text in _texts(messages):
        # Outside a link the renderer made, no `<` or `>` is left for Slack to parse.
        bare = LINK.sub("", text)
        assert "<" not in bare and ">" not in bare, text


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_reply_renders_as_golden_payloads(name: str) -> None:
    messages = render_slack(SHAPES[name])
    assert_within_limits(messages)
    path = GOLDEN / f"{name}.json"
    rendered = json.dumps(messages, indent=2, ensure_ascii=False) + "\n"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered)
    assert rendered == path.read_text()


def test_every_block_type_is_rendered() -> None:
    samples: dict[type, tuple[Block, str]] = {
        Paragraph: (Paragraph.of("para-text"), "para-text"),
        Table: (Table(("col-a",), (("cell-1",),)), "cell-1"),
        ItemList: (ItemList((Item("item-title"),)), "item-title"),
        Heading: (Heading("heading-text"), "heading-text"),
        Fields: (Fields((("field-name", "field-value"),)), "field-value"),
    }
    # A block type added to the core without a sample here (and handling there) fails this test.
    assert set(typing.get_args(Block)) == set(samples)
    for block, shown in samples.values():
        messages = render_slack(Reply(title="t", blocks=(block,)))
        assert_within_limits(messages)
        assert shown in json.dumps(messages)
        view = render_blocks(Reply(title="t", blocks=(block,)), max_blocks=100)
        assert shown in json.dumps(view)


def test_an_unknown_block_is_an_error_not_silence() -> None:
    reply = Reply(title="t", blocks=("not a block",))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="cannot show a str block"):
        render_slack(reply)


def test_mentions_and_links_from_data_are_inert_everywhere() -> None:
    messages = render_slack(MENTIONS)
    assert_within_limits(messages)
    dumped = json.dumps(messages, ensure_ascii=False)
    for markup in ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C123>", "<https://evil"):
        assert markup not in dumped
    assert "&lt;!channel&gt;" in dumped and "&lt;@U123&gt;" in dumped
    assert "&lt;https://evil.example|click&gt; &amp; @" + ZWSP + "everyone" in dumped
    assert "@here" not in dumped and "@channel" not in dumped
    # The only link in the whole answer is the item's own.
    links = [m for t in _texts(messages) for m in LINK.findall(t)]
    assert links == [f"<{URL}/papers/t-9|Pinging &lt;!channel&gt; &lt;!here&gt; &lt;!everyone&gt; "
                     "&lt;@U123&gt; &lt;#C123&gt; &lt;https://evil.example|click&gt; &amp; "
                     f"@{ZWSP}everyone>"]  # fmt: skip
    assert messages[0]["text"].startswith("Papers matching '&lt;!channel&gt;")


def test_a_url_cannot_end_its_link_early() -> None:
    (message,) = render_slack(PAPER)
    second = _sections([message])[1]
    assert second.startswith(f"*2. <{URL}/papers/t-2%20(draft)%7Cx%3E|Prefix &lt;Sharing&gt; |")
    assert re.search(r"\*3\. No link here\* · cs\.LG", _sections([message])[2])


def test_only_http_links_are_made() -> None:
    reply = Reply(
        title="t",
        blocks=(Paragraph((Span("bad", url="javascript:alert(1)"), Span(" ok", url=f"{URL}/x"))),),
    )
    (section,) = _sections(render_slack(reply))
    assert section == f"bad<{URL}/x|ok>"


def test_errors_are_short_sections_with_no_header() -> None:
    (message,) = render_slack(TYPO)
    assert [b["type"] for b in message["blocks"]] == ["section", "context"]
    assert message["text"].startswith("No leaderboard called 'swe-rebnch'.")


def test_a_long_paragraph_splits_between_words_into_several_messages() -> None:
    reply = _long_paragraph()
    messages = render_slack(reply)
    assert_within_limits(messages)
    assert len(messages) >= 2
    original = reply.blocks[0].spans[0].text.split()  # type: ignore[union-attr]
    assert " ".join(_sections(messages)).split() == original
    assert messages[0]["blocks"][0]["type"] == "header"
    assert all(b["type"] != "header" for m in messages[1:] for b in m["blocks"])
    assert [m["text"] for m in messages] == [
        f"A long answer ({n}/{len(messages)})" for n in range(1, len(messages) + 1)
    ]


def test_sixty_items_spread_over_messages_of_at_most_50_blocks() -> None:
    messages = render_slack(_sixty_items())
    assert_within_limits(messages)
    assert len(messages) == 2
    numbers = [
        int(m.group(1)) for t in _sections(messages) for m in [re.match(r"\*(\d+)\. ", t)] if m
    ]
    assert numbers == list(range(1, 61))
    # The footer comes once, at the very end.
    assert messages[-1]["blocks"][-1]["type"] == "context"
    assert all(b["type"] != "context" for b in messages[0]["blocks"])


def test_a_link_at_the_boundary_moves_whole_to_the_next_section() -> None:
    reply, url = _link_at_boundary()
    sections = _sections(render_slack(reply))
    with_link = [s for s in sections if url in s]
    assert len(with_link) == 1 and with_link[0].startswith(f"<{url}|the paper>")
    assert len(sections[0]) + 1 + len(f"<{url}|the paper>") > MAX_SECTION_TEXT


def test_a_long_table_is_split_between_rows_with_the_header_again() -> None:
    rows = tuple((str(n), f"model-{n}-" + "x" * 40, f"{n}.5") for n in range(1, 301))
    messages = render_slack(Reply(title="Big", blocks=(Table(("#", "Model", "Score"), rows),)))
    assert_within_limits(messages)
    tables = [s for s in _sections(messages) if s.startswith("```")]
    assert len(tables) >= 5
    bodies = [t.removeprefix("```\n").removesuffix("\n```").splitlines() for t in tables]
    assert all(body[0].split() == ["#", "Model", "Score"] for body in bodies)
    assert [int(line.split()[0]) for body in bodies for line in body[1:]] == list(range(1, 301))


def test_a_message_keeps_to_12000_characters() -> None:
    paragraphs = tuple(Paragraph.of(_words(280)) for _ in range(8))  # 8 × about 2,700
    messages = render_slack(Reply(title="Many", blocks=paragraphs))
    assert_within_limits(messages)
    assert len(messages) >= 2
    assert all(message_chars(m["blocks"]) <= MAX_MESSAGE_CHARS for m in messages)


def test_a_heading_is_never_left_at_the_end_of_a_message() -> None:
    # The header and 48 items leave room for one block: the heading would fit, its text not.
    items = ItemList(tuple(Item(f"Paper {n}") for n in range(48)))
    blocks = (items, Heading("Next section"), Paragraph.of("after the heading"))
    messages = render_slack(Reply(title="h", blocks=blocks))
    assert len(messages) == 2
    assert _sections(messages)[-2:] == ["*Next section*", "after the heading"]
    assert _sections([messages[1]])[0] == "*Next section*"


def test_a_long_title_is_shortened_in_the_header_and_kept_whole_below() -> None:
    title = _words(30)
    (message,) = render_slack(_long_title())
    header = message["blocks"][0]["text"]["text"]
    assert len(header) <= MAX_HEADER_TEXT and header.endswith("…")
    assert title.startswith(header[:-1])
    whole = message["blocks"][1]["text"]["text"]
    assert whole.startswith("*") and whole.replace("*", "") == title


def test_bold_follows_words_as_slack_reads_it() -> None:
    spans = (
        Span("continuous "),
        Span("batch", strong=True),
        Span("ing and "),
        Span("speculative decoding", strong=True),
    )
    (section,) = _sections(render_slack(Reply(title="t", blocks=(Paragraph(spans),))))
    assert section == "continuous *batching* and *speculative decoding*"


def test_actions_become_buttons_that_carry_the_command() -> None:
    (message,) = render_slack(SUBSCRIBED)
    actions = message["blocks"][-1]
    assert actions["type"] == "actions"
    assert [(b["text"]["text"], b["action_id"], b["value"]) for b in actions["elements"]] == [
        ("Send the latest issue now", "/digest", "/digest"),
        ("Start with the next", "/subscriptions", "/subscriptions"),
    ]


def test_buttons_keep_slacks_limits() -> None:
    actions = (
        *(Action(f"/top board-{n}", f"Board {n} " + "x" * 100) for n in range(30)),
        Action("/top board-1", "Duplicate"),
        Action("/" + "x" * 300, "Too long an id"),
    )
    (message,) = render_slack(Reply(title="t", blocks=(Paragraph.of("x"),), actions=actions))
    check_message(message)
    blocks = [b for b in message["blocks"] if b["type"] == "actions"]
    assert [len(b["elements"]) for b in blocks] == [25, 5]
    ids = [element["action_id"] for b in blocks for element in b["elements"]]
    assert len(ids) == len(set(ids)) == 30


def test_a_view_keeps_to_its_block_budget_with_a_note() -> None:
    blocks = render_blocks(_sixty_items(), max_blocks=40)
    assert len(blocks) == 40
    check_blocks(blocks, limit=40)
    assert blocks[-1]["type"] == "context" and "60 matches" in json.dumps(blocks[-1])
    assert "Shortened to fit" in json.dumps(blocks[-2])
    assert all(b["type"] != "actions" for b in render_blocks(SUBSCRIBED, max_blocks=100))


def test_the_fake_refuses_what_slack_refuses() -> None:
    # The checks the goldens pass are real ones: they fail what Slack would refuse.
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    with pytest.raises(SlackError, match="invalid_blocks"):
        check_message({"blocks": [section]})
    small = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    with pytest.raises(SlackError, match="invalid_blocks"):
        check_message({"blocks": [small] * 51})
    big = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3000}}
    with pytest.raises(SlackError, match="msg_blocks_too_long"):
        check_message({"blocks": [big] * 5})


# Pieces of text that escaping and splitting must get right, joined at random.
_PIECES = [
    *"ab cd\n*_~`|>#-[]()<@&!:/.",
    "word",
    "<!channel>",
    "<@U12>",
    "&amp;",
    "@here",
    "😀",
    "https://x.example/a_b",
]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=120).map("".join)
_SPANS = st.lists(
    st.builds(
        Span,
        _TEXT,
        st.booleans(),
        st.one_of(st.none(), st.just(f"{URL}/papers/x_(y)|z"), st.just("javascript:alert(1)")),
    ),
    max_size=30,
)
_BLOCKS = st.lists(
    st.one_of(
        st.builds(Paragraph, _SPANS.map(tuple)),
        st.builds(Heading, _TEXT),
        st.builds(
            Table,
            st.just(("#", "Model")),
            st.lists(st.tuples(_TEXT, _TEXT), max_size=60).map(tuple),
            st.just((True, False)),
        ),
        st.builds(
            ItemList,
            st.lists(
                st.builds(Item, _TEXT, _TEXT, _SPANS.map(tuple), st.just(f"{URL}/p")), max_size=30
            ).map(tuple),
        ),
        st.builds(Fields, st.lists(st.tuples(_TEXT, _TEXT), max_size=30).map(tuple)),
    ),
    max_size=12,
)


@settings(max_examples=100, deadline=None)
@given(
    title=_TEXT,
    blocks=_BLOCKS,
    footer=st.one_of(st.none(), _TEXT),
    kind=st.sampled_from(["answer", "error"]),
)
def test_any_reply_renders_within_limits_and_inert(
    title: str, blocks: list[Block], footer: str | None, kind: str
) -> None:
    reply = Reply(title=title or "t", blocks=tuple(blocks), footer=footer, kind=kind)  # type: ignore[arg-type]
    assert_within_limits(render_slack(reply))
    check_blocks(render_blocks(reply, max_blocks=100), limit=100)
