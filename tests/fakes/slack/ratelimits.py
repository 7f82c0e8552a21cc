"""chat.postMessage's rate limits as Slack documents them, and the 429 Slack answers.

Slack (platforms.md §2, "SRL"): chat.postMessage allows "1 message per second per channel",
with short bursts "with no guarantee", and a workspace-wide limit of several hundred messages
per minute whose value Slack does not give. Over a limit Slack answers HTTP 429 with
`Retry-After` in whole seconds and `{"ok": false, "error": "ratelimited"}`. Both limits here
are token buckets: a channel holds `channel_burst` messages and refills `channel_per_second`;
a workspace (one app in one team) holds `workspace_burst` (a minute's worth unless given) and
refills `workspace_per_minute` a minute. A client pacing at the limits never gets a 429.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# The real figures: 1 per second per channel, a burst of 2; "several hundred" a minute.
CHANNEL_PER_SECOND = 1.0
CHANNEL_BURST = 2
WORKSPACE_PER_MINUTE = 300
# conversations.history and conversations.replies are Tier 3, "50+ per minute" per workspace per
# app; apps distributed outside the Marketplace get 1 a minute and at most 15 messages a page
# (docs.slack.dev/apis/web-api/rate-limits, changelog 2025-05-29).
TIER_3_PER_MINUTE = 50
READ_METHODS = ("conversations.history", "conversations.replies")
# chat.update, chat.delete and conversations.join are Tier 3 too (their method pages).
WRITE_TIERS: dict[str, int | None] = {
    "chat.update": 50,
    "chat.delete": 50,
    "conversations.join": 50,
}
# Float sums of refills fall just short of a whole token.
EPSILON = 1e-9


class RateLimited(Exception):
    """A call over a limit: Slack's 429, to retry after `retry_after` whole seconds."""

    def __init__(self, retry_after: int, scope: str) -> None:
        super().__init__(f"ratelimited ({scope}), retry after {retry_after} s")
        self.retry_after = retry_after
        self.scope = scope


@dataclass
class TokenBucket:
    """`capacity` calls at once, refilled at `rate` a second."""

    capacity: float
    rate: float
    tokens: float = -1.0
    at: float | None = None

    def wait(self, now: float) -> float:
        """Refill up to `now`; return 0 if a call may go now, else seconds until one may."""
        if self.at is None:
            self.tokens = self.capacity
        else:
            self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.at) * self.rate)
        self.at = now if self.at is None else max(self.at, now)
        if self.tokens >= 1.0 - EPSILON:
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def spend(self) -> None:
        """Spend one call (after `wait` said it may go)."""
        self.tokens -= 1.0


class PostLimits:
    """The per-channel and per-workspace limits of chat.postMessage, for one fake Slack."""

    def __init__(
        self,
        *,
        channel_per_second: float | None,
        channel_burst: int,
        workspace_per_minute: int | None,
        workspace_burst: int | None,
    ) -> None:
        self.channel_per_second = channel_per_second
        self.channel_burst = channel_burst
        self.workspace_per_minute = workspace_per_minute
        self.workspace_burst = workspace_burst
        self._channels: dict[tuple[str, str], TokenBucket] = {}
        self._workspaces: dict[str, TokenBucket] = {}

    def take(self, team_id: str, channel_id: str, now: float) -> None:
        """Count one message, or raise RateLimited (then nothing is counted)."""
        buckets = []
        if self.channel_per_second:
            found = self._channels.get((team_id, channel_id))
            if found is None:
                found = TokenBucket(float(self.channel_burst), self.channel_per_second)
                self._channels[(team_id, channel_id)] = found
            buckets.append(("channel", found))
        if self.workspace_per_minute:
            team = self._workspaces.get(team_id)
            if team is None:
                capacity = self.workspace_burst or self.workspace_per_minute
                team = TokenBucket(float(capacity), self.workspace_per_minute / 60.0)
                self._workspaces[team_id] = team
            buckets.append(("workspace", team))
        waits = [(bucket.wait(now), scope) for scope, bucket in buckets]
        longest, scope = max(waits, default=(0.0, ""))
        if longest > 0:
            # Slack sends whole seconds; rounding up never invites a call that is too early.
            raise RateLimited(max(1, math.ceil(longest)), scope)
        for _, bucket in buckets:
            bucket.spend()


class MethodLimits:
    """A per-minute tier for some methods, per method per workspace (Slack's Web API tiers)."""

    def __init__(self, per_minute: dict[str, int | None]) -> None:
        self.per_minute = per_minute
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def take(self, team_id: str, method: str, now: float) -> None:
        """Count one call, or raise RateLimited (then nothing is counted)."""
        per_minute = self.per_minute.get(method)
        if not per_minute:
            return
        bucket = self._buckets.get((team_id, method))
        if bucket is None:
            bucket = TokenBucket(float(per_minute), per_minute / 60.0)
            self._buckets[(team_id, method)] = bucket
        wait = bucket.wait(now)
        if wait > 0:
            raise RateLimited(max(1, math.ceil(wait)), "method")
        bucket.spend()
