"""The decision workbook is readable by a person, and outputs never half-happen."""

from __future__ import annotations

from datetime import datetime

from tests.workbooks import Cli, ready_ledger, request, rows_of, write_workbook
from voucher_batch.workbook.writer import REFUSED_FILL


def test_decision_workbook_formatting(cli: Cli) -> None:
    ready_ledger(cli, quota=5000)
    book = write_workbook(
        cli.folder / "batch.xlsx",
        {"Requests": [request("R-1"), request("R-2", revenue="12.5"), request("R-3")]},
    )
    assert cli.ingest(book).code == 1
    wb = cli.decisions(book)
    ws = wb["Requests"]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    # dates stay dates, amounts carry thousands separators
    when = ws.cell(row=2, column=header.index("Estimated Conversion Date") + 1)
    assert isinstance(when.value, datetime) and when.is_date
    remaining = ws.cell(row=2, column=header.index("Remaining Quota") + 1)
    assert remaining.value == 4000 and remaining.number_format == "#,##0"
    # the refused row is tinted and its bad cell carries a comment
    revenue_col = header.index("Estimated Revenue") + 1
    bad = ws.cell(row=3, column=revenue_col)
    assert bad.comment is not None and "whole number" in bad.comment.text
    assert ws.cell(row=3, column=1).fill.fgColor.rgb.endswith(REFUSED_FILL.lstrip("#"))
    assert ws.cell(row=2, column=1).fill.fgColor.rgb in (None, "00000000")
    assert ws.column_dimensions["F"].width and ws.column_dimensions["F"].width > 10
    errors = rows_of(wb["Errors"])
    assert errors == [
        {
            "Sheet": "Requests",
            "Row": 3,
            "Cell": "D3",
            "Column": "Estimated Revenue",
            "Value": "12.5",
            "Problem": errors[0]["Problem"],
        }
    ]
    summary = {r["Item"]: r["Value"] for r in rows_of(wb["Summary"])}
    assert summary["Requests: Pending approval"] == 2
    assert summary["Requests: Refused"] == 1
    assert summary["Remaining before"] == 5000 and summary["Remaining after"] == 3000


def test_unwritable_output_folder_records_nothing(cli: Cli) -> None:
    ready_ledger(cli, quota=5000)
    before = cli.quota()
    blocker = cli.folder / "not-a-folder"
    blocker.write_text("a file where the output folder should be")
    book = write_workbook(cli.folder / "batch.xlsx", {"Requests": [request("R-1")]})
    result = cli("ingest", str(book), "--out-dir", str(blocker))
    assert result.code == 2
    assert "output folder" in result.stderr and "nothing was recorded" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert cli.quota() == before
