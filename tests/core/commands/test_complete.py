"""Autocompletion of option values."""

from __future__ import annotations

import pytest

from core.commands import CommandContext, complete
from core.commands.complete import MAX_CHOICES


@pytest.mark.parametrize(
    ("kind", "prefix", "expected"),
    [
        ("leaderboard", "sw", ["swe-rebench", "swe", "swerebench", "swe-bench"]),
        ("leaderboard", "AA", ["aa", "aa-index"]),
        ("leaderboard", "index", ["intelligence-index", "aa-index"]),
        ("model", "orion", ["Orion 3.2"]),
        ("model", "KESTREL", ["Kestrel-4.1 Thinking", "kestrel-4.1-2026-10-02-high"]),
        ("model", "flash", ["Sable 2 Flash"]),
        ("model", "100%_", []),
        ("category", "cs.", ["cs.DC", "cs.LG", "cs.SE"]),
        ("category", "lg", ["cs.LG"]),
        ("timezone", "europe/par", ["Europe/Paris"]),
        ("timezone", "new york", ["America/New_York"]),
        ("sections", "editorial,pa", ["editorial,papers"]),
        ("categories", "cs.DC,cs", ["cs.DC,cs.LG", "cs.DC,cs.SE"]),
        (
            "leaderboards",
            "swe-rebench, art",
            ["swe-rebench,artificial-analysis", "swe-rebench,artificial"],
        ),
        ("text", "anything", []),
    ],
)
async def test_completions(
    channel: CommandContext, kind: str, prefix: str, expected: list[str]
) -> None:
    assert await complete(channel, kind, prefix) == expected  # type: ignore[arg-type]


async def test_at_most_25(channel: CommandContext) -> None:
    found = await complete(channel, "timezone", "a")
    assert len(found) == MAX_CHOICES
    assert found[0] == "Africa/Abidjan"


async def test_nothing_typed_offers_the_first(channel: CommandContext) -> None:
    assert await complete(channel, "model", "") == [
        "Kestrel-4.1 Thinking",
        "kestrel-4.1-2026-10-02-high",
        "Lumen Pro 2",
        "Nimbus 7.5",
        "Orion 3.2",
        "Quill K3.1",
        "Sable 2 Flash",
    ]
