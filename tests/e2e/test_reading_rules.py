"""Reading rules of input workbooks (CONTRACTS.md section 2), driven through the real CLI.

Every input is generated here; every output is re-opened with openpyxl. A ledger made ready
once per module (`ready_ledger`) is copied into each test's folder to save subprocess time.
"""

from __future__ import annotations

import random
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from tests.workbooks import (
    LATER,
    REQUEST_HEADERS,
    Cli,
    Result,
    SheetData,
    customer,
    ready_ledger,
    request,
    rows_of,
    template,
    write_workbook,
)

QUOTA = 10_000
FRESH = dict.fromkeys(("pending", "approved", "rejected", "issued"), 0)
FRESH |= {"quota": QUOTA, "remaining": QUOTA}


def _copy_ledger(base: Path, cli: Cli) -> Cli:
    shutil.copy(base, cli.ledger)
    return cli


def _ingest(cli: Cli, book: Path) -> Result:
    result = cli.ingest(book)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _cells(ws: Worksheet) -> list[dict[str, Cell]]:
    """Data rows of an output sheet as header -> cell (to check data types too)."""
    rows = list(ws.iter_rows())
    header = [str(c.value) for c in rows[0]]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


def _pending(cli: Cli) -> int:
    return cli.quota()["pending"]


@pytest.fixture(scope="module")
def base_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("base")
    ready_ledger(Cli(folder), quota=QUOTA)
    return folder / "ledger.sqlite3"


@pytest.fixture
def ready(cli: Cli, base_ledger: Path) -> Cli:
    if "://" in cli.ledger:  # PostgreSQL: a fresh schema, made ready the long way
        ready_ledger(cli, quota=QUOTA)
        return cli
    return _copy_ledger(base_ledger, cli)


# ---- header row, aliases, sheet names, unknown columns, blank rows ----------------------


# fmt: off
LAYOUT_REQUESTS = ["Notes", "reason", "UIN", "REQUEST-ID",
                   "Estimated converted Tencent revenue (USD)", "estimated_conversion_date",
                   "Template", "  Requested   By "]
LAYOUT_TEMPLATES = ["Name", "usage", "Payment_Mode", "Amount (USD)", "validity-period",
                    "VALIDITY START"]
# fmt: on


def test_header_layout_aliases_unknown_columns_and_blank_rows(ready: Cli) -> None:
    # fmt: off
    req_rows = [
        ["keep me", "Evaluating", "100012340009", "H-1", 5000, LATER, "Growth Offer", "ops.a"],
        [None] * len(LAYOUT_REQUESTS),
        [42, "Growth pilot", 100012340001, "H-2", "7,500", "2027-01-15", "growth  offer", None],
    ]
    # fmt: on
    book = write_workbook(
        ready.folder / "layout.xlsx",
        {
            "CUSTOMERS": SheetData(
                header=["customer_uin", "Customer Name"], rows=[["100012340009", "Third Co"]]
            ),
            "Templates": SheetData(
                header=LAYOUT_TEMPLATES,
                rows=[template("Growth Offer", 2500, "Customer offer", "Prepaid", "3 months")],
            ),
            " requests ": SheetData(
                title_rows=[["November partner batch"], ["One request per row, see the guide"]],
                header=LAYOUT_REQUESTS,
                rows=req_rows,
            ),
        },
    )
    result = _ingest(ready, book)
    assert result.code == 0, result.stderr
    out = ready.decisions(book)
    assert [r["Decision"] for r in rows_of(out["CUSTOMERS"])] == ["Added"]
    assert [r["Decision"] for r in rows_of(out["Templates"])] == ["Created"]
    ws = out[" requests "]
    header = [c.value for c in next(ws.iter_rows(max_row=1))]
    assert header[: len(LAYOUT_REQUESTS)] == LAYOUT_REQUESTS  # original headers, as written
    assert {"Row", "Decision", "Reason"} <= set(header[len(LAYOUT_REQUESTS) :])
    rows = rows_of(ws)
    assert [r["Row"] for r in rows] == [4, 6]  # header on row 3, blank row 5 skipped
    assert [r["Notes"] for r in rows] == ["keep me", 42]  # unknown column kept untouched
    assert [r["REQUEST-ID"] for r in rows] == ["H-1", "H-2"]
    assert [r["Estimated converted Tencent revenue (USD)"] for r in rows] == [5000, "7,500"]
    assert [r["Decision"] for r in rows] == ["Pending approval"] * 2
    assert [r["Amount"] for r in rows] == [2500, 2500]
    assert _pending(ready) == 5000


