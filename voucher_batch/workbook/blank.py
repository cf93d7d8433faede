"""`sheets blank`: an empty input workbook laid out from the sheet contracts.

Each input sheet gets its canonical header row (required headers on dark blue), and every
column the validation Excel can do: a dropdown for enumerated columns, whole numbers in
range for amounts, dates for date columns, text length where a rule limits it. Each carries
an input message naming its rule and a stop alert. With `LedgerLists`, a `Ledger` sheet lists
the ledger's bound customers (with names) and templates, and the Requests sheet's Customer UIN
and Template Name offer them as dropdowns through defined names; those alerts only warn,
since a customer or template added on this workbook's own sheets is valid too (R7).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..atomic import atomic_path
from ..domain.model import (
    AMOUNT_MAX,
    AMOUNT_MIN,
    DESCRIPTION_MAX,
    REASON_MAX,
    REQUEST_ID_MAX,
    TEMPLATE_NAME_MAX,
)
from .sheets import CHOICE, DATE, INPUT_SHEETS, TEXT, UIN, WHOLE, ColumnSpec, SheetSpec
from .writer import AMOUNT_FORMAT, DATE_FORMAT, new_book, write_cell

ROWS_WITH_VALIDATION = 5000
LEDGER_SHEET = "Ledger"
CUSTOMERS_NAME = "VoucherBatch_BoundCustomers"
TEMPLATES_NAME = "VoucherBatch_Templates"
LEDGER_HEADER_ROW = 2  # 0-based: a title line, a note line, then the header
ANY_DATE = (date(1900, 1, 1), date(9999, 12, 31))

INSTRUCTIONS = [
    ("How to use this workbook", ""),
    (
        "Sheets",
        "Fill Customers, Templates and Requests; leave a sheet empty if not needed. "
        "They are applied in that order.",
    ),
    (
        "Headers",
        "Keep the header row. Columns may be reordered; extra columns are kept in the "
        "decision workbook and otherwise ignored.",
    ),
    ("Required", "Headers on a dark blue background are required."),
    ("Checks", "Each cell says which rule it follows when selected; Excel stops what breaks it."),
    ("Numbers", "Whole numbers only (12000 or 12,000). Decimals are refused, never rounded."),
    ("Dates", "Date cells or text YYYY-MM-DD."),
    ("UINs", "5-20 digits; type them as text so Excel keeps every digit."),
    ("Hidden rows", "Hidden rows are refused; unhide them to submit."),
    ("Submit", "voucher-batch ingest WORKBOOK --dry-run to check, then without --dry-run."),
]


@dataclass(frozen=True)
class LedgerLists:
    """What the ledger holds for the Requests dropdowns, as plain values."""

    ledger: str  # the ledger as the user may see it
    as_of: date
    customers: Sequence[tuple[str, str]]  # bound customers: (UIN, name), in UIN order
    templates: Sequence[tuple[str, int, str]]  # (name, amount, validity period), by name


def _rule(text: str, options: dict[str, Any], title: str, stop: bool = True) -> dict[str, Any]:
    return {
        **options,
        "input_title": title[:32],
        "input_message": text[:255],
        "error_title": title[:32],
        "error_message": text[:255],
        "error_type": "stop" if stop else "warning",
        "show_input": True,
        "show_error": True,
    }


def _length(low: int, high: int) -> dict[str, Any]:
    return {"validate": "length", "criteria": "between", "minimum": low, "maximum": high}


# column -> (rule text, validation) for the columns of every input sheet that Excel can check
_CHECKS: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("Customers", "Customer UIN"): (
        "R7: 5-20 digits, typed as text so Excel keeps every digit.",
        _length(5, 20),
    ),
    ("Customers", "Bound Since"): (
        "A date (YYYY-MM-DD).",
        {"validate": "date", "criteria": "between", "minimum": ANY_DATE[0], "maximum": ANY_DATE[1]},
    ),
    ("Templates", "Template Name"): (
        f"R4: 1-{TEMPLATE_NAME_MAX} letters and spaces, unique in the ledger.",
        _length(1, TEMPLATE_NAME_MAX),
    ),
    ("Templates", "Amount"): (
        f"R5: a whole number {AMOUNT_MIN} to {AMOUNT_MAX:,}.",
        {
            "validate": "integer",
            "criteria": "between",
            "minimum": AMOUNT_MIN,
            "maximum": AMOUNT_MAX,
        },
    ),
    ("Templates", "Description"): (
        f"R5: optional, at most {DESCRIPTION_MAX} characters.",
        _length(0, DESCRIPTION_MAX),
    ),
    ("Requests", "Request ID"): (
        f"R9: 1-{REQUEST_ID_MAX} characters, unique in the ledger.",
        _length(1, REQUEST_ID_MAX),
    ),
    ("Requests", "Customer UIN"): (
        "R7: the UIN (5-20 digits) of a bound customer.",
        _length(5, 20),
    ),
    ("Requests", "Estimated Revenue"): (
        "R7: a whole number, 0 or more.",
        {"validate": "integer", "criteria": ">=", "value": 0},
    ),
    ("Requests", "Application Reason"): (
        f"R7: required, 1-{REASON_MAX} characters.",
        _length(1, REASON_MAX),
    ),
}
_NOTES = {
    ("Templates", "Validity Period"): "R5: N days (1-366) or N months (1-12), e.g. 30 days.",
    ("Requests", "Template Name"): "R7: the name of a template of the ledger or of this workbook.",
    ("Requests", "Requested By"): "Who asks (R10: never the reviewer). Blank = the operator.",
}


def column_rule(
    sheet: str, column: ColumnSpec, as_of: date, lists: LedgerLists | None
) -> dict[str, Any] | None:
    """The data validation of one input column, or None when Excel cannot check it."""
    if column.kind == CHOICE:
        choices = ", ".join(column.choices)
        blank = f" ({column.note})" if column.note else ""
        rule = "R5" if sheet == "Templates" else "R7"
        text = f"{rule}: one of {choices}{blank}."
        return _rule(text, {"validate": "list", "source": list(column.choices)}, column.name)
    if (sheet, column.name) == ("Requests", "Estimated Conversion Date"):
        text = f"R7: a date not before the processing date (from {as_of.isoformat()})."
        return _rule(text, {"validate": "date", "criteria": ">=", "value": as_of}, column.name)
    listed = _ledger_rule(sheet, column, lists)
    if listed is not None:
        return listed
    if (sheet, column.name) in _CHECKS:
        text, options = _CHECKS[(sheet, column.name)]
        return _rule(text, options, column.name)
    note = _NOTES.get((sheet, column.name))
    return _rule(note, {"validate": "any"}, column.name) if note else None


def _ledger_rule(
    sheet: str, column: ColumnSpec, lists: LedgerLists | None
) -> dict[str, Any] | None:
    """A dropdown of the ledger's bound customers or templates (a warning, not a stop: one
    added on this workbook's Customers or Templates sheet is valid too)."""
    if lists is None or sheet != "Requests":
        return None
    on = lists.as_of.isoformat()
    if column.name == "Customer UIN" and lists.customers:
        text = (
            f"R7: a bound customer: pick from the ledger's on {on} (names on sheet "
            f"{LEDGER_SHEET}) or one added on the Customers sheet."
        )
        return _rule(text, {"validate": "list", "source": f"={CUSTOMERS_NAME}"}, column.name, False)
    if column.name == "Template Name" and lists.templates:
        text = (
            f"R7: a template: pick from the ledger's on {on} (sheet {LEDGER_SHEET}) or one "
            "added on the Templates sheet."
        )
        return _rule(text, {"validate": "list", "source": f"={TEMPLATES_NAME}"}, column.name, False)
    return None


