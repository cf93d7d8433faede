"""Appending many rows to one ledger table in the caller's transaction, at the driver's speed.

SQLAlchemy's executemany processes every parameter of every row through its own
machinery, and on PostgreSQL sends one INSERT per row; for the tens of thousands of rows a
batch records, that costs more than the database's own work. Here the rows are converted
by the very bind processors of the column types (so what is stored is what SQLAlchemy
would store) and handed to the driver: SQLite's `executemany`, PostgreSQL's `COPY ... FROM
STDIN` (psycopg), in the caller's transaction. Any other driver, or a table whose left-out
columns have client-side defaults, goes through SQLAlchemy's executemany.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.exc import DBAPIError


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, object]]) -> None:
    """INSERT `rows` (dicts naming the same columns) into `table`, in one go."""
    if not rows:
        return
    keys = list(rows[0])
    for row in rows:
        if len(row) != len(keys) or any(k not in row for k in keys):
            raise ValueError(f"rows for {table.name} name different columns")
    unnamed_defaults = any(c.default is not None for c in table.c if c.key not in keys)
    dialect = conn.dialect
    if unnamed_defaults or (dialect.name, dialect.driver) not in (
        ("sqlite", "pysqlite"),
        ("postgresql", "psycopg"),
    ):
        conn.execute(table.insert(), list(rows))
        return
    params = _tuples(conn, table, keys, rows)
    if dialect.name == "sqlite":
        statement = str(table.insert().compile(dialect=dialect, column_keys=keys))
        conn.exec_driver_sql(statement, list(params))
    else:
        _copy(conn, table, keys, params)


def _tuples(
    conn: Connection, table: Table, keys: list[str], rows: Sequence[Mapping[str, object]]
) -> Iterator[tuple[object, ...]]:
    convert: list[Callable[[Any], Any] | None] = [
        table.c[k].type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for k in keys
    ]
    if all(c is None for c in convert):
        return (tuple(row[k] for k in keys) for row in rows)
    pairs = list(zip(keys, convert, strict=True))
    return (
        tuple(row[k] if c is None or row[k] is None else c(row[k]) for k, c in pairs)
        for row in rows
    )


def _copy(
    conn: Connection, table: Table, keys: list[str], params: Iterator[tuple[object, ...]]
) -> None:
    """PostgreSQL's COPY FROM STDIN on the connection's own (psycopg) transaction; a
    driver error is raised as SQLAlchemy raises it, so callers translate it as usual."""
    import psycopg
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(k) for k in keys)
    )
    raw: Any = conn.connection.dbapi_connection
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for values in params:
                copy.write_row(values)
    except psycopg.Error as exc:
        raise DBAPIError.instance(
            f"COPY {table.name}", None, exc, psycopg.Error, dialect=conn.dialect
        ) from exc
