"""Title keys indexed only for papers without an arXiv id: the only papers looked up by title.

A source that reports an arXiv id for a paper known only by its title (from an issue) finds it by
title key among the papers without an id. Every other paper's entry was dead weight that a bulk
import paid for with a random B-tree insert per paper.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_WITHOUT_ID = sa.text("arxiv_id IS NULL")


def upgrade() -> None:
    op.drop_index("ix_paper_title_key", table_name="paper")
    op.create_index(
        "ix_paper_title_key",
        "paper",
        ["title_key"],
        sqlite_where=_WITHOUT_ID,
        postgresql_where=_WITHOUT_ID,
    )


def downgrade() -> None:
    op.drop_index("ix_paper_title_key", table_name="paper")
    op.create_index("ix_paper_title_key", "paper", ["title_key"])
