"""Prebuilt reads run straight on a pooled DB-API connection, for the hottest read paths.

A `Read` is a Core select compiled once per dialect. Running it checks a connection out of the
pool, makes the DB-API calls any caller makes (cursor, execute, fetchall, close), ends the read
with a rollback and checks the connection back in, all in one `Database.run_sync` call (one
worker thread on SQLite); rows come back as plain tuples with the columns' types applied.
SQLAlchemy's connection, execution context and result objects are skipped (on SQLite they cost
several times what a small read does), and with them its events and echo logging: for anything
but a hot read, use a Session.
"""

from __future__ import annotations

import datetime as dt
import functools
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, Select, text
from sqlalchemy.engine import Dialect

from storage.engine import Database

Processor = Callable[[Any], Any] | None


@dataclass(slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    positional: bool
    binds: tuple[Processor, ...]
    # Values written into the statement itself (such as `column == 2`), by parameter name.
    fixed: dict[str, Any]
    # Known after the first run: a driver may say what type a column has only in its results.
    results: tuple[tuple[int, Callable[[Any], Any]], ...] | None = None


class Read:
    """A select compiled once per dialect whose rows are read without SQLAlchemy's execution."""

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        self.statement = statement
        self._compiled: weakref.WeakKeyDictionary[Dialect, _Compiled] = weakref.WeakKeyDictionary()

    def compiled(self, dialect: Dialect) -> _Compiled:
        """Return the statement's SQL, parameter order and type processors for `dialect`."""
        found = self._compiled.get(dialect)
        if found is None:
            found = self._compiled[dialect] = _compile(self.statement, dialect)
        return found

    async def all(self, db: Database, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Return every row of the statement run with `params`, in a read of its own."""
        return await db.run_sync(self._rows, params)

    def on(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Return every row of the statement run with `params` on `conn`, in its transaction."""
        if not conn.in_transaction():
            # Begun here so that closing `conn` ends what the driver may have begun.
            conn.begin()
        compiled = self.compiled(conn.dialect)
        cursor = conn.connection.cursor()
        try:
            cursor.execute(compiled.sql, self._arguments(compiled, params))
            found = list(cursor.fetchall())
            description = cursor.description
        finally:
            cursor.close()
        return self._typed(compiled, conn.dialect, found, description)

    def _rows(self, engine: Engine, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        compiled = self.compiled(engine.dialect)
        found, description = _fetch(engine, compiled.sql, self._arguments(compiled, params))
        return self._typed(compiled, engine.dialect, found, description)

    @staticmethod
    def _arguments(compiled: _Compiled, params: Mapping[str, Any]) -> Any:
        values = []
        for name, process in zip(compiled.names, compiled.binds, strict=True):
            value = params[name] if name in params else compiled.fixed[name]
            values.append(value if process is None else process(value))
        if compiled.positional:
            return tuple(values)
        return dict(zip(compiled.names, values, strict=True))

    def _typed(
        self, compiled: _Compiled, dialect: Dialect, found: list[Any], description: Any
    ) -> list[tuple[Any, ...]]:
        if compiled.results is None:
            compiled.results = _result_processors(self.statement, dialect, description)
        if not compiled.results:
            return [tuple(row) for row in found]
        typed = []
        for row in found:
            cells = list(row)
            for index, process in compiled.results:
                cells[index] = process(cells[index])
            typed.append(tuple(cells))
        return typed


def _compile(statement: Select[*tuple[Any, ...]], dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    # Expanding and literal-execute parameters change the SQL on every call: not prebuilt.
    if compiled.post_compile_params:
        raise ValueError("a Read cannot take expanding or literal-execute parameters")
    names = tuple(compiled.positiontup or compiled.binds)
    binds = tuple(
        compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    fixed = {name: bind.value for name, bind in compiled.binds.items() if bind.value is not None}
    return _Compiled(compiled.string, names, compiled.positional, binds, fixed)


def _result_processors(
    statement: Select[*tuple[Any, ...]], dialect: Dialect, description: Any
) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    """Return the conversions of the columns whose driver values are not yet Python's own."""
    found = []
    for index, (column, described) in enumerate(
        zip(statement.selected_columns, description, strict=True)
    ):
        process = column.type.dialect_impl(dialect).result_processor(dialect, described[1])
        if process is not None:
            found.append((index, process))
    return tuple(found)


def _fetch(engine: Engine, sql: str, arguments: Any) -> tuple[list[Any], Any]:
    """Run one statement on a pooled connection and end its transaction."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql, arguments)
            rows = list(cursor.fetchall())
            description = cursor.description
        finally:
            cursor.close()
        connection.rollback()
    except BaseException:
        # A connection that cannot even roll back is broken: the pool must not hand it out.
        try:
            connection.rollback()
        except Exception:
            connection.invalidate()
        raise
    finally:
        connection.close()
    return rows, description


def rows(conn: Connection, sql: str, params: Mapping[str, Any] | None = None) -> list[Any]:
    """Return every row of the textual `sql` (`:name` parameters) run on `conn`, in its transaction.

    On SQLite the statement goes straight to the DB-API cursor, which takes `:name` parameters
    as they are: SQLAlchemy's execution costs ten times what a small search statement does.
    Rows are tuples there and SQLAlchemy rows elsewhere: read them by position.
    """
    if conn.dialect.name != "sqlite":
        return list(conn.execute(text(sql), params or {}))
    values = dict(params or {})
    for name, value in values.items():
        if isinstance(value, dt.datetime):
            values[name] = _sqlite_datetime(conn.dialect)(value)
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, values)
        return list(cursor.fetchall())
    finally:
        cursor.close()


@functools.cache
def _sqlite_datetime(dialect: Dialect) -> Callable[[Any], Any]:
    # Stored the way SQLAlchemy writes them, so text comparisons order them in time.
    process = DateTime().dialect_impl(dialect).bind_processor(dialect)
    assert process is not None
    return process
