"""Alembic environment: runs on the connection the service hands it."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers the tables on the metadata)
from storage.search import SEARCH_OBJECTS

target_metadata = SQLModel.metadata


def include_object(obj: object, name: str | None, type_: str, *_: object) -> bool:
    """Leave the search index, which lives outside the ORM, to the migrations."""
    return name not in SEARCH_OBJECTS


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `inference-report db upgrade`")
context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()
