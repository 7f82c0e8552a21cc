"""What differs between SQLite and PostgreSQL, asked of the session."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession


def dialect_name(session: AsyncSession) -> str:
    """Return the name of the database the session talks to: `sqlite` or `postgresql`."""
    bind = session.bind
    if bind is None:
        raise RuntimeError("the session is not bound to an engine")
    return bind.dialect.name


def insert_for(session: AsyncSession, table: Any) -> Any:
    """Return an INSERT for `table` that supports `on_conflict_do_*` on the session's dialect."""
    if dialect_name(session) == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
