"""`sheets blank` knows the ledger: bound customers and templates as Requests dropdowns,
Excel's own checks on every column it can check, and a filled copy still ingests."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries

from tests.e2e.test_review_loop import need_soffice, resave_with_libreoffice
from tests.workbooks import Cli, customer, ready_ledger, rows_of, template, write_workbook

UNBOUND = "100099990001"


def blank(cli: Cli, *extra: str) -> Path:
    result = cli("sheets", "blank", "--out-dir", str(cli.folder / "blank"), *extra)
    assert result.code == 0, result.stderr
    return Path(result.stdout.strip())


def with_ledger_content(cli: Cli) -> None:
    ready_ledger(cli, quota=50_000)  # Starter Trial, Growth Offer, bound 100012340001...
    book = write_workbook(
        cli.folder / "more.xlsx",
        {
            "Customers": [customer(UNBOUND, "Gone Co", status="Unbound"),
                          customer("100077770001", "+cmd|' /C calc'!A0")],
            "Templates": [template("Álpha Ñame", amount=2500)],
        },
    )  # fmt: skip
    assert cli.ingest(book).code == 0


def named_values(book: Any, name: str) -> list[object]:
    """The values of a defined name's range, as Excel would list them."""
    defined = book.defined_names[name]
    ((sheet, ref),) = list(defined.destinations)
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    assert min_col == max_col  # a list is one column
    ws = book[sheet]
    return [ws.cell(r, min_col).value for r in range(min_row, max_row + 1)]


def validations(ws: Any) -> dict[str, Any]:
    """The data validation of each column's row 2, by header."""
    header = [c.value for c in ws[1]]
    found = {}
    for dv in ws.data_validations.dataValidation:
        for cells in dv.sqref.ranges:
            if cells.min_row == 2:
                found[header[cells.min_col - 1]] = dv
    return found


def test_requests_offer_the_ledgers_bound_customers_and_templates(cli: Cli) -> None:
    with_ledger_content(cli)
    path = blank(cli)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Instructions", "Customers", "Templates", "Requests", "Ledger"]
    customers = named_values(book, "VoucherBatch_BoundCustomers")
    templates = named_values(book, "VoucherBatch_Templates")
    assert UNBOUND not in customers  # R7: an unbound customer cannot receive vouchers
    assert customers == sorted(customers) and "100077770001" in customers
    assert all(isinstance(u, str) for u in customers)
    assert set(templates) >= {"Starter Trial", "Álpha Ñame"}
    ledger = book["Ledger"]
    names = {ledger.cell(r, 1).value: ledger.cell(r, 2).value for r in range(4, ledger.max_row + 1)}
    assert names["100077770001"] == "+cmd|' /C calc'!A0"  # text, never a formula
    assert all(ledger.cell(r, 2).data_type == "s" for r in range(4, ledger.max_row + 1))
    checks = validations(book["Requests"])
    uin, tpl = checks["Customer UIN"], checks["Template Name"]
    assert (uin.type, uin.formula1) == ("list", "VoucherBatch_BoundCustomers")
    assert (tpl.type, tpl.formula1) == ("list", "VoucherBatch_Templates")
    # a customer or template added on this workbook's own sheets is valid: Excel only warns
    assert uin.errorStyle == tpl.errorStyle == "warning"
    assert uin.showErrorMessage and uin.showInputMessage and "R7" in uin.prompt

    # a person picks from the dropdowns and sends it back
    requests = book["Requests"]
    for n, (who, what) in enumerate(zip(customers[:2], templates[:2], strict=True), start=1):
        requests.append([f"R-{n}", what, who, 1000, date(2027, 1, 5), "Trial", "sales.rep"])
    filled = cli.folder / "filled.xlsx"
    book.save(filled)
    result = cli.ingest(filled)
    assert result.code == 0, result.stderr + result.stdout
    decided = rows_of(cli.decisions(filled)["Requests"])
    assert [r["Decision"] for r in decided] == ["Pending approval"] * 2


