"""Appending many rows to one ledger table in the caller's transaction, at the driver's speed.

SQLAlchemy's executemany processes every parameter of every row through its own
machinery; for the tens of thousands of rows a batch records, that costs as much as the
database's work. On SQLite the rows are converted by the very bind processors of the
column types (so what is stored is exactly what SQLAlchemy would store) and handed to the
driver's `executemany` as tuples. Other databases use SQLAlchemy's executemany, which
sends multi-row INSERTs in pages ("insertmanyvalues") on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, object]]) -> None:
    """INSERT `rows` (dicts with the same keys; columns left out get no client default, so
    every row names every column it sets) into `table`, as one executemany."""
    if not rows:
        return
    keys = list(rows[0])
    unnamed_defaults = any(c.default is not None for c in table.c if c.key not in keys)
    if conn.dialect.name != "sqlite" or unnamed_defaults:
        conn.execute(table.insert(), list(rows))
        return
    for row in rows:
        if len(row) != len(keys) or any(k not in row for k in keys):
            raise ValueError(f"rows for {table.name} name different columns")
    convert: list[Callable[[Any], Any] | None] = [
        table.c[k].type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for k in keys
    ]
    statement = str(table.insert().compile(dialect=conn.dialect, column_keys=keys))
    if all(c is None for c in convert):
        params = [tuple(row[k] for k in keys) for row in rows]
    else:
        pairs = list(zip(keys, convert, strict=True))
        params = [
            tuple(row[k] if c is None or row[k] is None else c(row[k]) for k, c in pairs)
            for row in rows
        ]
    conn.exec_driver_sql(statement, params)
