"""The Discord renderer: golden payloads for each reply shape, Discord's limits, inert mentions."""

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

from bot.render.discord import (
    EPHEMERAL,
    MAX_CONTENT,
    MAX_DESCRIPTION,
    MAX_EMBED_TOTAL,
    MAX_FIELD_VALUE,
    MAX_FIELDS,
    ZWSP,
    measure,
    render_discord,
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
from tests.fakes.discord.limits import Invalid, check_message, embed_size

GOLDEN = Path(__file__).with_name("golden") / "discord"
# UPDATE_GOLDEN=1 rewrites the files; read the diff before keeping it.
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
URL = "https://report.example"

TOP = Reply(
    title="SWE-rebench — 2026-11-20",
    blocks=(
        Paragraph.of("Agentic coding on real-world software engineering tasks"),
        Table(
            columns=("#", "Model", "Score", "Move"),
            rows=(
                ("1", "Orion 3.2", "66.1", "="),
                ("2", "kestrel-4.1-2026-10-02-high", "65.2", "▲1"),
                ("10", "Quill `K3.1`", "9", "new"),
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
                    title="Prefix [Sharing] (Across) *Tenants*",
                    meta="cs.DC",
                    body=(Span("a "), Span("batch", strong=True), Span("ing policy")),
                    url=f"{URL}/papers/t-2 (draft)",
                ),
            )
        ),
    ),
    footer="2 best matches",
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
MENTIONS = Reply(
    title="Papers matching '@everyone'",
    blocks=(
        Paragraph.of(
            "Hi @everyone and @here, <@&123> <@!456> <@789> <#42> [click](https://evil.example)"
        ),
        ItemList((Item(title="Pinging @everyone <@&123>", meta="cs.CR", url=f"{URL}/papers/t-9"),)),
        Table(("#", "Model"), (("1", "@here <@456>"),)),
    ),
    footer="@everyone footer",
)
TYPO = error_reply(
    "No leaderboard called 'swe-rebnch'. Did you mean swe-rebench?", suggestions=("swe-rebench",)
)


def _words(count: int) -> str:
    return " ".join(f"word{n % 97}x{n}" for n in range(count))


def _long_paragraph() -> Reply:
    text = _words(1300)  # about 10,000 characters
    assert len(text) > 10_000
    return Reply(title="A long answer", blocks=(Paragraph.of(text),))


def _forty_items() -> Reply:
    items = tuple(
        Item(
            title=f"Paper number {n} about batching",
            meta="cs.DC",
            body=(Span(_words(40)),),
            url=f"{URL}/papers/t-{n}",
        )
        for n in range(1, 41)
    )
    return Reply(title="Forty papers", blocks=(ItemList(items),), footer="40 matches")


def _link_at_boundary() -> tuple[Reply, str]:
    url = f"{URL}/papers/" + "a" * 300
    # Padding puts the link across the 4096th character of the first description.
    padding = "x" * 9 + " "
    spans = (Span(padding * 400), Span("the paper", url=url), Span(" and then the rest."))
    return Reply(title="Boundary", blocks=(Paragraph(spans),)), url


SHAPES: dict[str, Reply] = {
    "top": TOP,
    "paper": PAPER,
    "help": HELP,
    "subscribed": SUBSCRIBED,
    "mentions": MENTIONS,
    "typo": TYPO,
    "long_paragraph": _long_paragraph(),
    "forty_items": _forty_items(),
    "link_at_boundary": _link_at_boundary()[0],
}


def _descriptions(payloads: list[dict[str, Any]]) -> list[str]:
    return [e.get("description", "") for p in payloads for e in p.get("embeds", [])]


def assert_within_limits(payloads: list[dict[str, Any]]) -> None:
    """Check every payload as Discord would, and by the renderer's stricter count as well."""
    assert payloads
    for payload in payloads:
        check_message(payload)  # raises Invalid as the fake Discord would answer 400
        assert payload["allowed_mentions"] == {"parse": []}
        assert measure(payload.get("content", "")) <= MAX_CONTENT
        embeds = payload.get("embeds", [])
        assert len(embeds) <= 10
        assert sum(embed_size(e) for e in embeds) <= MAX_EMBED_TOTAL
        for embed in embeds:
            assert measure(embed.get("description", "")) <= MAX_DESCRIPTION
            assert len(embed.get("fields", [])) <= MAX_FIELDS
            assert all(measure(f["value"]) <= MAX_FIELD_VALUE for f in embed.get("fields", []))
    for text in _descriptions(payloads):
        # A code block is never left open: fences come in pairs within each description.
        assert text.count("```") % 2 == 0, text


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_reply_renders_as_golden_payloads(name: str) -> None:
    payloads = render_discord(SHAPES[name])
    assert_within_limits(payloads)
    path = GOLDEN / f"{name}.json"
    rendered = json.dumps(payloads, indent=2, ensure_ascii=False) + "\n"
    if UPDATE:
        path.write_text(rendered)
    assert rendered == path.read_text()


def test_every_block_type_is_rendered() -> None:
    samples: dict[type, Block] = {
        Paragraph: Paragraph.of("text"),
        Table: Table(("a",), (("1",),)),
        ItemList: ItemList((Item("title"),)),
        Heading: Heading("heading"),
        Fields: Fields((("name", "value"),)),
    }
    # A block type added to the core without a sample here (and handling there) fails this test.
    assert set(typing.get_args(Block)) == set(samples)
    for block in samples.values():
        assert_within_limits(render_discord(Reply(title="t", blocks=(block,))))


def test_an_unknown_block_is_an_error_not_silence() -> None:
    reply = Reply(title="t", blocks=("not a block",))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="cannot show a str block"):
        render_discord(reply)