def test_every_column_excel_can_check_is_checked(cli: Cli) -> None:
    with_ledger_content(cli)
    book = openpyxl.load_workbook(blank(cli))
    for sheet in ("Customers", "Templates", "Requests"):
        for header, dv in validations(book[sheet]).items():
            assert dv.showErrorMessage and dv.showInputMessage, (sheet, header)
    tpl = validations(book["Templates"])
    amount = tpl["Amount"]
    assert (amount.type, amount.formula1, amount.formula2) == ("whole", "1", "1000000")
    assert amount.operator in (None, "between")  # "between" is the file format's default
    assert amount.errorStyle in (None, "stop")
    assert amount.prompt == "Required. R5: a whole number 1 to 1,000,000."
    assert (tpl["Template Name"].type, tpl["Template Name"].formula2) == ("textLength", "20")
    assert (tpl["Description"].type, tpl["Description"].formula2) == ("textLength", "200")
    assert tpl["Usage"].type == "list" and "R5" in tpl["Usage"].prompt
    req = validations(book["Requests"])
    assert (req["Request ID"].type, req["Request ID"].formula2) == ("textLength", "40")
    assert (req["Application Reason"].type, req["Application Reason"].formula2) == (
        "textLength", "500",
    )  # fmt: skip
    revenue = req["Estimated Revenue"]
    assert (revenue.type, revenue.operator, revenue.formula1) == (
        "whole",
        "greaterThanOrEqual",
        "0",
    )
    when = req["Estimated Conversion Date"]
    assert (when.type, when.operator) == ("date", "greaterThanOrEqual")
    assert "2026-11-02" in when.prompt  # not before the processing date (R7)
    cust = validations(book["Customers"])
    assert cust["Bound Since"].type == "date"
    assert (cust["Customer UIN"].formula1, cust["Customer UIN"].formula2) == ("5", "20")


def test_empty_flag_and_missing_ledger_give_the_plain_workbook(cli: Cli) -> None:
    missing = cli("sheets", "blank", "--out-dir", str(cli.folder / "blank"))
    assert missing.code == 0, missing.stderr
    assert "does not exist" in missing.stderr and missing.stderr.count("\n") == 1
    with_ledger_content(cli)
    for path in (Path(missing.stdout.strip()), blank(cli, "--empty")):
        book = openpyxl.load_workbook(path)
        assert book.sheetnames == ["Instructions", "Customers", "Templates", "Requests"]
        assert not list(book.defined_names)
        uin = validations(book["Requests"])["Customer UIN"]
        assert uin.type == "textLength" and uin.errorStyle in (None, "stop")  # stop: default
    # R17: neither blank workbook was replaced
    assert sorted(p.name for p in (cli.folder / "blank").glob("*.xlsx")) == [
        "voucher-batch-input-2.xlsx", "voucher-batch-input.xlsx",
    ]  # fmt: skip


@pytest.mark.soffice
def test_libreoffice_keeps_the_lists_and_the_checks(cli: Cli) -> None:
    need_soffice()
    with_ledger_content(cli)
    via_lo = resave_with_libreoffice(blank(cli), cli.folder / "lo")
    book = openpyxl.load_workbook(via_lo)
    customers = named_values(book, "VoucherBatch_BoundCustomers")
    templates = named_values(book, "VoucherBatch_Templates")
    assert UNBOUND not in customers and "Starter Trial" in templates
    req = validations(book["Requests"])
    assert req["Customer UIN"].type == "list" and "VoucherBatch_BoundCustomers" in str(
        req["Customer UIN"].formula1
    )
    assert validations(book["Templates"])["Amount"].type == "whole"
    book["Requests"].append(
        ["R-1", templates[0], customers[0], 1000, date(2027, 1, 5), "Trial", "sales.rep"]
    )
    filled = cli.folder / "filled.xlsx"
    book.save(filled)
    result = cli.ingest(filled)
    assert result.code == 0, result.stderr + result.stdout


def test_an_unreachable_ledger_is_said_with_the_way_out(cli: Cli) -> None:
    """A ledger that exists but cannot be read stops the command (exit 2, one line) and
    names --empty; a missing one only leaves the lists out (above)."""
    folder = cli.folder / "ledger-folder"
    folder.mkdir()
    (folder / "voucher-ledger.sqlite3").write_bytes(b"not a database at all" * 100)
    result = cli("sheets", "blank", "--out-dir", str(cli.folder / "blank"),
                 "--ledger", str(folder / "voucher-ledger.sqlite3"))  # fmt: skip
    assert result.code == 2 and result.stdout == ""
    assert "--empty" in result.stderr and result.stderr.count("\n") == 1
    assert not (cli.folder / "blank").exists() or not list((cli.folder / "blank").iterdir())
