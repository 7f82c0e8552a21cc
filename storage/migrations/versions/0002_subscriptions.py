"""Channel digests: the subscription table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscription",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("schedule_kind", sa.String(length=16), nullable=False),
        sa.Column("time_of_day", sa.String(length=5), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("alert_boards", sa.JSON(), nullable=False),
        sa.Column("alert_top_n", sa.Integer(), nullable=False),
        sa.Column("alert_score_threshold", sa.Float(), nullable=False),
        sa.Column("paused_at", UTCDateTime(), nullable=True),
        sa.Column("paused_reason", sa.String(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("platform", "channel_id"),
        sa.CheckConstraint("platform IN ('discord', 'slack')", name="ck_subscription_platform"),
        sa.CheckConstraint(
            "schedule_kind IN ('daily', 'on-publish')", name="ck_subscription_schedule_kind"
        ),
        sa.CheckConstraint(
            "schedule_kind <> 'daily' OR time_of_day IS NOT NULL",
            name="ck_subscription_daily_has_time",
        ),
    )
    op.create_index(
        "ix_subscription_platform_workspace_id", "subscription", ["platform", "workspace_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_subscription_platform_workspace_id", table_name="subscription")
    op.drop_table("subscription")