def test_mentions_from_data_are_inert_everywhere() -> None:
    payloads = render_discord(MENTIONS)
    text = json.dumps(payloads, ensure_ascii=False)
    assert "@everyone" not in text and "@here" not in text
    assert not re.search(r"<(@[!&]?|#)\d+>", text)
    assert f"@{ZWSP}everyone" in text and f"<{ZWSP}@&123>" in text
    # A masked link in data is shown as text, never as a link.
    description = payloads[0]["embeds"][0]["description"]
    assert "[click](https://evil.example)" not in description
    assert "\\[click\\](https://evil.example)" in description


def test_errors_are_short_private_content() -> None:
    (payload,) = render_discord(TYPO)
    assert payload["flags"] == EPHEMERAL
    assert "embeds" not in payload
    assert payload["content"].startswith("No leaderboard called 'swe-rebnch'.")


def test_error_echoing_input_cannot_ping() -> None:
    (payload,) = render_discord(error_reply("No leaderboard called '@everyone <@&1>'."))
    assert payload["content"] == f"No leaderboard called '@{ZWSP}everyone <{ZWSP}@&1>'."
    assert payload["allowed_mentions"] == {"parse": []}


def test_a_long_paragraph_splits_between_words_into_several_messages() -> None:
    reply = _long_paragraph()
    payloads = render_discord(reply)
    assert len(payloads) >= 2
    original = reply.blocks[0].spans[0].text.split()  # type: ignore[union-attr]
    assert " ".join(_descriptions(payloads)).split() == original
    assert payloads[0]["embeds"][0]["title"] == "A long answer"
    assert all("title" not in e for p in payloads[1:] for e in p["embeds"])


def test_forty_items_keep_each_item_whole_and_in_order() -> None:
    payloads = render_discord(_forty_items())
    assert len(payloads) >= 2
    text = "\n\n".join(_descriptions(payloads))
    heads = re.findall(r"\*\*(\d+)\\\. \[Paper number \1 about batching\]\(([^)]+)\)\*\*", text)
    assert [int(n) for n, _ in heads] == list(range(1, 41))
    for description in _descriptions(payloads):
        # Every item starts its own paragraph; no description starts inside one.
        assert description.startswith("**")
    assert payloads[-1]["embeds"][-1]["footer"] == {"text": "40 matches"}
    assert all("footer" not in e for p in payloads[:-1] for e in p["embeds"])


def test_a_long_link_at_the_boundary_moves_whole_to_the_next_message() -> None:
    reply, url = _link_at_boundary()
    descriptions = _descriptions(render_discord(reply))
    link = f"[the paper]({url})"
    with_link = [d for d in descriptions if url in d]
    assert len(with_link) == 1 and link in with_link[0]
    assert with_link[0].startswith(link)  # it would have crossed the end of the first one
    assert measure(descriptions[0]) + 1 + len(link) > MAX_DESCRIPTION


def test_a_long_table_is_split_between_rows_with_the_header_again() -> None:
    rows = tuple((str(n), f"model-{n}-" + "x" * 40, f"{n}.5") for n in range(1, 301))
    payloads = render_discord(Reply(title="Big", blocks=(Table(("#", "Model", "Score"), rows),)))
    assert_within_limits(payloads)
    blocks = re.findall(r"```\n(.*?)\n```", "\n".join(_descriptions(payloads)), re.DOTALL)
    assert len(blocks) >= 4
    assert all(block.splitlines()[0].split() == ["#", "Model", "Score"] for block in blocks)
    numbers = [int(line.split()[0]) for block in blocks for line in block.splitlines()[1:]]
    assert numbers == list(range(1, 301))


