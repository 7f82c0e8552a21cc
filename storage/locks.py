"""Work that one process at a time should do, whichever process it is."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text

from storage.engine import Database


def _lock_id(name: str) -> int:
    # PostgreSQL's advisory locks take a bigint: a stable one from the name.
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@asynccontextmanager
async def exclusive(db: Database, name: str) -> AsyncIterator[bool]:
    """Yield whether this process holds the lock `name` (another may be doing the work).

    On PostgreSQL a session advisory lock is held on one connection for the duration; SQLite's
    database belongs to one machine's processes, where doing the work twice costs little, so
    there it is always granted.
    """
    if db.dialect != "postgresql":
        yield True
        return
    lock = _lock_id(name)
    async with db.engine.connect() as conn:
        held = bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:id)"), {"id": lock}))
        try:
            yield held
        finally:
            if held:
                await conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": lock})
            # End the transaction the statements began: the pool hands connections on as they are.
            await conn.commit()
