"""Migrations build the schema the tables describe, on every backend."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import storage.tables  # noqa: F401
from storage import Database
from storage.migrate import current_revision, ensure_schema, head_revision, upgrade
from storage.search import SEARCH_OBJECTS, search_papers


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


async def _papers_before_0004_are_indexed(url: str) -> None:
    db = Database(url)
    try:
        await upgrade(db, "0003")
        async with db.engine.begin() as conn:
            for number in range(6):
                await conn.execute(
                    text(
                        "INSERT INTO paper (key, title_key, title, abstract, links, "
                        "first_seen_at, updated_at) VALUES (:key, :key, :title, :abstract, '{}', "
                        "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                    ),
                    {
                        "key": f"k{number}",
                        "title": f"Routing study {number}",
                        "abstract": "Routing tokens to experts." if number % 2 else "Plain text.",
                    },
                )
        await upgrade(db)
        async with db.session() as session:
            conn = await session.connection()
            df = (
                await conn.execute(text("SELECT df FROM search_term WHERE term = 'rout'"))
            ).scalar_one()
            hits = await search_papers(session, query="experts", limit=5)
        assert df == 6
        assert sorted(hit.paper.title for hit in hits) == [
            "Routing study 1",
            "Routing study 3",
            "Routing study 5",
        ]
    finally:
        await db.dispose()


async def test_revision_0004_indexes_papers_stored_before_it(tmp_path: Path) -> None:
    await _papers_before_0004_are_indexed(f"sqlite:///{tmp_path / 'old.db'}")


async def test_revision_0004_indexes_papers_stored_before_it_on_postgres(
    empty_postgres_url: str,
) -> None:
    await _papers_before_0004_are_indexed(empty_postgres_url)
