"""`ledger verify` against real ledgers: sound after real work, findings after tampering."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import text

from tests.workbooks import customer, request, template, write_workbook
from voucher_batch import services
from voucher_batch.ledger import Ledger

AS_OF = date(2026, 11, 2)


def test_verify_is_sound_after_ingest_and_finds_inserted_tampering(
    ledger_url: str, tmp_path: Path
) -> None:
    ctx = services.Context(Ledger(ledger_url), "ops.lead", AS_OF)
    ctx.ledger.init()
    services.quota_change(ctx, "grant", 2000, "sales.rep", "", "")
    book = write_workbook(
        tmp_path / "b.xlsx",
        {
            "Customers": [customer("100012340001")],
            "Templates": [template("Starter Trial", 1000)],
            "Requests": [request("R-1"), request("R-2"), request("R-3")],
        },
    )
    services.ingest(ctx, book, tmp_path / "out")
    report = services.ledger_verify(ctx)
    assert report.findings == [] and report.balance.issued == 2000
    # append-only allows INSERT: a forged third issuance beyond the quota is detected
    with ctx.ledger.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO issuances (id, issuance_id, request_id, template_version_id, "
                "template_key, customer_uin, amount, estimated_revenue, "
                "estimated_conversion_date, reason, requested_by, operator, requested_on, "
                "batch_id, recorded_at) SELECT 99, 'ISS-000099', 'FORGED', "
                "template_version_id, template_key, customer_uin, amount, 0, "
                "estimated_conversion_date, 'x', 'x', 'x', requested_on, batch_id, "
                "recorded_at FROM issuances WHERE id = 1"
            )
        )
        conn.execute(
            text(
                "INSERT INTO issuance_events (issuance, status, batch_id, recorded_at) "
                "SELECT 99, 'pending', batch_id, recorded_at FROM issuance_events WHERE id = 1"
            )
        )
    findings = services.ledger_verify(ctx).findings
    assert any("exceeded the quota" in f for f in findings)
    assert any("reports 2 issuances but recorded 3" in f for f in findings)


def test_verify_finds_kept_rows_that_disagree_with_the_counts(
    ledger_url: str, tmp_path: Path
) -> None:
    ctx = services.Context(Ledger(ledger_url), "ops.lead", AS_OF)
    ctx.ledger.init()
    services.quota_change(ctx, "grant", 1000, "sales.rep", "", "")
    book = write_workbook(
        tmp_path / "b.xlsx",
        {
            "Customers": [customer("100012340001")],
            "Templates": [template("Starter Trial", 1000)],
            "Requests": [request("R-1"), request("R-2")],
        },
    )
    services.ingest(ctx, book, tmp_path / "out")
    assert services.ledger_verify(ctx).findings == []
    # append-only allows INSERT: a forged kept row is found
    with ctx.ledger.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO batch_rows (batch_id, sheet_no, excel_row, cells, decision, reason,"
                " problems) SELECT batch_id, sheet_no, 99, cells, 'Pending approval', '', '[]' "
                "FROM batch_rows WHERE decision = 'Refused'"
            )
        )
    findings = services.ledger_verify(ctx).findings
    assert findings == [
        "batch 1 (ingest) reports 1 'Requests: Pending approval' row(s) but keeps 2 (R17)"
    ]
