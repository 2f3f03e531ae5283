"""Hot write statements run on the driver's connection, compiled once per database.

Running a Core statement costs SQLAlchemy's per-statement work (cache key, execution
context, result set-up; ~25 µs), more than SQLite takes to insert a handful of rows. A
run's record is always the same few statements, so each is compiled by SQLAlchemy once
per dialect and column set (its SQL text, quoting, casts and paramstyle are SQLAlchemy's)
and then handed to the driver with all its rows in one ``executemany``. A driver error is
raised as the SQLAlchemy error ``Connection.execute`` would raise (IntegrityError,
DataError, OperationalError…), so ``Database`` retries, rolls back and reports it the same
way on either path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError

# (dialect, paramstyle, statement, keys) -> (SQL text, a row's values in order, or None:
# the driver takes the row itself, by name)
_compiled: dict[tuple[Any, ...], tuple[str, Callable[[dict], tuple] | None]] = {}


class Writer:
    """A write transaction's driver connection and its dialect."""

    def __init__(self, dbapi_connection: Any, dialect: Dialect):
        self.dbapi_connection = dbapi_connection
        self.dialect = dialect

    @classmethod
    def of(cls, c: Connection) -> Writer:
        """The driver connection under a SQLAlchemy Connection, in its transaction."""
        return cls(c.connection.dbapi_connection, c.dialect)

    def execute(self, statement: Any, rows: Sequence[dict]) -> int:
        """Run ``statement`` (a Core statement built once, at module level or cached) for
        each of ``rows`` (dicts with the same keys: column or bind names); rows changed."""
        if not rows:
            return 0
        sql, order = self._compile(statement, tuple(rows[0]))
        return self.execute_sql(sql, rows if order is None else list(map(order, rows)))

    def fetch(self, statement: Any, params: dict) -> list[tuple]:
        """The rows a SELECT (built once, as for ``execute``) returns for ``params``."""
        sql, order = self._compile(statement, tuple(params))
        return self._run(sql, [params if order is None else order(params)], fetch=True)

    def execute_sql(self, sql: str, params: Sequence[Any] = ((),)) -> int:
        """Run SQL text (in the driver's paramstyle) once per parameter set."""
        return self._run(sql, params, fetch=False)

    def _run(self, sql: str, params: Sequence[Any], fetch: bool) -> Any:
        cursor = self.dbapi_connection.cursor()
        try:
            if len(params) == 1:
                cursor.execute(sql, params[0])
            else:
                cursor.executemany(sql, params)
            return cursor.fetchall() if fetch else cursor.rowcount
        except self.dialect.loaded_dbapi.Error as e:
            raise self.translated(e, sql, params) from e
        finally:
            cursor.close()

    def commit(self) -> None:
        try:
            self.dbapi_connection.commit()
        except self.dialect.loaded_dbapi.Error as e:
            raise self.translated(e, "COMMIT", ()) from e

    def translated(self, e: Exception, sql: str, params: Any) -> Exception:
        return DBAPIError.instance(sql, params, e, self.dialect.loaded_dbapi.Error,
                                   dialect=self.dialect)

    def _compile(self, statement: Any, keys: tuple[str, ...]) -> tuple[str, Any]:
        dialect = self.dialect
        key = (dialect.name, dialect.paramstyle, statement, keys)
        found = _compiled.get(key)
        if found is None:
            compiled = statement.compile(dialect=dialect, column_keys=list(keys))
            order = _in_order(compiled.positiontup) if compiled.positional else None
            found = (compiled.string, order)
            _compiled[key] = found
        return found


def _in_order(names: Sequence[str]) -> Callable[[dict], tuple]:
    """A row's values in the order of a positional statement's parameters, as a tuple."""
    if len(names) > 1:
        return itemgetter(*names)
    return lambda row: tuple(row[name] for name in names)
