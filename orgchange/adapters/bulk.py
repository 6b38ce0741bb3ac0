"""Many rows into one table at once: the driver's own bulk path, without per-row ORM work.

SQLAlchemy's executemany builds a dictionary of bound parameters per row before
it hands the rows to the driver; for the read models of a file of 200,000
changes that costs more than the database's own work. Here every value is
converted once by its column type's own bind processor (so it is stored exactly
as SQLAlchemy would store it) and the rows go to the driver as tuples: by its
executemany, or on PostgreSQL by COPY, the bulk load PostgreSQL is built for.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Boolean, Connection, Date, DateTime, Table
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    import psycopg


def bulk_insert(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]], ready: Collection[str] = ()
) -> None:
    """Insert `rows` (all with the same keys, which name columns of `table`).

    Values of the columns named in `ready` are already as the driver takes them.
    """
    if not rows:
        return
    dialect = connection.dialect
    names = list(rows[0])
    processors = [None if name in ready else _converter(table.c[name].type, dialect) for name in names]
    converting = [(i, processor) for i, processor in enumerate(processors) if processor is not None]
    values: list[tuple[Any, ...]] = []
    for row in rows:
        row_values = [row[name] for name in names]
        for i, processor in converting:
            row_values[i] = processor(row_values[i])
        values.append(tuple(row_values))
    preparer = dialect.identifier_preparer
    target = f"{preparer.format_table(table)} ({', '.join(preparer.quote(name) for name in names)})"
    if dialect.name == "postgresql":
        statement = f"COPY {target} FROM STDIN"
        # The caller's, so in its transaction; on postgresql+psycopg, psycopg's own connection.
        raw = cast("psycopg.Connection[Any]", connection.connection.dbapi_connection)
        try:
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for value_row in values:
                    copy.write_row(value_row)
        except dialect.loaded_dbapi.Error as error:  # as SQLAlchemy would say it (IntegrityError, …)
            raise DBAPIError.instance(
                statement, None, error, dialect.loaded_dbapi.Error, dialect=dialect
            ) from error
        return
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(f"INSERT INTO {target} VALUES ({', '.join([marker] * len(names))})", values)


MEMO_LIMIT = 100_000  # distinct values remembered per column type and database dialect


@lru_cache(maxsize=256)
def _converter(column_type: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """The column type's own bind processor, once per distinct value (a rebuild's rows share
    their days and their instant); on SQLite a day or an instant then also as the sqlite3
    driver would adapt it (to ISO text), which the driver would otherwise do for every row."""
    processor = column_type.bind_processor(dialect)
    impl = getattr(column_type, "impl_instance", column_type)
    adapting = dialect.name == "sqlite" and isinstance(impl, Date | DateTime)
    if not adapting and (processor is None or not isinstance(impl, Date | DateTime | Boolean)):
        return processor
    done: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return done[value]
        except KeyError:
            pass
        converted = processor(value) if processor is not None else value
        if adapting and converted is not None:
            converted = sqlite3.adapt(converted, sqlite3.PrepareProtocol)
        if len(done) >= MEMO_LIMIT:
            done.clear()
        done[value] = converted
        return converted

    return convert
