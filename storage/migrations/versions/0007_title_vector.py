"""PostgreSQL: titles' words indexed apart, and each paper's tsvector kept in its row.

A search ranks first the papers that name a word in their title (a GIN index of the titles finds
them), and ranking reads each candidate's tsvector: kept in the row (storage MAIN, the abstract
goes to TOAST instead), that is one page per paper rather than a TOAST index lookup and chunks.
Rows written before keep their layout until rewritten (VACUUM FULL paper), which is left to the
operator: it locks the table for as long as it copies it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

from storage.search import TITLE_INDEX, TITLE_INDEX_DROP

_VECTOR_STORAGE = "ALTER TABLE paper ALTER COLUMN search_vector SET STORAGE {}"

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite's FTS5 ranks from its own index; only PostgreSQL reads each match's tsvector to rank.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TITLE_INDEX)
        op.execute(_VECTOR_STORAGE.format("MAIN"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_VECTOR_STORAGE.format("EXTENDED"))
        op.execute(TITLE_INDEX_DROP)
