"""The stored model: issues, papers, leaderboards, snapshots, entries, models, subscriptions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def utcnow() -> dt.datetime:
    """Return the current time, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def _timestamp(**kwargs: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, **kwargs)


class Issue(SQLModel, table=True):
    """One dated issue of the report."""

    __tablename__ = "issue"

    id: int | None = Field(default=None, primary_key=True)
    date: dt.date = Field(unique=True, nullable=False)
    title: str
    author: str
    editorial: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = _timestamp()
    updated_at: dt.datetime = _timestamp()


class Paper(SQLModel, table=True):
    """A research paper, identified by its arXiv id when known, else by its normalised title."""

    __tablename__ = "paper"
    # Only papers without an arXiv id are ever looked up by title (to adopt the id a source
    # reports): indexing the rest would cost every import a random insert per paper (0008).
    __table_args__ = (
        Index(
            "ix_paper_title_key",
            "title_key",
            sqlite_where=text("arxiv_id IS NULL"),
            postgresql_where=text("arxiv_id IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=64)
    arxiv_id: str | None = Field(default=None, unique=True, max_length=32)
    title_key: str
    title: str
    category: str | None = Field(default=None, index=True, max_length=32)
    abstract: str = ""
    links: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    first_seen_at: dt.datetime = _timestamp(index=True)
    updated_at: dt.datetime = _timestamp()


class IssuePaper(SQLModel, table=True):
    """A paper as featured in an issue, in the issue's order."""

    __tablename__ = "issue_paper"

    issue_id: int = Field(
        sa_column=Column(Integer, ForeignKey("issue.id", ondelete="CASCADE"), primary_key=True)
    )
    paper_id: int = Field(
        sa_column=Column(Integer, ForeignKey("paper.id", ondelete="CASCADE"), primary_key=True)
    )
    position: int


class Leaderboard(SQLModel, table=True):
    """A benchmark table the report follows."""

    __tablename__ = "leaderboard"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=64)
    name: str
    description: str = ""


class LeaderboardSnapshot(SQLModel, table=True):
    """A leaderboard as published on one date by one source."""

    __tablename__ = "leaderboard_snapshot"
    __table_args__ = (UniqueConstraint("leaderboard_id", "as_of", "source"),)

    id: int | None = Field(default=None, primary_key=True)
    leaderboard_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("leaderboard.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    as_of: dt.date = Field(index=True)
    source: str = Field(max_length=64)
    created_at: dt.datetime = _timestamp()
    updated_at: dt.datetime = _timestamp()


class Model(SQLModel, table=True):
    """A model under its canonical name."""

    __tablename__ = "model"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    key: str = Field(unique=True, max_length=200)


class ModelAlias(SQLModel, table=True):
    """Another name under which a model appears, joined to its canonical entry."""

    __tablename__ = "model_alias"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)
    model_id: int = Field(
        sa_column=Column(Integer, ForeignKey("model.id", ondelete="CASCADE"), nullable=False)
    )


class LeaderboardEntry(SQLModel, table=True):
    """One row of a snapshot."""

    __tablename__ = "leaderboard_entry"
    __table_args__ = (UniqueConstraint("snapshot_id", "model_id"),)

    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("leaderboard_snapshot.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    model_id: int = Field(
        sa_column=Column(Integer, ForeignKey("model.id"), nullable=False, index=True)
    )
    rank: int
    score: float
    tokens_per_second: int | None = None
    price_cents: int | None = None


class Subscription(SQLModel, table=True):
    """A channel's digest: when it comes, what it carries, and whether delivery is paused."""

    __tablename__ = "subscription"
    __table_args__ = (
        UniqueConstraint("platform", "channel_id"),
        Index("ix_subscription_platform_workspace_id", "platform", "workspace_id"),
        CheckConstraint("platform IN ('discord', 'slack')", name="ck_subscription_platform"),
        CheckConstraint(
            "schedule_kind IN ('daily', 'on-publish')", name="ck_subscription_schedule_kind"
        ),
        CheckConstraint(
            "schedule_kind <> 'daily' OR time_of_day IS NOT NULL",
            name="ck_subscription_daily_has_time",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    # The Discord guild or Slack team the channel belongs to.
    workspace_id: str = Field(default="", max_length=64)
    channel_id: str = Field(max_length=64)
    schedule_kind: str = Field(max_length=16)
    # Local wall time "HH:MM" in `timezone`; None when the digest comes on publish.
    time_of_day: str | None = Field(default=None, max_length=5)
    timezone: str = Field(default="UTC", max_length=64)
    sections: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    categories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    alert_boards: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    alert_top_n: int
    alert_score_threshold: float
    # Set by delivery when it gives up on a channel (removed, no permission), cleared on resume.
    paused_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    paused_reason: str | None = None
    created_by: str = Field(default="", max_length=64)
    # Issues dated up to this day are not sent on schedule: a new digest starts with the next issue.
    skip_through: dt.date | None = Field(default=None, nullable=True)
    created_at: dt.datetime = _timestamp()
    updated_at: dt.datetime = _timestamp()


class Delivery(SQLModel, table=True):
    """What a channel was sent for one issue or alert: the record that makes delivery exactly-once.

    `posted` holds the platform ids of the messages sent so far (the main post first, then the
    overflow in its thread) and `part_hashes` what each carried, so a resumed or corrected delivery
    edits, adds or removes only what differs. `in_doubt_since` is set just before a message is
    sent and cleared when its id is recorded: a delivery found with it set may have posted that
    message already, so the sender looks for it before sending again.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("subscription_id", "key"),
        Index("ix_delivery_status_next_attempt_at", "status", "next_attempt_at"),
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="ck_delivery_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("subscription.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # `issue:2026-03-31`: what was sent, once per subscription.
    key: str = Field(max_length=128)
    issue_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("issue.id", ondelete="SET NULL"), nullable=True),
    )
    status: str = Field(default="pending", max_length=16)
    due_at: dt.datetime = _timestamp()
    next_attempt_at: dt.datetime = _timestamp()
    attempts: int = 0
    last_error: str | None = None
    posted: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    part_hashes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    thread_id: str | None = Field(default=None, max_length=64)
    in_doubt_since: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    # The issue's `updated_at` the posted messages were made from; a newer one means a correction.
    content_version: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_expires_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    created_at: dt.datetime = _timestamp()
    updated_at: dt.datetime = _timestamp()


class RateBudget(SQLModel, table=True):
    """A shared request budget: the theoretical arrival time of the next request (GCRA)."""

    __tablename__ = "rate_budget"

    key: str = Field(primary_key=True, max_length=200)
    # Seconds since the epoch, on the database's clock, so processes on any host agree.
    tat: float = 0.0


class SourceState(SQLModel, table=True):
    """A fetched source's validators, schedule and health."""

    __tablename__ = "source_state"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    # Validators are only sent back to the URL they came from (dated URLs change daily).
    validator_url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_attempt_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    last_success_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    last_error: str | None = None
    last_error_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    consecutive_failures: int = 0
    next_attempt_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    # What the last good fetch stored, in a few words ("12 papers", "not modified").
    last_summary: str | None = None


class NewsItem(SQLModel, table=True):
    """A post from a lab's or a news site's feed, filed under "labs" or "wire"."""

    __tablename__ = "news_item"
    __table_args__ = (
        UniqueConstraint("source", "guid"),
        CheckConstraint("section IN ('labs', 'wire')", name="ck_news_item_section"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=100)
    section: str = Field(max_length=16, index=True)
    guid: str = Field(max_length=500)
    title: str
    url: str | None = None
    # Plain text: the feed's HTML with every tag dropped.
    summary: str = ""
    published_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    # When the post was last fetched with a change: feeds rebuild when it moves.
    fetched_at: dt.datetime = _timestamp()


class PaperSource(SQLModel, table=True):
    """A source that listed a paper, with its upvotes there when it counts them."""

    __tablename__ = "paper_source"

    paper_id: int = Field(
        sa_column=Column(Integer, ForeignKey("paper.id", ondelete="CASCADE"), primary_key=True)
    )
    source: str = Field(primary_key=True, max_length=100)
    upvotes: int | None = None
    first_seen_at: dt.datetime = _timestamp()
    last_seen_at: dt.datetime = _timestamp()


class SnapshotDetails(SQLModel, table=True):
    """What a fetched snapshot's numbers mean: the index version, the task window."""

    __tablename__ = "snapshot_details"

    snapshot_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("leaderboard_snapshot.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    # Artificial Analysis reweights its index; scores of different versions are not comparable.
    index_version: str | None = Field(default=None, max_length=32)
    window_start: dt.date | None = None
    window_end: dt.date | None = None
    n_tasks: int | None = None
    # Per model name: standard error of the score, and anything else the source gives.
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
