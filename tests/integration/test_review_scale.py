"""A large review export imports back: the signed manifest must not depend on one cell
(Excel cells hold at most 32,767 characters; 3,500 issuance IDs are ~38,500)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests.workbooks import customer, request, template, write_workbook
from voucher_batch import services
from voucher_batch.ledger import Ledger
from voucher_batch.services import review as reviews
from voucher_batch.services.review_export import review_export

ROWS = 3_500


@pytest.mark.slow
def test_export_of_thousands_of_rows_imports_back(ledger_url: str, tmp_path: Path) -> None:
    ctx = services.Context(Ledger(ledger_url), "ops.lead", date(2026, 11, 2))
    ctx.ledger.init()
    services.quota_change(ctx, "grant", ROWS * 10, "sales.rep", "", "")
    book = write_workbook(
        tmp_path / "many.xlsx",
        {
            "Customers": [customer("100012340001")],
            "Templates": [template("Tiny Trial", 10)],
            "Requests": [request(f"M-{n:05d}", "Tiny Trial") for n in range(ROWS)],
        },
    )
    assert services.ingest(ctx, book, tmp_path / "out").refused == 0
    later = services.Context(ctx.ledger, "ops.lead", date(2026, 11, 4))
    exported = review_export(later, tmp_path / "out")
    wb = openpyxl.load_workbook(exported.path)
    assert sum(1 for r in wb["Manifest"].iter_rows(values_only=True) if r[0] == "issuance") == ROWS
    ws = wb["Review"]
    decision = [c.value for c in ws[4]].index("Decision") + 1
    ws.cell(5, decision).value = "Approve"
    wb.save(tmp_path / "filled.xlsx")
    result = reviews.review_import(
        later, tmp_path / "filled.xlsx", tmp_path / "out", "reviewer.one"
    )
    assert result.counts["Approved"] == 1 and result.counts["Not reviewed"] == ROWS - 1
    assert result.refused == 0
