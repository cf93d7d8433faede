"""Schema migrations and the database-enforced append-only rule, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from tests.workbooks import customer, request, write_workbook
from voucher_batch import services
from voucher_batch.errors import LedgerError
from voucher_batch.ledger import Ledger, migrate
from voucher_batch.services.batches import BatchNotFoundError, batch_show

HEAD = migrate.head_revision()

AS_OF = date(2026, 11, 2)
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _first_schema_ledger(url: str) -> Ledger:
    """A ledger as the first schema made it, holding a grant and one pending issuance."""
    ledger = Ledger(url)
    with ledger.engine.connect() as conn:
        conn.info["write"] = True
        with conn.begin():
            migrate.upgrade(conn, migrate.FIRST_REVISION)
            _seed(conn)
    return ledger


def _seed(conn: Connection) -> None:
    # as SQLAlchemy stores times: SQLite keeps UTC without an offset
    now = NOW if conn.dialect.name == "postgresql" else NOW.replace(tzinfo=None)
    params = {"now": now, "day": AS_OF}
    conn.execute(
        text(
            "INSERT INTO quota_entries (kind, amount, by_name, ref, note, operator, "
            "business_date, recorded_at) VALUES "
            "('grant', 5000, 'sales.rep', 'T-1', '', 'ops.lead', :day, :now)"
        ),
        params,
    )
    conn.execute(
        text(
            "INSERT INTO batches (id, kind, file_name, file_sha256, operator, business_date, "
            "recorded_at, counts) VALUES (1, 'ingest', 'b.xlsx', :sha, 'ops.lead', :day, :now, "
            "'{\"Requests: Pending approval\": 1}')"
        ),
        {**params, "sha": "0" * 64},
    )
    conn.execute(
        text(
            "INSERT INTO template_versions (id, key, name, usage, payment_mode, amount, "
            "validity_count, validity_unit, validity_start, description, batch_id, recorded_at)"
            " VALUES (1, 'starter trial', 'Starter Trial', 'ProductTrial', 'AllPayment', 1200, "
            "30, 'days', 'FromIssuanceDate', '', 1, :now)"
        ),
        params,
    )
    conn.execute(
        text(
            "INSERT INTO issuances (id, issuance_id, request_id, template_version_id, "
            "template_key, customer_uin, amount, estimated_revenue, estimated_conversion_date,"
            " reason, requested_by, operator, requested_on, batch_id, recorded_at) VALUES "
            "(1, 'ISS-000001', 'R-1', 1, 'starter trial', '100012340001', 1200, 5000, :day, "
            "'trial', 'ops.analyst', 'ops.lead', :day, 1, :now)"
        ),
        params,
    )
    conn.execute(
        text(
            "INSERT INTO issuance_events (issuance, status, batch_id, recorded_at) "
            "VALUES (1, 'pending', 1, :now)"
        ),
        params,
    )
    if conn.dialect.name == "postgresql":  # rows inserted with their ids: move the sequences on
        for table in ("batches", "template_versions", "issuances"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 1)"))


def test_first_schema_ledger_is_upgraded_without_loss(ledger_url: str) -> None:
    ledger = _first_schema_ledger(ledger_url)
    ctx = services.Context(ledger, "ops.lead", AS_OF)
    with pytest.raises(LedgerError, match="init"):
        services.quota_show(ctx)  # an old ledger is refused until it is upgraded
    assert ledger.init() == f"upgraded from schema 0001 to {HEAD}"
    balance = services.quota_show(ctx)
    assert (balance.quota, balance.pending, balance.remaining) == (5000, 1200, 3800)
    [voucher] = services.vouchers_list(ctx)
    assert (voucher.issuance_id, voucher.template_name, voucher.status) == (
        "ISS-000001",
        "Starter Trial",
        "pending",
    )
    assert ledger.init() == f"up to date (schema {HEAD})"


def test_ledger_made_before_migrations_is_stamped_then_upgraded(ledger_url: str) -> None:
    ledger = _first_schema_ledger(ledger_url)
    with ledger.engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    assert ledger.init() == f"upgraded from schema 0001 to {HEAD}"
    assert services.quota_show(services.Context(ledger, "ops.lead", AS_OF)).quota == 5000


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE quota_entries SET amount = 999999",
        "DELETE FROM quota_entries",
        "UPDATE issuance_events SET status = 'approved'",
        "DELETE FROM issuance_events",
        "UPDATE issuances SET amount = 1",
        "DELETE FROM batches",
        "UPDATE template_versions SET amount = 1",
        "DELETE FROM issuances",
        "UPDATE balance_moves SET pending = 0",
        "DELETE FROM balance_moves",
    ],
)
def test_entries_are_append_only_in_the_database(ledger_url: str, statement: str) -> None:
    ledger = _first_schema_ledger(ledger_url)
    ledger.init()
    with pytest.raises(DBAPIError, match="append-only"), ledger.engine.begin() as conn:
        conn.execute(text(statement))
    assert services.quota_show(services.Context(ledger, "ops.lead", AS_OF)).quota == 5000


def test_schema_3_ledger_upgrades_with_its_data_and_keeps_rows_from_then_on(
    ledger_url: str, tmp_path: Path
) -> None:
    ledger = _first_schema_ledger(ledger_url)
    with ledger.engine.connect() as conn:
        conn.info["write"] = True
        with conn.begin():
            migrate.upgrade(conn, "0003")
    assert ledger.init() == f"upgraded from schema 0003 to {HEAD}"
    ctx = services.Context(ledger, "ops.lead", AS_OF)
    balance = services.quota_show(ctx)
    assert (balance.quota, balance.pending, balance.remaining) == (5000, 1200, 3800)
    [voucher] = services.vouchers_list(ctx)
    assert (voucher.issuance_id, voucher.status) == ("ISS-000001", "pending")
    # the batch recorded before 0004 kept no rows: said so, and nothing is written
    old = batch_show(ctx, 1)
    assert old.kept is None and "recorded before" in old.notes[0]
    with pytest.raises(BatchNotFoundError, match="recorded before this ledger kept"):
        batch_show(ctx, 1, tmp_path / "rebuilt")
    assert not (tmp_path / "rebuilt").exists()
    # a batch recorded after the upgrade keeps its rows and can be rebuilt
    book = write_workbook(
        tmp_path / "after.xlsx",
        {"Customers": [customer("100012340001")], "Requests": [request("R-1"), request("R-2")]},
    )
    result = services.ingest(ctx, book, tmp_path / "out")
    assert result.counts["Requests"] == {
        "Pending approval": 1,
        "Already submitted": 0,
        "Refused": 1,
    }
    shown = batch_show(ctx, 2, tmp_path / "rebuilt")
    assert shown.kept is not None and len(shown.kept.rows) == 3
    assert shown.decisions_path == tmp_path / "rebuilt" / "after-decisions.xlsx"
    assert not any("R17" in f for f in services.ledger_verify(ctx).findings)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE batch_rows SET decision = 'Pending approval'",
        "DELETE FROM batch_rows",
        "UPDATE batch_sheets SET title = 'x'",
        "DELETE FROM batch_sheets",
        "UPDATE batch_facts SET after_quota = 0",
        "DELETE FROM batch_facts",
    ],
)
def test_kept_rows_are_append_only_in_the_database(
    ledger_url: str, tmp_path: Path, statement: str
) -> None:
    ctx = services.Context(Ledger(ledger_url), "ops.lead", AS_OF)
    ctx.ledger.init()
    book = write_workbook(tmp_path / "b.xlsx", {"Customers": [customer("100012340001")]})
    services.ingest(ctx, book, tmp_path / "out")
    with pytest.raises(DBAPIError, match="append-only"), ctx.ledger.engine.begin() as conn:
        conn.execute(text(statement))
    if not ledger_url.startswith("postgresql"):
        return
    table = statement.split()[1] if statement.startswith("UPDATE") else statement.split()[2]
    with pytest.raises(DBAPIError, match="append-only"), ctx.ledger.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {table} CASCADE"))
