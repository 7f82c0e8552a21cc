"""Requests as Slack sends them to an app over HTTP: form or JSON bodies, v0 signatures.

The signature is computed here from Slack's description (HMAC-SHA256 of `v0:{timestamp}:{body}`
with the signing secret, hex, prefixed `v0=`), not with the SDK the app verifies it with.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Return the `X-Slack-Signature` of a body sent at `timestamp`."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def form_body(fields: dict[str, Any]) -> bytes:
    """Return a slash command's body: the fields, form-encoded."""
    return urlencode(fields).encode()


def action_body(payload: dict[str, Any]) -> bytes:
    """Return an interaction's body: `payload=` and the JSON, form-encoded."""
    return urlencode({"payload": json.dumps(payload)}).encode()


@dataclass
class Answer:
    """What the app answered over HTTP."""

    status: int
    text: str
    headers: dict[str, str]

    def json(self) -> Any:
        """Return the body as JSON."""
        return json.loads(self.text)


@dataclass
class SlackSender:
    """Sends requests to an app's endpoint as Slack does, signed with `secret` unless told not."""

    url: str
    secret: str

    async def post(
        self,
        body: bytes,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        timestamp: float | None = None,
        secret: str | None = None,
        signature: str | None = None,
        signed: bool = True,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """Post `body`; `timestamp`, `secret` or `signature` forge or replay it."""
        stamp = str(int(time.time() if timestamp is None else timestamp))
        sent = {"Content-Type": content_type, **(headers or {})}
        if signed:
            sent["X-Slack-Request-Timestamp"] = stamp
            sent["X-Slack-Signature"] = signature or sign(secret or self.secret, stamp, body)
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url, data=body, headers=sent, allow_redirects=False) as response,
        ):
            return Answer(response.status, await response.text(), dict(response.headers))

    async def command(self, fields: dict[str, Any], **options: Any) -> Answer:
        """Post a slash command."""
        return await self.post(form_body(fields), **options)

    async def action(self, payload: dict[str, Any], **options: Any) -> Answer:
        """Post a click (block_actions)."""
        return await self.post(action_body(payload), **options)

    async def event(self, payload: dict[str, Any], **options: Any) -> Answer:
        """Post an Events API request."""
        body = json.dumps(payload).encode()
        return await self.post(body, content_type="application/json", **options)
