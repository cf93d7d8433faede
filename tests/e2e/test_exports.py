"""`templates export` and `vouchers export`: the ledger's state as a workbook; the templates
export goes back in as a Templates sheet with every row Unchanged."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl

from tests.workbooks import Cli, SheetData, ready_ledger, request, rows_of, write_workbook
from voucher_batch.workbook.sheets import TEMPLATES


def export(cli: Cli, what: str, *extra: str) -> Path:
    result = cli(what, "export", "--out-dir", str(cli.out), *extra)
    assert result.code == 0, result.stderr
    return Path(result.stdout.strip())


def with_history(cli: Cli) -> None:
    ready_ledger(cli, quota=500_000)  # template Starter Trial (1,000), customers ...0001, ...0002
    book = write_workbook(
        cli.folder / "more.xlsx",
        {
            "Templates": SheetData(
                header=[c.name for c in TEMPLATES.columns],
                rows=[
                    ["Growth  offer", "", "Customer offer", "", "Postpaid", "", 250000,
                     "3 months", "From the validity date", "+cmd|' /C calc'!A0 kept as text"],
                    ["Ünïcode Ñame", "Tencent", "ProductTrial", "AllProducts", "AllPayment",
                     "", "1,500", "366 days", "From the issuance date", ""],
                ],
            ),
            "Requests": [request("R-1", "growth offer"), request("R-2")],
        },
    )  # fmt: skip
    result = cli.ingest(book)
    assert result.code == 0, result.stderr + result.stdout


def test_templates_export_goes_back_in_unchanged(cli: Cli) -> None:
    with_history(cli)
    path = export(cli, "templates")
    assert path == cli.out / "templates-2026-11-02.xlsx"
    book = openpyxl.load_workbook(path)
    ws = book["Templates"]
    header = [c.value for c in ws[1]]
    assert header == [c.name for c in TEMPLATES.columns] + ["Locked", "Issued"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:L{ws.max_row}"
    rows = {r["Template Name"]: r for r in rows_of(ws)}
    assert set(rows) == {"Starter Trial", "Growth offer", "Ünïcode Ñame"}
    growth = rows["Growth offer"]
    assert (growth["Usage"], growth["Payment Mode"], growth["Validity Period"]) == (
        "Customer offer", "Postpaid", "3 months",
    )  # fmt: skip
    assert (growth["Locked"], growth["Issued"]) == ("Yes", 1)
    assert rows["Ünïcode Ñame"]["Amount"] == 1500 and rows["Ünïcode Ñame"]["Locked"] == "No"
    amount = ws.cell(2, header.index("Amount") + 1)
    assert isinstance(amount.value, int) and amount.number_format == "#,##0"
    assert growth["Description"] == "+cmd|' /C calc'!A0 kept as text"
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert all(ws.column_dimensions[x].width >= 8 for x in "ABCDEFGHIJ")

    # sent back as input: every template Unchanged, nothing recorded twice
    before = cli.quota()
    result = cli.ingest(path)
    assert result.code == 0, result.stderr + result.stdout
    decided = rows_of(cli.decisions(path)["Templates"])
    assert [r["Decision"] for r in decided] == ["Unchanged"] * 3
    assert cli.quota() == before


def test_vouchers_export_dates_amounts_filters_and_r17(cli: Cli) -> None:
    with_history(cli)
    path = export(cli, "vouchers")
    ws = openpyxl.load_workbook(path)["Vouchers"]
    rows = rows_of(ws)
    assert [(r["Request ID"], r["Status"], r["Amount"]) for r in rows] == [
        ("R-1", "Pending approval", 250000), ("R-2", "Pending approval", 1000),
    ]  # fmt: skip
    assert rows[0]["Customer UIN"] == "100012340001"  # text: every digit kept
    header = [c.value for c in ws[1]]
    requested = ws.cell(2, header.index("Requested On") + 1)
    assert isinstance(requested.value, datetime) and requested.is_date
    assert requested.value.date().isoformat() == "2026-11-02"
    assert ws.cell(2, header.index("Valid From") + 1).value is None
    assert ws.cell(2, header.index("Amount") + 1).number_format == "#,##0"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref

    # the same export again replaces the tool's own, untouched file
    assert export(cli, "vouchers") == path
    # a person's edit is never replaced: the next name is used (R17)
    book = openpyxl.load_workbook(path)
    book["Vouchers"]["A2"] = "edited by ops.lead"
    book.save(path)
    edited = path.read_bytes()
    again = export(cli, "vouchers", "--template", "GROWTH OFFER")
    assert again == cli.out / "vouchers-2026-11-02-2.xlsx" and path.read_bytes() == edited
    only = rows_of(openpyxl.load_workbook(again)["Vouchers"])
    assert [r["Request ID"] for r in only] == ["R-1"]


def test_exports_refuse_a_missing_ledger_and_keep_stdout_clean(cli: Cli) -> None:
    for what in ("templates", "vouchers"):
        result = cli(what, "export", "--out-dir", str(cli.out))
        assert result.code == 2 and "init" in result.stderr and result.stdout == ""
        assert "Traceback" not in result.stderr
    assert not cli.out.exists() or not list(cli.out.glob("*.xlsx"))
    ready_ledger(cli)
    empty_folder = cli.folder / "empty"
    result = cli("vouchers", "export", "--out-dir", str(empty_folder))
    assert result.code == 0 and result.stdout.strip().endswith(".xlsx")
    assert rows_of(openpyxl.load_workbook(result.stdout.strip())["Vouchers"]) == []
    assert "0 voucher(s)" in result.stderr


def test_exports_show_the_ledger_as_of_the_end_of_the_given_day(cli: Cli) -> None:
    with_history(cli)  # everything recorded on 2026-11-02
    for what in ("templates", "vouchers"):
        result = cli(what, "export", "--out-dir", str(cli.out), as_of="2026-11-01")
        assert result.code == 0, result.stderr
        path = Path(result.stdout.strip())
        assert path.name == f"{what}-2026-11-01.xlsx"
        sheet = openpyxl.load_workbook(path).worksheets[0]
        assert rows_of(sheet) == [], what  # nothing existed by the end of 2026-11-01
        assert "0 " in result.stderr
    path = export(cli, "vouchers")  # the day they were recorded: both there
    assert len(rows_of(openpyxl.load_workbook(path)["Vouchers"])) == 2


def test_vouchers_export_takes_the_filters_of_vouchers_list(cli: Cli) -> None:
    with_history(cli)  # requested 2026-11-02
    only = export(cli, "vouchers", "--status", "PENDING", "--customer", " 100012340001 ")
    assert len(rows_of(openpyxl.load_workbook(only)["Vouchers"])) == 2
    none = export(cli, "vouchers", "--requested-from", "2026-11-03")
    assert rows_of(openpyxl.load_workbook(none)["Vouchers"]) == []
    both = export(cli, "vouchers", "--requested-to", "2026-11-02", "--decided-to", "2026-11-02")
    assert rows_of(openpyxl.load_workbook(both)["Vouchers"]) == []  # none decided yet
    wrong = cli("vouchers", "export", "--decided-from", "2026-11-03", "--decided-to", "2026-11-02")
    assert wrong.code == 2 and "--decided-from is after --decided-to" in wrong.stderr
    assert "Traceback" not in wrong.stderr and wrong.stdout == ""
