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

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.exc import DBAPIError

CHUNK_ROWS = 10_000  # rows handed to the driver at once: a batch's rows are never all built


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, object]]) -> None:
    """INSERT `rows` (dicts naming the same columns) into `table`, in one go."""
    if not rows:
        return
    keys = list(rows[0])
    for row in rows:
        if len(row) != len(keys) or any(k not in row for k in keys):
            raise ValueError(f"rows for {table.name} name different columns")
    insert_tuples(conn, table, keys, [tuple(row[k] for k in keys) for row in rows])


def insert_tuples(
    conn: Connection,
    table: Table,
    keys: Sequence[str],
    rows: Iterable[tuple[object, ...]],
    same: Mapping[str, object] | None = None,
) -> None:
    """INSERT `rows` (tuples of the columns `keys`, in that order) into `table`, in one go;
    `same` holds the columns whose value is the same on every row (the batch, its time
    stamp), converted once. `rows` may be an iterator: they are converted and handed to the
    driver `CHUNK_ROWS` at a time (COPY streams them all), so a million rows are never all
    held as parameters."""
    same = dict(same or {})
    columns = [*keys, *same]
    if len(set(columns)) != len(columns):
        raise ValueError(f"rows for {table.name} name a column twice")
    rows = _of_length(rows, len(keys), table.name)
    unnamed_defaults = any(c.default is not None for c in table.c if c.key not in columns)
    dialect = conn.dialect
    if unnamed_defaults or (dialect.name, dialect.driver) not in (
        ("sqlite", "pysqlite"),
        ("postgresql", "psycopg"),
    ):
        for chunk in _chunks(rows):
            conn.execute(
                table.insert(),
                [dict(zip(columns, (*row, *same.values()), strict=True)) for row in chunk],
            )
        return
    params = _tuples(conn, table, keys, rows, same)
    if dialect.name == "sqlite":
        # named in the order the tuples hold them (a compiled INSERT follows the table's)
        quote = dialect.identifier_preparer.quote
        statement = (
            f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})"
        )
        for chunk in _chunks(params):
            conn.exec_driver_sql(statement, chunk)
    else:
        first = next(params, None)
        if first is not None:
            _copy(conn, table, columns, itertools.chain((first,), params))


def _of_length(
    rows: Iterable[tuple[object, ...]], width: int, name: str
) -> Iterator[tuple[object, ...]]:
    for row in rows:
        if len(row) != width:
            raise ValueError(f"rows for {name} name different columns")
        yield row


def _chunks(rows: Iterator[tuple[object, ...]]) -> Iterator[list[tuple[object, ...]]]:
    """`rows` in lists of at most `CHUNK_ROWS` (none when there are no rows)."""
    while chunk := list(itertools.islice(rows, CHUNK_ROWS)):
        yield chunk


def _processor(conn: Connection, table: Table, key: str) -> Callable[[Any], Any] | None:
    """The bind processor SQLAlchemy would apply to values of the column `key`."""
    impl = table.c[key].type.dialect_impl(conn.dialect)
    return impl.bind_processor(conn.dialect)


def _tuples(
    conn: Connection,
    table: Table,
    keys: Sequence[str],
    rows: Iterator[tuple[object, ...]],
    same: Mapping[str, object],
) -> Iterator[tuple[object, ...]]:
    """The driver's parameters, row by row: each row's values converted as SQLAlchemy
    converts them, then the values every row shares, converted once."""
    tail = tuple(
        v if v is None or (c := _processor(conn, table, k)) is None else c(v)
        for k, v in same.items()
    )
    convert = [
        (i, _dates_once(c))
        for i, k in enumerate(keys)
        if (c := _processor(conn, table, k)) is not None
    ]
    if not convert:
        return (row + tail for row in rows) if tail else rows
    return _converted(rows, convert, tail)


def _converted(
    rows: Iterator[tuple[object, ...]],
    convert: list[tuple[int, Callable[[Any], Any]]],
    tail: tuple[object, ...],
) -> Iterator[tuple[object, ...]]:
    for row in rows:
        values = list(row)
        for i, c in convert:
            if values[i] is not None:
                values[i] = c(values[i])
        values.extend(tail)
        yield tuple(values)


def _dates_once(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`convert`, run once per distinct date: a batch's rows share a few dozen dates. Only
    values of the exact type `date` are remembered: their text depends on the date alone,
    whereas two equal datetimes may be written differently (the same instant in two zones)."""
    done: dict[date, Any] = {}

    def once(value: Any) -> Any:
        if type(value) is not date:
            return convert(value)
        text = done.get(value)
        if text is None:
            text = done[value] = convert(value)
        return text

    return once


def _copy(
    conn: Connection, table: Table, keys: Sequence[str], params: Iterable[tuple[object, ...]]
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
