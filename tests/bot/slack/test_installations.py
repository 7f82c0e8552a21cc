"""The migrations make exactly the tables slack_sdk's SQLAlchemy stores read and write."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import MetaData

from storage import Database


def _diff(metadata: MetaData) -> Any:
    wanted = set(metadata.tables)

    def include(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
        if type_ == "table":
            return name in wanted
        table = getattr(obj, "table", None)
        return table is None or table.name in wanted

    def run(sync_conn: Any) -> Any:
        context = MigrationContext.configure(sync_conn, opts={"include_object": include})
        return compare_metadata(context, metadata)

    return run


async def test_the_migrated_tables_match_the_sdks_definitions(db: Database) -> None:
    installations = AsyncSQLAlchemyInstallationStore(client_id="c", engine=db.engine)
    states = AsyncSQLAlchemyOAuthStateStore(expiration_seconds=60, engine=db.engine)
    assert set(installations.metadata.tables) == {"slack_bots", "slack_installations"}
    async with db.engine.connect() as conn:
        assert await conn.run_sync(_diff(installations.metadata)) == []
        assert await conn.run_sync(_diff(states.metadata)) == []


async def test_an_installation_and_a_state_survive_a_new_store(db: Database) -> None:
    first = AsyncSQLAlchemyInstallationStore(client_id="c", engine=db.engine)
    await first.async_save(
        Installation(
            app_id="A1",
            team_id="T1",
            user_id="U1",
            bot_token="xoxb-T1-secret",
            bot_id="B1",
            bot_user_id="U0BOT",
            bot_scopes="commands,chat:write",
        )
    )
    state = await AsyncSQLAlchemyOAuthStateStore(
        expiration_seconds=60, engine=db.engine
    ).async_issue()
    # Another process (or the same one restarted) reads them from the database.
    again = AsyncSQLAlchemyInstallationStore(client_id="c", engine=db.engine)
    bot = await again.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxb-T1-secret"
    states = AsyncSQLAlchemyOAuthStateStore(expiration_seconds=60, engine=db.engine)
    assert await states.async_consume(state) is True
    assert await states.async_consume(state) is False
