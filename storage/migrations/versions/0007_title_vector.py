"""PostgreSQL: a GIN index of the titles' words, so a search ranks the papers that name the word.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

from storage.search import TITLE_INDEX, TITLE_INDEX_DROP

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite's FTS5 ranks from its own index; only PostgreSQL reads each match's tsvector to rank.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TITLE_INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TITLE_INDEX_DROP)
