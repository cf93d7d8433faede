"""Section 3 addition: the decision workbook comes back. A partner fixes the refused rows of
the workbook the tool returned and sends it again (after openpyxl, and after a LibreOffice
re-save): the tool's appended columns are recognised by the mark it wrote, not by name,
recorded rows come back `Already submitted`, fixed rows are decided afresh."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from tests.e2e.test_review_loop import need_soffice, resave_with_libreoffice
from tests.workbooks import Cli, SheetData, ready_ledger, request, rows_of, write_workbook

# `Reason` is the alias of Application Reason, the same word as the tool's appended column
HEADER = ["Request ID", "Template Name", "Customer UIN", "Estimated Revenue",
          "Estimated Conversion Date", "Reason", "Requested By", "Notes"]  # fmt: skip


def _first_batch(cli: Cli) -> Path:
    ready_ledger(cli, quota=5000)
    rows = [
        [*request("RT-1"), "first"],
        [*request("RT-2", uin="100012349999"), "unknown customer"],
        [*request("RT-3"), "third"],
        [*request("RT-4", revenue="12k"), "bad revenue"],
    ]
    book = write_workbook(
        cli.folder / "batch.xlsx", {"Requests": SheetData(header=HEADER, rows=rows)}
    )
    result = cli.ingest(book)
    assert result.code == 1, result.stderr
    decided = rows_of(cli.decisions(book)["Requests"])
    assert [r["Decision"] for r in decided] == [
        "Pending approval", "Refused", "Pending approval", "Refused",
    ]  # fmt: skip
    return book


def _fix(cli: Cli, book: Path, name: str) -> Path:
    """Open the returned workbook as a person would, fix the two refused rows, save."""
    returned = openpyxl.load_workbook(cli.out / f"{book.stem}-decisions.xlsx")
    ws = returned["Requests"]
    header = [c.value for c in ws[1]]
    assert header.count("Reason") == 2  # the input's alias and the tool's own column
    col = {h: i + 1 for i, h in enumerate(header) if h not in ("Reason",)}
    for r in range(2, ws.max_row + 1):
        rid = ws.cell(r, col["Request ID"]).value
        if rid == "RT-2":
            ws.cell(r, col["Customer UIN"]).value = "100012340002"
        if rid == "RT-4":
            ws.cell(r, col["Estimated Revenue"]).value = 12000
    fixed = cli.folder / name
    returned.save(fixed)
    return fixed


def _check_resent(cli: Cli, fixed: Path) -> None:
    result = cli.ingest(fixed)
    assert result.code == 0, result.stdout + result.stderr
    again = cli.decisions(fixed)["Requests"]
    header = [c.value for c in again[1]]
    # the input's own columns once, then the tool's columns once: nothing doubled
    assert header == [*HEADER, "Row", "Decision", "Reason", "Issuance ID", "Amount",
                      "Remaining Quota"]  # fmt: skip
    decided = {r["Request ID"]: r for r in rows_of(again)}
    assert {k: r["Decision"] for k, r in decided.items()} == {
        "RT-1": "Already submitted", "RT-2": "Pending approval",
        "RT-3": "Already submitted", "RT-4": "Pending approval",
    }  # fmt: skip
    assert decided["RT-2"]["Notes"] == "unknown customer"
    assert cli.quota()["pending"] == 4000
    vouchers = {v["request_id"] for v in cli("vouchers", "list", "--json").json()}
    assert vouchers == {"RT-1", "RT-2", "RT-3", "RT-4"}


def test_a_fixed_decision_workbook_is_ingested_again(cli: Cli) -> None:
    book = _first_batch(cli)
    _check_resent(cli, _fix(cli, book, "fixed.xlsx"))


@pytest.mark.soffice
def test_a_fixed_decision_workbook_resaved_by_libreoffice_is_ingested_again(cli: Cli) -> None:
    need_soffice()
    book = _first_batch(cli)
    fixed = _fix(cli, book, "fixed.xlsx")
    _check_resent(cli, resave_with_libreoffice(fixed, cli.folder / "lo"))


def test_an_input_that_really_has_both_columns_is_still_refused(cli: Cli) -> None:
    ready_ledger(cli)
    header = [*HEADER[:5], "Application Reason", "Requested By", "Reason"]
    book = write_workbook(
        cli.folder / "both.xlsx",
        {"Requests": SheetData(header=header, rows=[[*request("B-1"), "also a reason"]])},
    )
    result = cli.ingest(book)
    assert result.code == 2
    assert "appears twice" in result.stderr
