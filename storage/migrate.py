"""Alembic migrations, run from the service itself."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from storage.engine import Database

_MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant works; it only has to be the same in every process of the service.
_PG_LOCK_ID = 0x1F0_2EB0


def alembic_config() -> Config:
    """Return the Alembic configuration, pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def head_revision() -> str | None:
    """Return the newest migration's revision."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def current_revision(db: Database) -> str | None:
    """Return the revision the database is at, or None when it has never been migrated."""
    async with db.engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def upgrade(db: Database, revision: str = "head") -> None:
    """Upgrade the database to `revision`; several processes may call this at once."""
    async with db.engine.begin() as conn:
        await conn.run_sync(_upgrade, revision)


async def ensure_schema(db: Database) -> bool:
    """Upgrade the database when it is behind; return whether anything ran."""
    if await current_revision(db) == head_revision():
        return False
    await upgrade(db)
    return True


def _upgrade(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        # Serialise concurrent upgrades (release phase and workers starting together).
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