def test_many_long_fields_spread_over_embeds_within_limits() -> None:
    pairs = tuple((f"name {n}", _words(200)) for n in range(40))
    payloads = render_discord(Reply(title="Fields", blocks=(Fields(pairs),)))
    assert_within_limits(payloads)
    fields = [f for p in payloads for e in p["embeds"] for f in e.get("fields", [])]
    names = [f["name"] for f in fields if f["name"] != ZWSP]
    assert names == [f"name {n}" for n in range(40)]
    second = next(n for n, f in enumerate(fields) if f["name"] == "name 1")
    # A value over 1024 characters goes on in fields without a name, cut between words.
    assert second > 1 and all(f["name"] == ZWSP for f in fields[1:second])
    assert " ".join(f["value"] for f in fields[:second]).split() == _words(200).split()


def test_a_heading_is_never_left_at_the_end_of_a_message() -> None:
    first = next(_words(n) for n in range(300, 500) if len(_words(n)) > 4060)
    # The heading fits after the first paragraph; the paragraph after it does not.
    assert len(first) + len("\n\n**Next section**") <= MAX_DESCRIPTION
    blocks = (Paragraph.of(first), Heading("Next section"), Paragraph.of(_words(60)))
    descriptions = _descriptions(render_discord(Reply(title="h", blocks=blocks)))
    assert len(descriptions) == 2
    assert not descriptions[0].endswith("**Next section**")
    assert descriptions[1].startswith("**Next section**")


def test_actions_become_buttons_on_the_last_message() -> None:
    (payload,) = render_discord(SUBSCRIBED)
    (row,) = payload["components"]
    assert row["type"] == 1
    assert [(b["label"], b["custom_id"], b["style"]) for b in row["components"]] == [
        ("Send the latest issue now", "/digest", 2),
        ("Start with the next", "/subscriptions", 2),
    ]


def test_twelve_actions_fill_rows_of_five() -> None:
    actions = tuple(Action(f"/top board-{n}", f"Board {n}") for n in range(12))
    (payload,) = render_discord(Reply(title="t", blocks=(Paragraph.of("x"),), actions=actions))
    assert [len(row["components"]) for row in payload["components"]] == [5, 5, 2]
    check_message(payload)


def test_a_long_title_is_cut_between_words_and_kept_whole_in_the_text() -> None:
    title = _words(60)
    (payload,) = render_discord(Reply(title=title, blocks=(Paragraph.of("body"),)))
    embed = payload["embeds"][0]
    assert measure(embed["title"]) <= 256 and embed["title"].endswith("…")
    assert title.startswith(embed["title"][:-1])
    assert embed["description"].startswith("**" + title.split()[0])


def test_the_fake_refuses_what_discord_refuses() -> None:
    # The check the goldens pass is a real one: it fails payloads Discord would refuse.
    with pytest.raises(Invalid) as caught:
        check_message({"content": "x" * 2001})
    assert caught.value.body["errors"]["content"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    with pytest.raises(Invalid):
        check_message({"embeds": [{"description": "x" * 3000}, {"description": "x" * 3001}]})


# Pieces of text that escaping and splitting must get right, joined at random.
_PIECES = [
    *"ab cd\n*_~`|>#-[]()<@&!:/.",
    "word",
    "@everyone",
    "<@&12>",
    "😀",
    "https://x.example/a_b",
]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=120).map("".join)
_SPANS = st.lists(
    st.builds(
        Span,
        _TEXT,
        st.booleans(),
        st.one_of(st.none(), st.just(f"{URL}/papers/x_(y)"), st.just("javascript:alert(1)")),
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
@given(title=_TEXT, blocks=_BLOCKS, footer=st.one_of(st.none(), _TEXT), private=st.booleans())
def test_any_reply_renders_within_limits_and_pings_nobody(
    title: str, blocks: list[Block], footer: str | None, private: bool
) -> None:
    reply = Reply(title=title, blocks=tuple(blocks), footer=footer, ephemeral=private)
    payloads = render_discord(reply)
    assert_within_limits(payloads)
    text = json.dumps(payloads, ensure_ascii=False)
    assert "@everyone" not in text and "<@&12>" not in text
    assert "javascript:" not in text
    assert all(bool(p.get("flags", 0) & EPHEMERAL) == private for p in payloads)


def test_an_item_without_a_link_is_one_bold_phrase() -> None:
    reply = Reply(
        title="SWE-rebench — 2026-11-23",
        blocks=(ItemList((Item("Orion 3.2 moves from #1 to #2"), Item("Lumen Pro 2 is new"))),),
    )
    (payload,) = render_discord(reply)
    description = payload["embeds"][0]["description"]
    assert description.splitlines() == [
        "**1\\. Orion 3.2 moves from #1 to #2**",
        "",
        "**2\\. Lumen Pro 2 is new**",
    ]
