"""Issues, papers, leaderboards, snapshots, entries, models, and the paper search index.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.search import drop_index_ddl, index_ddl
from storage.types import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issue",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("date", sa.Date(), nullable=False, unique=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("editorial", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "paper",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(length=64), nullable=False, unique=True),
        sa.Column("arxiv_id", sa.String(length=32), nullable=True, unique=True),
        sa.Column("title_key", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("abstract", sa.String(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_paper_title_key", "paper", ["title_key"])
    op.create_index("ix_paper_category", "paper", ["category"])
    op.create_index("ix_paper_first_seen_at", "paper", ["first_seen_at"])
    op.create_table(
        "issue_paper",
        sa.Column(
            "issue_id",
            sa.Integer(),
            sa.ForeignKey("issue.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "paper_id",
            sa.Integer(),
            sa.ForeignKey("paper.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_table(
        "leaderboard",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(length=64), nullable=False, unique=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
    )
    op.create_table(
        "leaderboard_snapshot",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "leaderboard_id",
            sa.Integer(),
            sa.ForeignKey("leaderboard.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("leaderboard_id", "as_of", "source"),
    )
    op.create_index(
        "ix_leaderboard_snapshot_leaderboard_id", "leaderboard_snapshot", ["leaderboard_id"]
    )
    op.create_index("ix_leaderboard_snapshot_as_of", "leaderboard_snapshot", ["as_of"])
    op.create_table(
        "model",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False, unique=True),
    )
    op.create_table(
        "model_alias",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(length=200), nullable=False, unique=True),
        sa.Column(
            "model_id", sa.Integer(), sa.ForeignKey("model.id", ondelete="CASCADE"), nullable=False
        ),
    )
    op.create_table(
        "leaderboard_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "snapshot_id",
            sa.Integer(),
            sa.ForeignKey("leaderboard_snapshot.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("model_id", sa.Integer(), sa.ForeignKey("model.id"), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("tokens_per_second", sa.Integer(), nullable=True),
        sa.Column("price_cents", sa.Integer(), nullable=True),
        sa.UniqueConstraint("snapshot_id", "model_id"),
    )
    op.create_index("ix_leaderboard_entry_snapshot_id", "leaderboard_entry", ["snapshot_id"])
    op.create_index("ix_leaderboard_entry_model_id", "leaderboard_entry", ["model_id"])
    for statement in index_ddl(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_index_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    for table in (
        "leaderboard_entry",
        "model_alias",
        "model",
        "leaderboard_snapshot",
        "leaderboard",
        "issue_paper",
        "paper",
        "issue",
    ):
        op.drop_table(table)
