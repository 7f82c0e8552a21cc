"""Prebuilt reads run straight on a pooled DB-API connection, for the hottest read paths.

A `Read` is a Core select compiled once per dialect. Running it checks a connection out of the
engine's pool, makes the DB-API calls any caller makes (cursor, execute, fetchall, close), ends
the read with a rollback and checks the connection back in, all in one greenlet; rows come back
as plain tuples with the columns' types applied. SQLAlchemy's connection, execution context and
result objects are skipped (on SQLite they cost several times what a small read does), and with
them its events and echo logging: for anything but a hot read, use a Session.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util.concurrency import greenlet_spawn

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

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._compiled: weakref.WeakKeyDictionary[Dialect, _Compiled] = weakref.WeakKeyDictionary()

    def compiled(self, dialect: Dialect) -> _Compiled:
        """Return the statement's SQL, parameter order and type processors for `dialect`."""
        found = self._compiled.get(dialect)
        if found is None:
            found = self._compiled[dialect] = _compile(self.statement, dialect)
        return found

    async def all(self, engine: AsyncEngine, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Return every row of the statement run with `params`."""
        compiled = self.compiled(engine.dialect)
        values = []
        for name, process in zip(compiled.names, compiled.binds, strict=True):
            value = params[name] if name in params else compiled.fixed[name]
            values.append(value if process is None else process(value))
        arguments: Any = (
            tuple(values) if compiled.positional else dict(zip(compiled.names, values, strict=True))
        )
        rows, description = await greenlet_spawn(_fetch, engine, compiled.sql, arguments)
        if compiled.results is None:
            compiled.results = _result_processors(self.statement, engine.dialect, description)
        if not compiled.results:
            return [tuple(row) for row in rows]
        found = []
        for row in rows:
            cells = list(row)
            for index, process in compiled.results:
                cells[index] = process(cells[index])
            found.append(tuple(cells))
        return found


def _compile(statement: Select[Any], dialect: Dialect) -> _Compiled:
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
    statement: Select[Any], dialect: Dialect, description: Any
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


def _fetch(engine: AsyncEngine, sql: str, arguments: Any) -> tuple[list[Any], Any]:
    """Run one statement on a pooled connection and end its transaction (in a greenlet)."""
    connection = engine.sync_engine.raw_connection()
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
