"""Group commit: the small writes of many deliveries under way, committed together.

Every message a delivery sends costs two writes (marked in doubt, then recorded); with hundreds a
second, one transaction each would make the database the bottleneck, SQLite's single writer
first. Writes queued while a transaction commits go together in the next one, so a busy moment
gets fewer, larger transactions and a quiet one commits at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import Database

T = TypeVar("T")
Work = Callable[[AsyncSession], Awaitable[Any]]


class GroupCommit:
    """Runs writes in shared transactions; each caller gets its own write's result."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._queued: list[tuple[Work, asyncio.Future[Any]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self.transactions = 0

    async def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `work` in the next transaction and return its result once committed."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queued.append((work, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._queued:
            batch, self._queued = self._queued, []
            try:
                async with self.db.transaction() as session:
                    results = [await work(session) for work, _ in batch]
            except Exception as error:
                # One bad write rolls back its batch: everyone in it is told, none is lost quietly.
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
            except BaseException as error:
                for _, future in batch:
                    if not future.done():
                        future.cancel()
                raise error
            else:
                self.transactions += 1
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