def test_zero_width_and_nbsp_in_header_and_request_id_still_match(ready: Cli) -> None:
    first = write_workbook(ready.folder / "first.xlsx", {"Requests": [request("R-1")]})
    assert _ingest(ready, first).code == 0
    again = write_workbook(
        ready.folder / "again.xlsx",
        {
            "Requests": SheetData(
                header=["\ufeffRequest\u200b ID", *REQUEST_HEADERS[1:]],
                rows=[request("R-\u200b1", reason="Evaluating\u00a0the\u00a0service\u00a0")],
            )
        },
    )
    result = _ingest(ready, again)
    assert result.code == 0, result.stderr
    assert [r["Decision"] for r in rows_of(ready.decisions(again)["Requests"])] == [
        "Already submitted"
    ]
    assert _pending(ready) == 1000


# ---- cell reading: one shared workbook, one row per case ---------------------------------

HEADERS = [
    "Request ID",
    "Template Name",
    "customer uin",
    "Estimated Revenue (USD)",
    "Estimated Conversion Date",
    "Application Reason",
    "Requested By",
]
FIELDS = ["rid", "tpl", "uin", "revenue", "when", "reason", "by"]


@dataclass(frozen=True)
class Case:
    name: str
    cells: dict[str, object]
    bad_column: str | None = None  # the input column letter refused, None = accepted
    fragment: str = ""  # expected in the problem text (case-insensitive)
    check_value: bool = True  # the Errors sheet shows the input value


CASES = [
    Case("comma_thousands", {"revenue": "12,000"}),
    Case("fullwidth_digits", {"revenue": "５０００"}),
    Case("fullwidth_digits_ascii_comma", {"revenue": "１２,０００"}),
    Case("uin_integral_number", {"uin": 100012340001}),
    Case("date_text_iso", {"when": "2027-03-31"}),
    Case("date_text_slashes", {"when": "2027/03/31"}),
    Case(
        "nbsp_in_text",
        {"tpl": "\u00a0Starter\u00a0\u00a0Trial\u00a0", "uin": "\u00a0100012340002\u00a0"},
    ),
    Case(
        "zero_width_and_bom_in_text",
        {"tpl": "\ufeffStarter\u200b Trial", "uin": "100012340001\u200b"},
    ),
    Case("decimal_refused", {"revenue": 12.5}, "D", "whole number"),
    Case("dot_thousands_refused", {"revenue": "1.000"}, "D", "whole number"),
    Case("k_suffix_refused", {"revenue": "12k"}, "D", "whole number"),
    Case("uin_scientific_text_refused", {"uin": "1.00012E+11"}, "C", "uin"),
    Case("uin_17_digit_float_refused", {"uin": 12345678901234567.0}, "C", "uin"),
    Case("date_ambiguous_refused", {"when": "03/04/2027"}, "E", "ambiguous"),
    Case("formula_without_value_refused", {"revenue": "=2000+3000"}, "D", "formula", False),
]
FIRST_ROW = 2
HIDDEN_ROW = FIRST_ROW + len(CASES)
MERGED_ROWS = (HIDDEN_ROW + 1, HIDDEN_ROW + 2)


def _case_row(i: int, cells: dict[str, object]) -> list[object]:
    base = dict(zip(FIELDS, request(f"C-{i}"), strict=True))
    return [cells.get(f, base[f]) for f in FIELDS]


@dataclass
class SharedRun:
    result: Result
    rows: dict[int, dict[str, Any]]  # Excel row -> decision row
    errors: list[dict[str, Any]]
    pending: int


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, base_ledger: Path) -> SharedRun:
    cli = _copy_ledger(base_ledger, Cli(tmp_path_factory.mktemp("cells")))
    rows = [_case_row(i, case.cells) for i, case in enumerate(CASES)]
    rows.append(_case_row(90, {"rid": "C-HIDDEN"}))
    rows += [_case_row(91, {"rid": "C-M1"}), _case_row(92, {"rid": "C-M2"})]
    book = write_workbook(
        cli.folder / "cells.xlsx",
        {"Requests": SheetData(header=HEADERS, rows=rows, hidden_rows=[HIDDEN_ROW])},
    )
    wb = openpyxl.load_workbook(book)
    wb["Requests"].merge_cells(f"F{MERGED_ROWS[0]}:F{MERGED_ROWS[1]}")
    wb.save(book)
    result = _ingest(cli, book)
    out = cli.decisions(book)
    return SharedRun(
        result,
        {r["Row"]: r for r in rows_of(out["Requests"])},
        rows_of(out["Errors"]),
        _pending(cli),
    )


