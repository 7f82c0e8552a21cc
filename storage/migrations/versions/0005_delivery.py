"""Digest delivery: a row per channel and issue, the shared rate budget, the new-digest watermark.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscription") as batch:
        batch.add_column(sa.Column("skip_through", sa.Date(), nullable=True))
    # Digests set up before delivery existed start with the next issue, not with a stale one.
    op.execute("UPDATE subscription SET skip_through = (SELECT max(date) FROM issue)")
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "subscription_id",
            sa.Integer(),
            sa.ForeignKey("subscription.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column(
            "issue_id", sa.Integer(), sa.ForeignKey("issue.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("posted", sa.JSON(), nullable=False),
        sa.Column("part_hashes", sa.JSON(), nullable=False),
        sa.Column("thread_id", sa.String(length=64), nullable=True),
        sa.Column("in_doubt_since", UTCDateTime(), nullable=True),
        sa.Column("content_version", UTCDateTime(), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("subscription_id", "key"),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="ck_delivery_status"),
    )
    op.create_index("ix_delivery_subscription_id", "delivery", ["subscription_id"])
    op.create_index("ix_delivery_status_next_attempt_at", "delivery", ["status", "next_attempt_at"])
    op.create_table(
        "rate_budget",
        sa.Column("key", sa.String(length=200), primary_key=True),
        sa.Column("tat", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rate_budget")
    op.drop_index("ix_delivery_status_next_attempt_at", table_name="delivery")
    op.drop_index("ix_delivery_subscription_id", table_name="delivery")
    op.drop_table("delivery")
    with op.batch_alter_table("subscription") as batch:
        batch.drop_column("skip_through")
