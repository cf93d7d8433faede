"""Rows appended by `insert_rows` are stored exactly as SQLAlchemy's own INSERT stores them,
on a real ledger (SQLite file and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, Select, select
from sqlalchemy.exc import IntegrityError

from voucher_batch.ledger import Ledger
from voucher_batch.ledger import schema as t
from voucher_batch.ledger.bulk import insert_rows, insert_tuples


def _batch(conn: object, n: int) -> None:
    conn.execute(  # type: ignore[attr-defined]
        t.batches.insert().values(
            id=n,
            kind="ingest",
            file_name=f"b{n}.xlsx",
            file_sha256="0" * 64,
            operator="ops.lead",
            business_date=date(2026, 11, 2),
            recorded_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
            counts="{}",
            seq=n,
        )
    )


def _customers(batch: int) -> list[dict[str, object]]:
    return [
        {
            "uin": f"10001234000{i}",
            "name": "Déjà vu, ünïcode" if i % 2 else f"Customer {i}",
            "bound_since": date(2025, 1, 1 + i) if i % 3 else None,
            "status": "bound",
            "batch_id": batch,
            # whole seconds and microseconds: stored text must not depend on either
            "recorded_at": datetime(2026, 11, 2, 9, 30, i % 2 * 5, i * 7, tzinfo=UTC),
        }
        for i in range(5)
    ]


def _both_batches(conn: Connection, read: Select[Any]) -> dict[int, list[tuple[Any, ...]]]:
    """The customer versions of batches 1 and 2 as `read` selects them; on SQLite, also the
    very text stored for their dates and time stamps must be the same in both."""
    cv = t.customer_versions
    if conn.dialect.name == "sqlite":
        raw = [
            conn.exec_driver_sql(
                "SELECT bound_since, recorded_at FROM customer_versions WHERE batch_id = ?"
                " ORDER BY id",
                (b,),
            ).all()
            for b in (1, 2)
        ]
        assert raw[0] == raw[1]
    return {b: [tuple(r) for r in conn.execute(read.where(cv.c.batch_id == b))] for b in (1, 2)}


def test_bulk_rows_read_back_as_sqlalchemy_rows(ledger_url: str) -> None:
    ledger = Ledger(ledger_url)
    ledger.init()
    with ledger.engine.begin() as conn:
        _batch(conn, 1)
        _batch(conn, 2)
        conn.execute(t.customer_versions.insert(), _customers(1))  # SQLAlchemy's way
        insert_rows(conn, t.customer_versions, _customers(2))  # the bulk way
        ev = t.customer_versions
        columns = [c for c in ev.c if c.key not in ("id", "batch_id")]
        by_batch = _both_batches(conn, select(*columns).order_by(ev.c.id))
        conn.rollback()
    assert by_batch[1] == by_batch[2] and len(by_batch[1]) == 5


def test_rows_naming_different_columns_are_refused(tmp_path: object) -> None:
    ledger = Ledger(f"{tmp_path}/ledger.sqlite3")
    ledger.init()
    rows = _customers(1)
    del rows[3]["name"]
    with ledger.engine.begin() as conn, pytest.raises(ValueError, match="different columns"):
        insert_rows(conn, t.customer_versions, rows)


def test_a_refused_row_raises_as_sqlalchemy_raises_it(ledger_url: str) -> None:
    """A row the database refuses (here: a batch that does not exist) fails the whole
    insert with SQLAlchemy's IntegrityError, which the ledger translates as usual."""
    ledger = Ledger(ledger_url)
    ledger.init()
    with ledger.engine.begin() as conn:
        _batch(conn, 1)
        rows = _customers(1)
        rows[-1]["batch_id"] = 999
        with pytest.raises(IntegrityError):
            insert_rows(conn, t.customer_versions, rows)
        conn.rollback()


def test_shared_values_are_stored_as_on_every_row(ledger_url: str) -> None:
    """`insert_tuples` with the batch and its time stamp given once (`same`) stores what
    SQLAlchemy's INSERT stores with them written on every row."""
    ledger = Ledger(ledger_url)
    ledger.init()
    keys = ("status", "bound_since", "uin", "name")  # not the table's order
    stamp = datetime(2026, 11, 2, 9, 30, 5, 123, tzinfo=UTC)
    with ledger.engine.begin() as conn:
        _batch(conn, 1)
        _batch(conn, 2)
        conn.execute(  # SQLAlchemy's way: every row names its batch and time stamp
            t.customer_versions.insert(),
            [{**row, "recorded_at": stamp} for row in _customers(1)],
        )
        insert_tuples(  # the bulk way: named once
            conn,
            t.customer_versions,
            keys,
            [tuple(row[k] for k in keys) for row in _customers(2)],
            same={"recorded_at": stamp, "batch_id": 2},
        )
        cv = t.customer_versions
        read = select(*[cv.c[k] for k in keys], cv.c.recorded_at).order_by(cv.c.id)
        stored = _both_batches(conn, read)
        conn.rollback()
    assert stored[1] == stored[2] and len(stored[1]) == 5