def _errors_at(run: SharedRun, row: int) -> list[dict[str, Any]]:
    return [e for e in run.errors if e["Row"] == row and e["Sheet"] == "Requests"]


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c.name for c in CASES])
def test_cell_reading(shared: SharedRun, index: int) -> None:
    case = CASES[index]
    row_no = FIRST_ROW + index
    row = shared.rows[row_no]
    errors = _errors_at(shared, row_no)
    if case.bad_column is None:
        assert row["Decision"] == "Pending approval", row["Reason"]
        assert errors == []
        return
    assert row["Decision"] == "Refused"
    assert case.fragment in (row["Reason"] or "").casefold()
    column = HEADERS[ord(case.bad_column) - ord("A")]
    [error] = [e for e in errors if e["Cell"] == f"{case.bad_column}{row_no}"]
    assert error["Column"] == column  # the header as written in the input
    assert case.fragment in error["Problem"].casefold()
    if case.check_value:
        value = next(iter(case.cells.values()))
        # Excel keeps 15-16 significant digits, so a written float may differ in the last one
        expected = pytest.approx(value, rel=1e-15) if isinstance(value, float) else value
        assert error["Value"] == expected


def test_hidden_row_is_refused_with_reason(shared: SharedRun) -> None:
    row = shared.rows[HIDDEN_ROW]
    assert row["Decision"] == "Refused"
    assert "hidden" in row["Reason"].casefold() and "unhide" in row["Reason"].casefold()
    assert any("hidden" in e["Problem"].casefold() for e in _errors_at(shared, HIDDEN_ROW))


def test_merged_range_refuses_every_row_it_covers(shared: SharedRun) -> None:
    for row_no in MERGED_ROWS:
        assert shared.rows[row_no]["Decision"] == "Refused"
        assert "merged" in shared.rows[row_no]["Reason"].casefold()
        cells = {e["Cell"] for e in _errors_at(shared, row_no)}
        assert f"F{row_no}" in cells
        [error] = [e for e in _errors_at(shared, row_no) if e["Cell"] == f"F{row_no}"]
        assert error["Column"] == "Application Reason"


def test_cell_workbook_exit_code_and_quota(shared: SharedRun) -> None:
    assert shared.result.code == 1, shared.result.stderr
    accepted = sum(c.bad_column is None for c in CASES)
    assert sorted(shared.rows) == list(range(FIRST_ROW, MERGED_ROWS[1] + 1))
    assert sum(r["Decision"] == "Pending approval" for r in shared.rows.values()) == accepted
    assert shared.pending == accepted * 1000


# ---- formulas with cached values, error values, user text stays text ---------------------


def test_formulas_error_values_and_user_text_in_xlsxwriter_workbook(ready: Cli) -> None:
    path = ready.folder / "formulas.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Requests")
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, REQUEST_HEADERS)
    link = '=HYPERLINK("http://x","y")'
    cmd = "+cmd|' /C calc'!A0"
    specs: list[tuple[str, str, object, str]] = [
        ("X-CALC", "100012340001", ("=2000+3000", 5000), "Evaluating"),
        ("X-NA", "100012340001", ("=NA()", "#N/A"), "Evaluating"),
        ("X-LINK", "100012340001", 1, link),
        ("X-CMD", "100012340002", 1, cmd),
        ("X-UIN", "=1+1", 1, "Evaluating"),
    ]
    for r, (rid, uin, revenue, reason) in enumerate(specs, start=1):
        ws.write_string(r, 0, rid)
        if rid == "X-CALC":  # a text formula with a cached value too
            ws.write_formula(r, 1, '="Starter "&"Trial"', None, "Starter Trial")
        else:
            ws.write_string(r, 1, "Starter Trial")
        ws.write_string(r, 2, uin)
        if isinstance(revenue, tuple):
            ws.write_formula(r, 3, revenue[0], None, revenue[1])
        else:
            ws.write_number(r, 3, revenue)
        ws.write_datetime(r, 4, datetime.combine(LATER, datetime.min.time()), date_fmt)
        ws.write_string(r, 5, reason)
        ws.write_string(r, 6, "ops.analyst")
    book.close()

    result = _ingest(ready, path)
    assert result.code == 1, result.stderr
    out = ready.decisions(path)
    rows = {c["Request ID"].value: c for c in _cells(out["Requests"])}
    assert rows["X-CALC"]["Decision"].value == "Pending approval", rows["X-CALC"]["Reason"].value
    assert rows["X-CALC"]["Estimated Revenue"].value == 5000
    assert rows["X-NA"]["Decision"].value == "Refused"
    assert "#N/A" in rows["X-NA"]["Reason"].value
    for rid, text in (("X-LINK", link), ("X-CMD", cmd)):
        cell = rows[rid]["Application Reason"]
        assert rows[rid]["Decision"].value == "Pending approval"
        assert (cell.data_type, cell.value) == ("s", text)
    assert rows["X-UIN"]["Decision"].value == "Refused"
    errors = _cells(out["Errors"])
    [na] = [e for e in errors if e["Row"].value == 3]
    assert na["Cell"].value == "D3" and na["Column"].value == "Estimated Revenue"
    [uin] = [e for e in errors if e["Row"].value == 6]
    assert uin["Cell"].value == "C6"
    assert (uin["Value"].data_type, uin["Value"].value) == ("s", "=1+1")
    for sheet in out.worksheets:  # no live formula anywhere in what the tool wrote
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert _pending(ready) == 3000


