"""Migration 0006 (console vouchers) upgrades a schema-5 ledger with its data intact, and its
new tables are append-only in the database; on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from tests.integration.test_migrations import AS_OF, _first_schema_ledger
from tests.workbooks import SheetData, write_workbook
from voucher_batch import services
from voucher_batch.ledger import Ledger, migrate
from voucher_batch.ledger.schema import SCHEMA_VERSION
from voucher_batch.services.vouchers import vouchers_sync

# the tables migrations after 0005 add (0006: the console's; 0007: the balance per batch)
NEW_TABLES = {
    "console_imports",
    "voucher_links",
    "voucher_snapshots",
    "voucher_deals",
    "balance_moves",
}


def _dump(ledger: Ledger) -> dict[str, list[tuple[object, ...]]]:
    with ledger.engine.connect() as conn:
        names = sorted(set(inspect(conn).get_table_names()) - NEW_TABLES - {"alembic_version"})
        return {
            name: sorted(
                (tuple(map(str, row)) for row in conn.execute(text(f"SELECT * FROM {name}"))),
            )
            for name in names
        }


def _schema_5_ledger(url: str) -> Ledger:
    ledger = _first_schema_ledger(url)
    with ledger.engine.connect() as conn:
        conn.info["write"] = True
        with conn.begin():
            migrate.upgrade(conn, "0005")
    ledger.dispose()
    return ledger


def test_schema_5_ledger_upgrades_with_its_data_intact(ledger_url: str, tmp_path: Path) -> None:
    ledger = _schema_5_ledger(ledger_url)
    before = _dump(ledger)
    assert before["issuances"] and before["quota_entries"]
    assert ledger.init() == f"upgraded from schema 0005 to {migrate.head_revision()}"
    after = _dump(ledger)
    before["meta"] = [r for r in before["meta"] if r[0] != "schema_version"]
    assert [r for r in after["meta"] if r[0] == "schema_version"] == [
        ("schema_version", str(SCHEMA_VERSION))
    ]
    after["meta"] = [r for r in after["meta"] if r[0] != "schema_version"]
    assert after == before
    ctx = services.Context(ledger, "ops.lead", AS_OF)
    balance = services.quota_show(ctx)
    assert (balance.quota, balance.pending, balance.remaining) == (5000, 1200, 3800)
    # the upgraded ledger takes a sync at once (the one pending issuance has no voucher)
    book = write_workbook(
        tmp_path / "sync.xlsx",
        {
            "Vouchers": SheetData(
                header=[
                    "VoucherId",
                    "CustomerUin",
                    "VoucherStatus",
                    "TotalAmount",
                    "RemainingAmount",
                    "EffectiveTime",
                    "ExpireTime",
                ],
                rows=[["V-1", "100012340001", "Issued", 1200, 1200, "2026-11-02", "2026-12-01"]],
            )
        },
    )
    result = vouchers_sync(ctx, book, tmp_path / "out")
    assert result.counts["Unknown voucher"] == 1 and result.recorded
    assert _dump(ledger) == {**after, "meta": _dump(ledger)["meta"]}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE voucher_snapshots SET status = 'Issued'",
        "DELETE FROM voucher_snapshots",
        "DELETE FROM console_imports",
    ],
)
def test_console_tables_are_append_only(ledger_url: str, tmp_path: Path, statement: str) -> None:
    ledger = Ledger(ledger_url)
    ledger.init()
    ctx = services.Context(ledger, "ops.lead", AS_OF)
    book = write_workbook(
        tmp_path / "sync.xlsx",
        {
            "Vouchers": SheetData(
                header=[
                    "Voucher ID",
                    "Customer UIN",
                    "Voucher Status",
                    "Total Amount",
                    "Remaining Amount",
                    "Effective Time",
                    "Expire Time",
                ],
                rows=[["V-1", "100012340001", "Used", 1200, 0, "2026-11-02", "2026-12-01"]],
            )
        },
    )
    vouchers_sync(ctx, book, tmp_path / "out")
    with pytest.raises(DBAPIError, match="append-only"), ledger.engine.begin() as conn:
        conn.execute(text(statement))