def _write_ledger_sheet(book: Workbook, lists: LedgerLists) -> None:
    """The ledger's bound customers and templates: what the Requests dropdowns offer."""
    ws = book.add_worksheet(LEDGER_SHEET)
    bold = book.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1})
    text = book.add_format({"num_format": "@"})
    amount = book.add_format({"num_format": AMOUNT_FORMAT})
    ws.write_string(0, 0, f"What ledger {lists.ledger} holds on {lists.as_of.isoformat()}")
    ws.write_string(
        1, 0, "The Requests dropdowns list these; this sheet is not read when the workbook "
        "is ingested."
    )  # fmt: skip
    headers = ["Customer UIN", "Customer Name", "", "Template Name", "Amount", "Validity Period"]
    for c, label in enumerate(headers):
        if label:
            ws.write_string(LEDGER_HEADER_ROW, c, label, bold)
    first = LEDGER_HEADER_ROW + 1
    for i, (uin, name) in enumerate(lists.customers):
        write_cell(ws, first + i, 0, uin, text)
        write_cell(ws, first + i, 1, name, None)
    for i, (tpl, value, period) in enumerate(lists.templates):
        write_cell(ws, first + i, 3, tpl, text)
        write_cell(ws, first + i, 4, value, amount)
        write_cell(ws, first + i, 5, period, None)
    for c, width in enumerate([18, 30, 3, 24, 12, 16]):
        ws.set_column(c, c, width)
    ws.freeze_panes(first, 0)
    for name, col, count in (
        (CUSTOMERS_NAME, "A", len(lists.customers)),
        (TEMPLATES_NAME, "D", len(lists.templates)),
    ):
        if count:
            book.define_name(name, f"={LEDGER_SHEET}!${col}${first + 1}:${col}${first + count}")


