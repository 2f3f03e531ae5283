"""Hot write statements run on the driver's cursor, compiled once per database.

Running a Core statement costs SQLAlchemy's per-statement work (cache key, execution
context, result set-up; ~25 µs), more than SQLite takes to insert a handful of rows. A
run's record is always the same few statements, so each is compiled by SQLAlchemy once
per dialect and column set (its SQL text, quoting, casts and paramstyle are SQLAlchemy's)
and then handed to the driver with all its rows in one ``executemany``. It runs in the
caller's transaction, and a driver error is raised as the SQLAlchemy error
``Connection.execute`` would raise (IntegrityError, DataError, OperationalError…), so
``Database.transact`` retries, rolls back and reports it the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

# (dialect, paramstyle, statement, keys) -> (SQL text, bind names in order, or None: named)
_compiled: dict[tuple[Any, ...], tuple[str, tuple[str, ...] | None]] = {}


def execute(c: Connection, statement: Any, rows: Sequence[dict]) -> int:
    """Run ``statement`` (a Core statement built once, at module level or cached) for each
    of ``rows`` (dicts with the same keys: column names or bind names); the rows changed."""
    if not rows:
        return 0
    sql, order = _compile(c, statement, tuple(rows[0]))
    return execute_sql(c, sql, rows if order is None else
                       [tuple(row[k] for k in order) for row in rows])


def execute_sql(c: Connection, sql: str, params: Sequence[Any] = ((),)) -> int:
    """Run fixed SQL text (in the driver's paramstyle) once per parameter set."""
    dbapi = c.dialect.loaded_dbapi
    cursor = c.connection.dbapi_connection.cursor()
    try:
        if len(params) == 1:
            cursor.execute(sql, params[0])
        else:
            cursor.executemany(sql, params)
        return cursor.rowcount
    except dbapi.Error as e:
        raise DBAPIError.instance(sql, params, e, dbapi.Error, dialect=c.dialect) from e
    finally:
        cursor.close()


def _compile(c: Connection, statement: Any, keys: tuple[str, ...]) -> tuple[str, Any]:
    dialect = c.dialect
    key = (dialect.name, dialect.paramstyle, statement, keys)
    found = _compiled.get(key)
    if found is None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        found = (compiled.string, tuple(compiled.positiontup) if compiled.positional else None)
        _compiled[key] = found
    return found
