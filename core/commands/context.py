"""What a command is given: who asks, where, when, and the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from storage import Database


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def page_link(public_url: str, path: str) -> str:
    """Return the absolute URL of one of the service's pages."""
    return public_url.rstrip("/") + "/" + path.lstrip("/")


@dataclass(frozen=True, slots=True)
class CommandContext:
    """The context of one command: platform, place, user, clock, database, public URL.

    `workspace_id` is the Discord guild or Slack team the channel belongs to; `clock` returns an
    aware datetime.
    """

    db: Database
    public_url: str
    platform: str = "text"
    channel_id: str = ""
    user_id: str = ""
    can_manage_channel: bool = False
    clock: Callable[[], dt.datetime] = field(default=_utcnow)
    workspace_id: str = ""

    def link(self, path: str) -> str:
        """Return the absolute URL of one of the service's pages."""
        return page_link(self.public_url, path)