def _write_input_sheet(
    book: Workbook, spec: SheetSpec, styles: dict[str, Any], as_of: date, lists: LedgerLists | None
) -> None:
    ws: Worksheet = book.add_worksheet(spec.name)
    for c, column in enumerate(spec.columns):
        label = column.name
        ws.write_string(0, c, label, styles["required" if column.required else "header"])
        ws.set_column(c, c, max(16, len(label) + 4), styles.get(column.kind))
        rule = column_rule(spec.name, column, as_of, lists)
        if rule is not None:
            if column.required:
                rule["input_message"] = f"Required. {rule['input_message']}"[:255]
            ws.data_validation(1, c, ROWS_WITH_VALIDATION, c, rule)
    ws.freeze_panes(1, 0)


def write_blank(path: Path, as_of: date, lists: LedgerLists | None = None) -> Path:
    """Write the blank workbook at `path` (never over an existing file)."""
    with atomic_path(path) as tmp:
        book = new_book(tmp)
        bold = book.add_format({"bold": True})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        styles = {
            "header": book.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1}),
            "required": book.add_format(
                {"bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF", "border": 1}
            ),
            TEXT: book.add_format({"num_format": "@"}),
            UIN: book.add_format({"num_format": "@"}),
            DATE: book.add_format({"num_format": DATE_FORMAT}),
            WHOLE: book.add_format({"num_format": AMOUNT_FORMAT}),
        }
        guide = book.add_worksheet("Instructions")
        guide.set_column(0, 0, 18)
        guide.set_column(1, 1, 100)
        rows = list(INSTRUCTIONS)
        if lists is not None:
            rows.insert(-1, ("Ledger", _ledger_note(lists)))
        for r, (label, text) in enumerate(rows):
            guide.write_string(r, 0, label, bold)
            guide.write_string(r, 1, text, wrap)
        for spec in INPUT_SHEETS:
            _write_input_sheet(book, spec, styles, as_of, lists)
        if lists is not None:
            _write_ledger_sheet(book, lists)
        book.close()
    return path


def _ledger_note(lists: LedgerLists) -> str:
    return (
        f"On Requests, Customer UIN and Template Name offer the ledger's "
        f"{len(lists.customers)} bound customer(s) and {len(lists.templates)} template(s) "
        f"on {lists.as_of.isoformat()} (sheet {LEDGER_SHEET}, with names). A customer or "
        "template added on this workbook's own sheets may be typed in: Excel only warns."
    )
