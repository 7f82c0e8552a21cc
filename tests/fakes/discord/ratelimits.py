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
