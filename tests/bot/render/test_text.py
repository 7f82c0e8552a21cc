"""The plain-text renderer, against golden output."""

from __future__ import annotations

from pathlib import Path

from bot.render.text import render_text
from core.commands.reply import (
    Action,
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

GOLDEN = Path(__file__).with_name("golden")

REPLY = Reply(
    title="Example board — 2026-11-20",
    blocks=(
        Paragraph.of("Composite score"),
        Table(
            columns=("#", "Model", "Score", "Move"),
            rows=(("1", "Orion 3.2", "61.4", "▲1"), ("10", "A much longer name", "9", "new")),
            numeric=(True, False, True, False),
        ),
        ItemList(
            (
                Item(
                    title="Speculative Batching",
                    meta="cs.DC",
                    body=(Span("continuous "), Span("batching", strong=True), Span(" works")),
                    url="https://report.example/papers/t-1",
                ),
            )
        ),
    ),
    url="https://report.example/leaderboards/example",
    footer="Top 2 of 2",
)


def test_reply_renders_as_golden_text() -> None:
    assert render_text(REPLY) == (GOLDEN / "reply.txt").read_text()


def test_an_error_is_its_message_and_suggestions() -> None:
    reply = error_reply("No leaderboard called 'x'.", suggestions=("swe-rebench",))
    assert render_text(reply) == "No leaderboard called 'x'.\n\nSuggestions: swe-rebench\n"


EVERY_BLOCK = Reply(
    title="This channel now gets the digest daily at 08:30 (Europe/Paris)",
    blocks=(
        Fields(
            (
                ("Schedule", "daily at 08:30 (Europe/Paris)"),
                ("Empty", ""),
                (
                    "Alerts",
                    "swe-rebench (a new leader, entries and exits of the top 5, scores moving 1 "
                    "or more), artificial-analysis",
                ),
            )
        ),
        Heading("Preview"),
        Paragraph(
            (
                Span("From the latest issue, "),
                Span("2026-11-20", strong=True),
                Span(", with a link: "),
                Span("the issue", url="https://report.example/issues/2026-11-20"),
                Span("."),
            )
        ),
        Heading("Research papers"),
        ItemList((Item(title="Sparse Routers Forget Less", meta="cs.LG"),)),
        Table(columns=("As of", "#"), rows=(("2026-11-20", "2"),), numeric=(False, True)),
        Fields(
            (
                ("/top <leaderboard> [n] [date]", "Show a leaderboard. Example: /top swe 5"),
                ("/help", "List the commands."),
            )
        ),
    ),
    footer="See it with /digest.",
    suggestions=("Europe/Paris",),
    actions=(
        Action("/digest", "Send the latest issue now"),
        Action("/subscriptions", "Start with the next"),
    ),
)


def test_every_block_type_renders_as_golden_text() -> None:
    assert render_text(EVERY_BLOCK) == (GOLDEN / "every_block.txt").read_text()


def test_long_words_and_links_are_never_cut() -> None:
    link = "https://report.example/papers/" + "x" * 120
    reply = Reply(
        title="t",
        blocks=(
            Paragraph((Span("see " * 30), Span("here", url=link))),
            Fields((("Link", "word-with-hyphens-" * 8),)),
        ),
    )
    lines = render_text(reply).splitlines()
    assert f"<{link}>" in lines
    assert any(line.endswith("word-with-hyphens-" * 8) for line in lines)
