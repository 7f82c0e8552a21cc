"""Sources: fetch state and health, news items, papers' sources, snapshot details.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=100), nullable=False, unique=True),
        sa.Column("validator_url", sa.String(), nullable=True),
        sa.Column("etag", sa.String(), nullable=True),
        sa.Column("last_modified", sa.String(), nullable=True),
        sa.Column("last_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_success_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("last_error_at", UTCDateTime(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_summary", sa.String(), nullable=True),
    )
    op.create_table(
        "news_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("section", sa.String(length=16), nullable=False),
        sa.Column("guid", sa.String(length=500), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("summary", sa.String(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.Column("fetched_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("source", "guid"),
        sa.CheckConstraint("section IN ('labs', 'wire')", name="ck_news_item_section"),
    )
    op.create_index("ix_news_item_section", "news_item", ["section"])
    op.create_index("ix_news_item_published_at", "news_item", ["published_at"])
    op.create_table(
        "paper_source",
        sa.Column(
            "paper_id",
            sa.Integer(),
            sa.ForeignKey("paper.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("source", sa.String(length=100), primary_key=True),
        sa.Column("upvotes", sa.Integer(), nullable=True),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "snapshot_details",
        sa.Column(
            "snapshot_id",
            sa.Integer(),
            sa.ForeignKey("leaderboard_snapshot.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("index_version", sa.String(length=32), nullable=True),
        sa.Column("window_start", sa.Date(), nullable=True),
        sa.Column("window_end", sa.Date(), nullable=True),
        sa.Column("n_tasks", sa.Integer(), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("snapshot_details")
    op.drop_table("paper_source")
    op.drop_index("ix_news_item_published_at", table_name="news_item")
    op.drop_index("ix_news_item_section", table_name="news_item")
    op.drop_table("news_item")
    op.drop_table("source_state")
