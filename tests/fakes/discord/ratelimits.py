"""Rate limits as Discord applies them: per-route buckets, headers, 429s; and injected faults."""

from __future__ import annotations

import fnmatch
import hashlib
import json
import math
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

# Per-route limits: (requests, seconds). Channel messages follow the community figure of 5 per
# 5 s (unverified; Discord says not to hard-code any); everything else is generous.
DEFAULT_BUCKETS: dict[str, tuple[int, float]] = {
    "POST /channels/{channel_id}/messages": (5, 5.0),
}
DEFAULT_BUCKET = (50, 1.0)
# Discord's global limit: 50 requests per second per bot token (platforms.md §1, "DD").
GLOBAL_LIMIT = 50
# Discord's responses pass through Google's front end; discord.py takes a 429 without this
# header for a Cloudflare ban.
VIA = {"Via": "1.1 google"}


def json_response(
    data: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """Return JSON as Discord does: `Content-Type: application/json`, no charset parameter."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={**(headers or {}), "Content-Type": "application/json"},
    )


def _limited(retry_after: float, headers: dict[str, str], *, is_global: bool) -> web.Response:
    body: dict[str, Any] = {
        "message": "You are being rate limited.",
        "retry_after": round(retry_after, 3),
        "global": is_global,
    }
    if is_global:
        body["code"] = 0
    headers = {**VIA, **headers, "Retry-After": str(math.ceil(retry_after))}
    return json_response(body, status=429, headers=headers)


@dataclass
class Bucket:
    """One route's allowance: `limit` requests per `window` seconds."""

    limit: int
    window: float
    name: str
    remaining: int = 0
    reset_at: float = 0.0

    def take(self) -> bool:
        """Spend one request; return False when none is left in this window."""
        now = time.monotonic()
        if now >= self.reset_at:
            self.remaining, self.reset_at = self.limit, now + self.window
        if self.remaining <= 0:
            return False
        self.remaining -= 1
        return True

    def headers(self) -> dict[str, str]:
        """Return the X-RateLimit-* headers Discord sends with every answer on the route."""
        after = max(0.0, self.reset_at - time.monotonic())
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": f"{time.time() + after:.3f}",
            "X-RateLimit-Reset-After": f"{after:.3f}",
            "X-RateLimit-Bucket": self.name,
        }

    def refusal(self) -> web.Response:
        """Return the 429 for a request over the limit."""
        after = max(0.0, self.reset_at - time.monotonic())
        return _limited(after, {**self.headers(), "X-RateLimit-Scope": "user"}, is_global=False)


class GlobalLimit:
    """Discord's global limit: `limit` requests per second per bot token, bursts of `burst`.

    Discord counts every request authorised with the bot token, not interaction callbacks nor
    interaction webhooks (platforms.md §1, from Discord's rate-limit page). Over it, Discord
    answers 429 with `"global": true`, `X-RateLimit-Global: true` and `X-RateLimit-Scope: global`.
    Discord does not say how it counts; this is a token bucket (`burst` tokens, refilled at
    `limit` per second), so a client pacing at the limit never gets a 429 even when the machine
    delays one request and the next catches up, while any span of `t` seconds accepts at most
    `burst + limit * t` requests.
    """

    def __init__(self, limit: int, *, burst: int | None = None) -> None:
        self.limit = limit
        self.burst = burst or limit
        self._tokens = float(self.burst)
        self._at: float | None = None

    def take(self, now: float) -> float:
        """Count a request at `now`; return 0 if allowed, else how long until one is."""
        if self._at is not None:
            elapsed = max(0.0, now - self._at)
            self._tokens = min(float(self.burst), self._tokens + elapsed * self.limit)
        self._at = now if self._at is None else max(self._at, now)
        if self._tokens >= 1.0 - 1e-9:  # float sums of refills fall just short of whole
            self._tokens -= 1.0
            return 0.0
        return max((1.0 - self._tokens) / self.limit, 0.001)

    def refusal(self, retry_after: float) -> web.Response:
        """Return Discord's global 429."""
        headers = {"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"}
        return _limited(retry_after, headers, is_global=True)


class Buckets:
    """Buckets by route and major parameter (channel, guild, webhook), as Discord keys them."""

    def __init__(self, limits: dict[str, tuple[int, float]] | None = None) -> None:
        self._limits = {**DEFAULT_BUCKETS, **(limits or {})}
        self._found: dict[tuple[str, str], Bucket] = {}

    def get(self, method: str, route: str, match: Any) -> Bucket | None:
        """Return the bucket of a request; interaction callbacks have none."""
        if route.startswith("/interactions/"):
            return None
        key = f"{method} {route}"
        limit, window = self._limits.get(key, DEFAULT_BUCKET)
        major = ":".join(
            match.get(name, "") for name in ("channel_id", "guild_id", "application_id", "token")
        )
        found = self._found.get((key, major))
        if found is None:
            name = hashlib.sha1(key.encode()).hexdigest()[:16]
            found = self._found[(key, major)] = Bucket(limit, window, name)
        return found


@dataclass
class Fault:
    """An answer given instead of the real one, to the next `count` matching requests."""

    method: str
    pattern: str
    status: int
    count: int
    retry_after: float = 0.0
    is_global: bool = False
    scope: str = "user"
    # After commit: the request is carried out, then its answer is replaced (or dropped).
    after_commit: bool = False
    drop: bool = False

    def matches(self, method: str, path: str) -> bool:
        """Return whether a request (path under /api/v10) is one this fault is for."""
        return self.count > 0 and method == self.method and fnmatch.fnmatchcase(path, self.pattern)

    def response(self) -> web.Response:
        """Return the 429 or the server error Discord would send."""
        self.count -= 1
        if self.status != 429:
            return json_response(
                {"message": "Internal Server Error", "code": 0}, status=self.status, headers=VIA
            )
        headers = {"X-RateLimit-Scope": self.scope}
        if self.is_global:
            headers["X-RateLimit-Global"] = "true"
        else:
            digest = hashlib.sha1(self.pattern.encode()).hexdigest()[:16]
            headers |= {
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + self.retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{self.retry_after:.3f}",
                "X-RateLimit-Bucket": digest,
            }
        return _limited(self.retry_after, headers, is_global=self.is_global)
