"""Leaderboard alerts between issues: a board fetched from its source changed in a watched way.

A snapshot that came with an issue is in that issue's digest already; one fetched from the
board's own source between issues (sources/) is compared with the one before it from the same
source (sources differ in what they measure), and each channel watching the board gets one post
about it, if the change is one its choices call for: a new #1, a model entering or leaving its
top N, a score moving by its threshold or more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from core.commands.context import page_link
from core.commands.reply import Item, ItemList, Reply
from core.digest import describe_choices
from core.leaderboard_changes import Change, compare
from storage.queries import leaderboards
from storage.queries.leaderboards import EntryRow
from storage.queries.subscriptions import DigestSettings
from storage.tables import Leaderboard, LeaderboardSnapshot

ISSUE_SOURCE = "report"
PREFIX = "alert:"


@dataclass(frozen=True, slots=True)
class BoardNews:
    """A board's newest snapshot from its own source, and the one before it from that source."""

    board: Leaderboard
    snapshot: LeaderboardSnapshot
    entries: Sequence[EntryRow]
    previous: Sequence[EntryRow]

    @property
    def key(self) -> str:
        """Return the delivery key of alerts about this snapshot."""
        return f"{PREFIX}{self.board.slug}:{self.snapshot.as_of.isoformat()}:{self.snapshot.source}"

    def changes(self, settings: DigestSettings) -> list[Change]:
        """Return the changes a channel with these choices is alerted to."""
        return compare(
            self.previous,
            self.entries,
            top_n=settings.alert_top_n,
            score_threshold=settings.alert_score_threshold,
        )


async def _news(
    session: AsyncSession, board: Leaderboard, latest: LeaderboardSnapshot
) -> BoardNews | None:
    assert board.id is not None and latest.id is not None
    before = await leaderboards.source_snapshots(
        session,
        leaderboard_id=board.id,
        source=latest.source,
        on_or_before=latest.as_of - dt.timedelta(days=1),
        limit=1,
    )
    if not before or before[0].id is None:
        return None
    return BoardNews(
        board=board,
        snapshot=latest,
        entries=await leaderboards.snapshot_entries(session, snapshot_id=latest.id),
        previous=await leaderboards.snapshot_entries(session, snapshot_id=before[0].id),
    )


async def latest_board_news(session: AsyncSession) -> list[BoardNews]:
    """Return, for each board, its newest snapshot fetched between issues, with its predecessor."""
    found = []
    for board in await leaderboards.list_leaderboards(session):
        assert board.id is not None
        newest = await leaderboards.source_snapshots(
            session, leaderboard_id=board.id, exclude_source=ISSUE_SOURCE, limit=1
        )
        if newest:
            news = await _news(session, board, newest[0])
            if news is not None:
                found.append(news)
    return found


async def board_news(session: AsyncSession, *, key: str) -> BoardNews | None:
    """Return the news an alert delivery key names, or None when it is gone."""
    slug, _, rest = key.removeprefix(PREFIX).partition(":")
    day, _, source = rest.partition(":")
    board = await leaderboards.get_leaderboard(session, slug=slug)
    if board is None or board.id is None:
        return None
    try:
        as_of = dt.date.fromisoformat(day)
    except ValueError:
        return None
    for snapshot in await leaderboards.source_snapshots(
        session, leaderboard_id=board.id, source=source, on_or_before=as_of, limit=1
    ):
        if snapshot.as_of == as_of:
            return await _news(session, board, snapshot)
    return None


def compose_alert(news: BoardNews, settings: DigestSettings, *, public_url: str) -> Reply:
    """Return the alert post about a board's news, for a channel with these choices."""
    changes = news.changes(settings)
    items = tuple(Item(title=change.describe(settings.alert_top_n)) for change in changes)
    return Reply(
        title=f"{news.board.name} — {news.snapshot.as_of.isoformat()}",
        blocks=(ItemList(items),),
        url=page_link(public_url, f"/leaderboards/{news.board.slug}"),
        footer=f"Leaderboard alert · {describe_choices(settings)}",
    )
