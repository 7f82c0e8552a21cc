"""Search statistics and champion lists beside the full-text index, filled from stored papers.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

from storage import search_index

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in search_index.DDL:
        op.execute(statement)
    # Papers stored before this revision are indexed now, in the migration's transaction.
    search_index.rebuild(op.get_bind())


def downgrade() -> None:
    for statement in search_index.DROP:
        op.execute(statement)