def test_rows_from_an_iterator_go_in_chunks_and_are_stored_alike(
    ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows given one by one (a generator) are handed to the driver a chunk at a time, the
    last chunk short; what is stored is what SQLAlchemy's INSERT stores, in order."""
    from voucher_batch.ledger import bulk

    monkeypatch.setattr(bulk, "CHUNK_ROWS", 2)
    ledger = Ledger(ledger_url)
    ledger.init()
    keys = ("uin", "name", "bound_since", "status")
    stamp = datetime(2026, 11, 2, 9, 30, 5, tzinfo=UTC)
    with ledger.engine.begin() as conn:
        _batch(conn, 1)
        _batch(conn, 2)
        conn.execute(
            t.customer_versions.insert(),
            [{**row, "recorded_at": stamp, "batch_id": 1} for row in _customers(1)],
        )
        insert_tuples(
            conn,
            t.customer_versions,
            keys,
            (tuple(row[k] for k in keys) for row in _customers(2)),
            same={"recorded_at": stamp, "batch_id": 2},
        )
        insert_tuples(conn, t.customer_versions, keys, iter(()), same={"batch_id": 2})
        cv = t.customer_versions
        read = select(*[cv.c[k] for k in keys], cv.c.recorded_at).order_by(cv.c.id)
        stored = _both_batches(conn, read)
        conn.rollback()
    assert stored[1] == stored[2] and len(stored[1]) == 5


def test_tuples_of_the_wrong_length_are_refused(tmp_path: object) -> None:
    ledger = Ledger(f"{tmp_path}/ledger.sqlite3")
    ledger.init()
    with ledger.engine.begin() as conn, pytest.raises(ValueError, match="different columns"):
        insert_tuples(conn, t.customer_versions, ("uin", "name"), [("1", "a"), ("2",)])
    with ledger.engine.begin() as conn, pytest.raises(ValueError, match="a column twice"):
        insert_tuples(conn, t.customer_versions, ("uin",), [("1",)], same={"uin": "2"})


def test_repeated_dates_and_equal_instants_are_each_stored_as_sqlalchemy_stores_them(
    ledger_url: str,
) -> None:
    """Dates are converted once per distinct date; equal time stamps in other zones are not
    taken for one another."""
    from datetime import timedelta, timezone

    ledger = Ledger(ledger_url)
    ledger.init()
    utc = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    east = utc.astimezone(timezone(timedelta(hours=8)))  # the same instant, written otherwise
    rows = [
        {
            "uin": f"1000123400{i:02d}",
            "name": f"Customer {i}",
            "bound_since": date(2025, 1, 1 + i % 3),
            "status": "bound",
            "batch_id": 1 + i % 2,
            "recorded_at": (utc, east)[i % 2],
        }
        for i in range(12)
    ]
    with ledger.engine.begin() as conn:
        _batch(conn, 1)
        _batch(conn, 2)
        _batch(conn, 3)
        _batch(conn, 4)
        conn.execute(t.customer_versions.insert(), rows)  # SQLAlchemy's way
        insert_rows(  # the bulk way, as batches 3 and 4
            conn, t.customer_versions, [{**row, "batch_id": row["batch_id"] + 2} for row in rows]
        )
        cv = t.customer_versions
        read = select(cv.c.uin, cv.c.bound_since, cv.c.recorded_at).order_by(cv.c.id)
        stored = {
            b: [tuple(r) for r in conn.execute(read.where(cv.c.batch_id == b))]
            for b in (1, 2, 3, 4)
        }
        if conn.dialect.name == "sqlite":
            raw = {
                b: conn.exec_driver_sql(
                    "SELECT bound_since, recorded_at FROM customer_versions WHERE batch_id = ?"
                    " ORDER BY id",
                    (b,),
                ).all()
                for b in (1, 2, 3, 4)
            }
            assert raw[1] == raw[3] and raw[2] == raw[4]
        conn.rollback()
    assert stored[1] == stored[3] and stored[2] == stored[4] and len(stored[1]) == 6
