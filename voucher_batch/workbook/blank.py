"""`sheets blank`: an empty input workbook laid out from the sheet contracts.

Each input sheet gets its canonical header row (required headers marked in the header
comment), a dropdown with a stop alert for every enumerated column, input messages that
say what a column takes, and an Instructions sheet first.
"""

from __future__ import annotations

from pathlib import Path

from ..atomic import atomic_path
from .sheets import CHOICE, DATE, INPUT_SHEETS, TEXT, UIN, WHOLE
from .writer import new_book

ROWS_WITH_VALIDATION = 5000

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
    ("Numbers", "Whole numbers only (12000 or 12,000). Decimals are refused, never rounded."),
    ("Dates", "Date cells or text YYYY-MM-DD."),
    ("UINs", "5-20 digits; type them as text so Excel keeps every digit."),
    ("Hidden rows", "Hidden rows are refused; unhide them to submit."),
    ("Submit", "voucher-batch ingest WORKBOOK --dry-run to check, then without --dry-run."),
]


def write_blank(path: Path) -> Path:
    with atomic_path(path) as tmp:
        book = new_book(tmp)
        bold = book.add_format({"bold": True})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        header_fmt = book.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1})
        required_fmt = book.add_format(
            {"bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF", "border": 1}
        )
        text_fmt = book.add_format({"num_format": "@"})
        date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
        amount_fmt = book.add_format({"num_format": "#,##0"})
        guide = book.add_worksheet("Instructions")
        guide.set_column(0, 0, 18)
        guide.set_column(1, 1, 100)
        for r, (label, text) in enumerate(INSTRUCTIONS):
            guide.write_string(r, 0, label, bold)
            guide.write_string(r, 1, text, wrap)
        for spec in INPUT_SHEETS:
            ws = book.add_worksheet(spec.name)
            for c, column in enumerate(spec.columns):
                label = column.name
                ws.write_string(0, c, label, required_fmt if column.required else header_fmt)
                fmt = {TEXT: text_fmt, UIN: text_fmt, DATE: date_fmt, WHOLE: amount_fmt}.get(
                    column.kind
                )
                ws.set_column(c, c, max(16, len(label) + 4), fmt)
                message = column.note or ("Pick a value" if column.kind == CHOICE else "")
                if column.required:
                    message = f"Required. {message}".strip()
                options: dict[str, object] = {}
                if column.kind == CHOICE:
                    options = {
                        "validate": "list",
                        "source": list(column.choices),
                        "error_title": column.name,
                        "error_message": "Pick one of: " + ", ".join(column.choices),
                        "error_type": "stop",
                    }
                elif message:
                    options = {"validate": "any"}
                if options:
                    options.update(
                        {
                            "input_title": column.name[:32],
                            "input_message": message[:255],
                            "show_input": True,
                            "show_error": True,
                        }
                    )
                    ws.data_validation(1, c, ROWS_WITH_VALIDATION, c, options)
            ws.freeze_panes(1, 0)
        book.close()
    return path
