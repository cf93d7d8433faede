"""The review workbook that `review export` writes, from plain data.

Instructions first; then `Review` with the contract's columns: the four a reviewer fills
(Decision, Review Comment, Reviewer, Decision Date) are white, the others grey. The sheet is
not protected: Excel refuses to sort a protected range that holds locked cells, and the
control is the row check (any edit to a grey cell is refused on import), not protection.
The white cells are also marked unlocked, so a reviewer who protects the sheet for
themselves can still fill them. `Decision` is a dropdown fed from the hidden `Lists` sheet;
a very hidden `Manifest` sheet carries the export's signed manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..atomic import atomic_path
from ..domain.choices import labels
from .sheets import EDITABLE_REVIEW_COLUMNS, REVIEW
from .writer import (
    AMOUNT_FORMAT,
    CELL_MAX_CHARS,
    DATE_FORMAT,
    EXACT_LIMIT,
    fit_cell,
    new_book,
    scratch,
    write_cell,
)

HEADER_ROW = 3  # 0-based: two lines of title and note, a blank line, then the header
OVERDUE_FILL = "#FFF4CE"
MANIFEST_SHEET = "Manifest"
LISTS_SHEET = "Lists"
_EITHER = " or ".join(labels("Decision"))  # "Approve or Reject"

INSTRUCTIONS = [
    ("Review workbook", ""),
    (
        "What to fill",
        "On the Review sheet, for each issuance: Decision (Approve or Reject), "
        "Review Comment (required to reject), Reviewer (blank = the name given to "
        "'review import --reviewer', else the operator), Decision Date (blank = the day it "
        "is imported), and optionally Voucher ID (the console voucher of an approved row).",
    ),
    ("Leave blank", "A row with a blank Decision stays pending and can be decided later."),
    (
        "Do not touch",
        "The grey columns and the Row Check: nothing stops typing in them, but every row is "
        "checked against the ledger on import, and a row with an edited grey cell, a copied "
        "Row Check or a row added by hand is refused.",
    ),
    (
        "Four eyes",
        "The reviewer may be neither the requester nor the operator who ingested the request.",
    ),
    ("Overdue", "Highlighted rows have waited more than 3 business days."),
    (
        "Sort and filter",
        "The sheet is not protected, so sorting and filtering work in Excel and LibreOffice "
        "alike: rows are matched by Issuance ID, never by position.",
    ),
    (
        "Send it back",
        "Save as .xlsx (Excel or LibreOffice) and return it for 'voucher-batch review import'.",
    ),
]


@dataclass(frozen=True)
class ReviewExport:
    export_id: str
    generated_at: datetime
    as_of: date
    operator: str
    calendar: str
    rows: list[list[object]]  # values in REVIEW column order
    overdue: list[bool]
    manifest: list[tuple[str, str]]


def write_review_export(path: Path, export: ReviewExport) -> Path:
    with atomic_path(path) as tmp, scratch() as rows:
        book = new_book(tmp, constant_memory=True, tmpdir=Path(rows))  # rows go to disk
        _write_instructions(book)
        ws = book.add_worksheet(REVIEW.name)
        _write_title_and_headers(book, ws, export)
        _write_rows(ws, export, _formats(book))
        _finish_review_sheet(ws, HEADER_ROW + max(len(export.rows), 1))
        _write_hidden_sheets(book, export)
        book.close()
    return path


def _write_instructions(book: Workbook) -> None:
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    guide = book.add_worksheet("Instructions")
    guide.set_column(0, 0, 18)
    guide.set_column(1, 1, 100)
    for r, (label, text) in enumerate(INSTRUCTIONS):
        guide.write_string(r, 0, label, bold)
        guide.write_string(r, 1, text, wrap)


def _write_title_and_headers(book: Workbook, ws: Worksheet, export: ReviewExport) -> None:
    headers = [c.name for c in REVIEW.columns]
    editable = {headers.index(c) for c in EDITABLE_REVIEW_COLUMNS}
    title = book.add_format({"bold": True, "font_size": 13})
    ws.write_string(
        0,
        0,
        f"Review export {export.export_id} · generated "
        f"{export.generated_at:%Y-%m-%d %H:%M} UTC by {export.operator} · as of "
        f"{export.as_of.isoformat()} · {len(export.rows)} pending · business days: "
        f"{export.calendar}",
        title,
    )
    ws.write_string(
        1,
        0,
        "Fill only the white columns (Decision, Review Comment, "
        "Reviewer, Decision Date). Highlighted rows are overdue.",
    )
    header_fmt = book.add_format(
        {"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True}
    )
    edit_header = book.add_format(
        {"bold": True, "bg_color": "#FFFFFF", "border": 1, "text_wrap": True}
    )
    for c, name in enumerate(headers):
        ws.write_string(HEADER_ROW, c, name, edit_header if c in editable else header_fmt)


def _formats(book: Workbook) -> dict[str, Format]:
    """The cell formats of the Review sheet: locked grey, overdue yellow, editable white."""
    return {
        name: book.add_format(props)
        for name, props in {
            "locked": {"bg_color": "#F2F2F2"},
            "locked_overdue": {"bg_color": OVERDUE_FILL},
            "waiting_overdue": {
                "bg_color": OVERDUE_FILL,
                "bold": True,
                "font_color": "#9C0006",
            },
            "amount": {"bg_color": "#F2F2F2", "num_format": AMOUNT_FORMAT},
            "amount_overdue": {"bg_color": OVERDUE_FILL, "num_format": AMOUNT_FORMAT},
            "date": {"bg_color": "#F2F2F2", "num_format": DATE_FORMAT},
            "date_overdue": {"bg_color": OVERDUE_FILL, "num_format": DATE_FORMAT},
            "edit": {"locked": False},
            "edit_date": {"locked": False, "num_format": DATE_FORMAT},
        }.items()
    }


def _write_rows(ws: Worksheet, export: ReviewExport, formats: dict[str, Format]) -> None:
    headers = [c.name for c in REVIEW.columns]
    editable = {headers.index(c) for c in EDITABLE_REVIEW_COLUMNS}
    waiting_col = headers.index("Business Days Waiting")
    kinds = [c.kind for c in REVIEW.columns]

    def column_format(c: int, late: bool) -> Format:
        if c in editable:
            return formats["edit_date" if kinds[c] == "date" else "edit"]
        if c == waiting_col and late:
            return formats["waiting_overdue"]
        base = {"whole number": "amount", "date": "date"}.get(kinds[c], "locked")
        return formats[f"{base}_overdue" if late else base]

    # each column's format, on time and overdue, chosen once; the usual text, whole numbers
    # and dates are written as `write_cell` writes them, without its dispatch per cell
    by_lateness = [[column_format(c, late) for c in range(len(headers))] for late in (False, True)]
    write_string, write_number, write_datetime = ws.write_string, ws.write_number, ws.write_datetime
    midnight = time()
    for i, values in enumerate(export.rows):
        r = HEADER_ROW + 1 + i
        column_formats = by_lateness[export.overdue[i]]
        for c, value in enumerate(values):
            fmt = column_formats[c]
            if type(value) is str and value:
                write_string(r, c, value if len(value) <= CELL_MAX_CHARS else fit_cell(value), fmt)
            elif type(value) is int and abs(value) < EXACT_LIMIT:
                write_number(r, c, value, fmt)
            elif type(value) is date:
                write_datetime(r, c, datetime.combine(value, midnight), fmt)
            else:
                write_cell(ws, r, c, value, fmt)


def _finish_review_sheet(ws: Worksheet, last: int) -> None:
    """The Decision dropdown, column widths, frozen panes and filter (no protection)."""
    headers = [c.name for c in REVIEW.columns]
    decision_col = headers.index("Decision")
    ws.data_validation(
        HEADER_ROW + 1,
        decision_col,
        last,
        decision_col,
        {
            "validate": "list",
            "source": f"={LISTS_SHEET}!$A$1:$A${len(labels('Decision'))}",
            "input_title": "Decision",
            "input_message": f"{_EITHER}; leave blank to decide later.",
            "error_title": "Decision",
            "error_message": f"Choose {_EITHER} from the list.",
            "error_type": "stop",
            "show_input": True,
            "show_error": True,
        },
    )
    widths = {
        "Application Reason": 40,
        "Review Comment": 36,
        "Row Check": 34,
        "Template Name": 22,
        "Customer Name": 22,
    }
    for c, name in enumerate(headers):
        ws.set_column(c, c, widths.get(name, max(12, len(name) + 2)))
    ws.freeze_panes(HEADER_ROW + 1, 2)
    ws.autofilter(HEADER_ROW, 0, last, len(headers) - 1)
    # not protected: Excel cannot sort a protected range holding locked cells; the row check
    # is the control


def _write_hidden_sheets(book: Workbook, export: ReviewExport) -> None:
    lists = book.add_worksheet(LISTS_SHEET)
    for r, label in enumerate(labels("Decision")):  # the Decision dropdown's source
        lists.write_string(r, 0, label)
    lists.hide()
    manifest = book.add_worksheet(MANIFEST_SHEET)
    for r, (key, value) in enumerate(export.manifest):
        manifest.write_string(r, 0, key)
        manifest.write_string(r, 1, value)
    manifest.very_hidden()
