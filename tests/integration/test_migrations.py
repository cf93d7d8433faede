"""Schema migrations and the database-enforced append-only rule, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from voucher_batch import services
from voucher_batch.errors import LedgerError
from voucher_batch.ledger import Ledger, migrate

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
    params = {"now": NOW, "day": AS_OF}
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
    ],
)
def test_entries_are_append_only_in_the_database(ledger_url: str, statement: str) -> None:
    ledger = _first_schema_ledger(ledger_url)
    ledger.init()
    with pytest.raises(DBAPIError, match="append-only"), ledger.engine.begin() as conn:
        conn.execute(text(statement))
    assert services.quota_show(services.Context(ledger, "ops.lead", AS_OF)).quota == 5000
