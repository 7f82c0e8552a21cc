"""The async engine and sessions for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.util.concurrency import greenlet_spawn
from sqlmodel.ext.asyncio.session import AsyncSession

from config.database_url import normalise_database_url

P = ParamSpec("P")
T = TypeVar("T")
# Threads (each with its own connection) that run SQLite reads: readers never wait on each
# other in WAL mode, and a few suffice for a chat bot's and a feed server's reads.
READ_THREADS = 4


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets feed readers read while an import writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_reader_pragmas(dbapi_connection: Any, record: Any) -> None:
    _sqlite_pragmas(dbapi_connection, record)
    # A read's connection can never write, whatever a read function does by mistake.
    dbapi_connection.execute("PRAGMA query_only=ON")
    # sqlite3 begins transactions only before writes, so each select would see the database as
    # it is at that moment: the reader begins its own (below), and a read sees one snapshot.
    dbapi_connection.isolation_level = None


def _sqlite_reader_begin(conn: Connection) -> None:
    conn.connection.driver_connection.execute("BEGIN")  # type: ignore[union-attr]


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create the async engine for `url`, any accepted spelling of it."""
    url = normalise_database_url(url)
    # Every connection is used through a Session or a Connection, and both end their transaction
    # (commit or rollback) before handing it back; the pool's own rollback on return would be a
    # second one, a round trip (a thread hop on aiosqlite) on every read for nothing.
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": 30}, pool_reset_on_return=None
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True, pool_reset_on_return=None)


def create_reader(url: str, *, echo: bool = False) -> Engine | None:
    """Create the synchronous engine that runs reads of a SQLite file, or None for any other."""
    parsed = make_url(normalise_database_url(url))
    database = parsed.database or ""
    in_memory = database in {"", ":memory:"} or parsed.query.get("mode") == "memory"
    if parsed.get_backend_name() != "sqlite" or in_memory:
        return None
    engine = create_sync_engine(
        parsed.set(drivername="sqlite+pysqlite"),
        echo=echo,
        connect_args={"timeout": 30},
        pool_size=READ_THREADS,
        pool_reset_on_return=None,
    )
    event.listen(engine, "connect", _sqlite_reader_pragmas)
    event.listen(engine, "begin", _sqlite_reader_begin)
    return engine


def _in_session(engine: Engine, fn: Callable[[Session], T]) -> T:
    # Closing the session ends its transaction: a read leaves nothing behind.
    with Session(engine) as session:
        return fn(session)


class Database:
    """An engine and its session factory: what every part of the service is handed."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.engine = create_engine(url, echo=echo)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        self._reader = create_reader(url, echo=echo)
        self._threads: ThreadPoolExecutor | None = None

    @property
    def dialect(self) -> str:
        """Return the dialect's name: `sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """Open a session for reading; nothing is committed."""
        async with self._sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Open a session whose work is committed together or rolled back together."""
        async with self._sessions() as session, session.begin():
            yield session

    async def run_sync(
        self, fn: Callable[Concatenate[Engine, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Return `fn(engine, ...)`, which may make blocking calls to a synchronous engine.

        On a SQLite file `fn` runs whole in one of the read threads, on the reader's own
        connections, which can only read: aiosqlite would hop to its thread and back for every
        driver call (four per statement). Elsewhere it runs in a greenlet over the async engine.
        """
        if self._reader is None:
            return await greenlet_spawn(
                functools.partial(fn, self.engine.sync_engine, *args, **kwargs)
            )
        if self._threads is None:
            self._threads = ThreadPoolExecutor(READ_THREADS, thread_name_prefix="sqlite-read")
        call = functools.partial(fn, self._reader, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._threads, call)

    async def read(
        self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Return `fn(session, ...)` run in a read of its own, in one go (see `run_sync`).

        The session sees the database as it was when it first read; it cannot write on SQLite.
        """

        def bound(session: Session) -> T:
            return fn(session, *args, **kwargs)

        return await self.run_sync(_in_session, bound)

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
        if self._threads is not None:
            # A read still running finishes on its own; no new one starts on these threads.
            self._threads.shutdown(wait=False)
            self._threads = None
        if self._reader is not None:
            self._reader.dispose()
