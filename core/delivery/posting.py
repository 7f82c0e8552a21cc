"""What delivery asks of a platform: render a reply, post, thread, edit and delete messages."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from core.commands.reply import Reply


@dataclass(frozen=True, slots=True)
class Target:
    """The channel a delivery goes to."""

    platform: str
    workspace_id: str
    channel_id: str


@dataclass(frozen=True, slots=True)
class Message:
    """One rendered message of a delivery: its place, its platform payload, and a fingerprint."""

    index: int
    payload: Mapping[str, Any]

    @property
    def fingerprint(self) -> str:
        """Return a digest of the payload: equal fingerprints mean an edit would change nothing."""
        encoded = json.dumps(self.payload, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(encoded).hexdigest()[:16]


class Poster(Protocol):
    """A platform's side of delivery. Errors are PermanentFailure or TransientFailure."""

    platform: str

    def render(self, reply: Reply) -> list[dict[str, Any]]:
        """Return the messages that carry `reply`, the main post first."""
        ...

    async def pace(self, target: Target) -> None:
        """Wait for the platform's budget to allow one more post to `target`."""
        ...

    async def send(
        self,
        target: Target,
        message: Message,
        *,
        marker: str,
        thread_id: str | None,
        in_doubt_since: dt.datetime | None,
        now: dt.datetime,
    ) -> str:
        """Post `message` (in the thread, if given) and return its id; `pace` came first.

        `marker` is unique to this delivery, message and content. With `in_doubt_since`, an
        earlier attempt begun then (`now` is the delivery's clock) may have posted it already:
        find that message by its marker and return its id instead of posting again.
        """
        ...

    async def open_thread(self, target: Target, main_id: str, title: str) -> str:
        """Return the thread under the main post where the overflow goes, starting it if needed."""
        ...

    async def edit(
        self, target: Target, message_id: str, message: Message, *, thread_id: str | None
    ) -> str:
        """Replace a posted message's content; return its id (a new one if it had been deleted)."""
        ...

    async def delete(self, target: Target, message_id: str, *, thread_id: str | None) -> None:
        """Remove a posted message that a corrected digest no longer needs."""
        ...
