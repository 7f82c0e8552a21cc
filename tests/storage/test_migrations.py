"""Migrations build the schema the tables describe, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import storage.tables  # noqa: F401
from storage import Database
from storage.migrate import current_revision, ensure_schema, head_revision, upgrade
from storage.search import SEARCH_OBJECTS


def _include(obj: object, name: str | None, type_: str, *_: object) -> bool:
    # slack_*: slack_sdk's installation and OAuth state tables, not SQLModel tables (0003).
    return name not in SEARCH_OBJECTS and not (name or "").startswith(("paper_fts", "slack_"))


async def test_migrations_match_the_tables(db: Database) -> None:
    def diff(sync_conn: object) -> list[object]:
        context = MigrationContext.configure(
            sync_conn, opts={"include_object": _include, "compare_type": False}
        )
        return compare_metadata(context, SQLModel.metadata)

    async with db.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_ensure_schema_upgrades_an_empty_database_once(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        assert await current_revision(db) is None
        assert await ensure_schema(db) is True
        assert await current_revision(db) == head_revision()
        assert await ensure_schema(db) is False
    finally:
        await db.dispose()


async def test_upgrade_and_downgrade_round_trip_on_postgres(empty_postgres_url: str) -> None:
    db = Database(empty_postgres_url)
    try:
        await upgrade(db)
        assert await current_revision(db) == head_revision()
        await upgrade(db, "head")
        async with db.engine.connect() as conn:
            found = await conn.run_sync(
                lambda sync: sync.exec_driver_sql(
                    "SELECT count(*) FROM information_schema.columns "
                    "WHERE table_name = 'paper' AND column_name = 'search_vector'"
                ).scalar()
            )
        assert found == 1
    finally:
        await db.dispose()