# ---- hidden sheets --------------------------------------------------------------------


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_hidden_requests_sheet_is_skipped_and_reported(ready: Cli, state: str) -> None:
    book = write_workbook(
        ready.folder / "hidden.xlsx",
        {
            "Customers": [customer("100012340003", "Fourth Co")],
            "Requests": SheetData(rows=[request("HS-1")], state=state),
        },
    )
    result = _ingest(ready, book)
    assert result.code == 0, result.stderr
    out = ready.decisions(book)
    assert [r["Decision"] for r in rows_of(out["Customers"])] == ["Added"]
    assert all(name.strip().casefold() != "requests" for name in out.sheetnames)
    summary = [
        " ".join(str(v) for v in row if v is not None)
        for row in out["Summary"].iter_rows(values_only=True)
    ]
    assert any("Requests" in line and "skipped" in line.casefold() for line in summary), summary
    assert _pending(ready) == 0


# ---- workbooks that cannot be used at all: exit 2, nothing recorded ------------------------


def _csv(path: Path) -> None:
    path.write_text("Request ID,Template Name\nR-1,Starter Trial\n", encoding="utf-8")


def _random(path: Path) -> None:
    path.write_bytes(b"\x01" + random.Random(7).randbytes(4095))


def _empty_zip(path: Path) -> None:
    zipfile.ZipFile(path, "w").close()


def _truncated(path: Path) -> None:
    full = write_workbook(path.with_suffix(".full.xlsx"), {"Requests": [request("T-1")]})
    data = full.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _missing_column(path: Path) -> None:
    header = [h for h in REQUEST_HEADERS if h != "Application Reason"]
    row = [
        v for h, v in zip(REQUEST_HEADERS, request("M-1"), strict=True) if h != "Application Reason"
    ]
    write_workbook(
        path,
        {"Customers": [customer("100012340004")], "Requests": SheetData(header=header, rows=[row])},
    )


def _no_known_sheet(path: Path) -> None:
    write_workbook(path, {"Sheet1": [["Request ID", "Template Name"], ["R-1", "Starter Trial"]]})


def _only_hidden_requests(path: Path) -> None:
    write_workbook(
        path,
        {
            "Notes": [["see the hidden sheet"]],
            "Requests": SheetData(rows=[request("HO-1")], state="hidden"),
        },
    )


UNUSABLE: list[tuple[str, Callable[[Path], None], list[str]]] = [
    ("csv_renamed", _csv, []),
    ("random_bytes", _random, []),
    ("empty_zip", _empty_zip, []),
    ("truncated", _truncated, []),
    ("missing_required_column", _missing_column, ["Requests", "Application Reason"]),
    ("no_known_sheet", _no_known_sheet, []),
    ("only_a_hidden_requests_sheet", _only_hidden_requests, []),
]


@pytest.mark.parametrize(
    ("builder", "fragments"), [u[1:] for u in UNUSABLE], ids=[u[0] for u in UNUSABLE]
)
def test_unusable_workbook_exits_2_and_records_nothing(
    ready: Cli, builder: Callable[[Path], None], fragments: list[str]
) -> None:
    book = ready.folder / "broken-input.xlsx"
    builder(book)
    result = _ingest(ready, book)
    assert result.code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert book.name in lines[0]
    for fragment in fragments:
        assert fragment in lines[0]
    assert ready.quota() == FRESH
