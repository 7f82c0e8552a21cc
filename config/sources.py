"""The leaderboards the service knows by default, and how the report names them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KnownLeaderboard:
    """A leaderboard the report publishes, with the heading it appears under."""

    slug: str
    name: str
    heading_prefix: str
    aliases: tuple[str, ...]


KNOWN_LEADERBOARDS: tuple[KnownLeaderboard, ...] = (
    KnownLeaderboard(
        slug="artificial-analysis",
        name="Artificial Analysis Intelligence Index",
        heading_prefix="Artificial Analysis",
        aliases=("aa", "artificial", "intelligence", "intelligence-index", "aa-index"),
    ),
    KnownLeaderboard(
        slug="swe-rebench",
        name="SWE-rebench",
        heading_prefix="SWE-rebench",
        aliases=("swe", "swerebench", "rebench", "swe-bench"),
    ),
)
