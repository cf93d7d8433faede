"""`sheets blank`: the empty workbook has the contract's layout and, filled in, ingests."""

from __future__ import annotations

from datetime import date

import openpyxl

from tests.workbooks import Cli, rows_of
from voucher_batch.workbook.sheets import CHOICE, INPUT_SHEETS


def test_blank_workbook_layout_and_round_trip(cli: Cli) -> None:
    assert cli("init").code == 0
    assert cli("quota", "grant", "5000", "--by", "sales.rep").code == 0
    result = cli("sheets", "blank", "--out-dir", str(cli.folder / "blank"))
    assert result.code == 0, result.stderr
    path = cli.folder / "blank" / "voucher-batch-input.xlsx"
    assert result.stdout.strip() == str(path)
    wb = openpyxl.load_workbook(path)
    # the ledger exists (with no customers or templates yet): its lists come last
    assert wb.sheetnames == ["Instructions", "Customers", "Templates", "Requests", "Ledger"]
    for spec in INPUT_SHEETS:
        ws = wb[spec.name]
        assert [c.value for c in ws[1]] == [c.name for c in spec.columns]
        lists = {
            str(dv.sqref).split(":")[0]: dv
            for dv in ws.data_validations.dataValidation
            if dv.type == "list"
        }
        for i, column in enumerate(spec.columns):
            letter = openpyxl.utils.get_column_letter(i + 1)
            if column.kind == CHOICE:
                dv = lists[f"{letter}2"]
                assert dv.showErrorMessage and dv.errorStyle in (None, "stop")
                for choice in column.choices:
                    assert choice in dv.formula1
    # a person fills it in and sends it back
    wb["Customers"].append(["100012340001", "Alpha Analytics", date(2025, 1, 6), "Bound"])
    wb["Templates"].append(
        [
            "Starter Trial",
            "Tencent",
            "Product trial",
            "General products",
            "All",
            "Balance deduction",
            1000,
            "30 days",
            "From the issuance date",
            "",
        ]
    )
    wb["Requests"].append(
        ["R-1", "Starter Trial", "100012340001", 5000, date(2027, 1, 5), "Trial", "ops.lead"]
    )
    filled = cli.folder / "filled.xlsx"
    wb.save(filled)
    result = cli.ingest(filled)
    assert result.code == 0, result.stderr + result.stdout
    out = cli.decisions(filled)
    assert rows_of(out["Requests"])[0]["Decision"] == "Pending approval"
    assert rows_of(out["Templates"])[0]["Decision"] == "Created"
    assert cli.quota()["pending"] == 1000
