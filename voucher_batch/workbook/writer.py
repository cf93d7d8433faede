"""Writing workbooks from plain data: decision workbooks (and later review workbooks).

Writers know nothing of the ledger or the rules. Every string goes through `write_string`,
so user text such as `=HYPERLINK(...)`, `+cmd|...` or `#N/A` is stored as text and can
never become a live formula or an error cell. Files are written under a temporary name and
moved into place, so a crash never leaves a half-written workbook under the final name.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from ..atomic import atomic_path
from .sheets import APPENDED_NAME

AMOUNT_FORMAT = "#,##0"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
REFUSED_FILL = "#FDE2E1"
HEADER_FILL = "#DCE6F1"
MAX_WIDTH = 60
CELL_MAX_CHARS = 32_767  # what one Excel cell (or comment) holds
MAX_LINKS = 65_530  # what one Excel sheet holds


def fit_cell(text: str) -> str:
    """`text`, or, when longer than a cell holds, its start with a visible marker saying
    how long it was (never cut silently)."""
    if len(text) <= CELL_MAX_CHARS:
        return text
    marker = f" [... cut: {len(text):,} characters in all, a cell holds {CELL_MAX_CHARS:,}]"
    return text[: CELL_MAX_CHARS - len(marker)] + marker


@dataclass
class Table:
    """One sheet: headers, rows of plain values, optional per-column number formats."""

    title: str
    headers: list[str]
    rows: Sequence[list[object]]  # iterated in order, perhaps more than once
    formats: list[str | None] = field(default_factory=list)  # per column; None = default
    highlight: list[bool] = field(default_factory=list)  # per row: refused rows are tinted
    comments: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> text
    # the first column the tool appended to an input sheet's own columns (Row, Decision, ...):
    # marked in the workbook so that the file, fixed and sent again, reads as input (section 3)
    appended_from: int | None = None
    cell_formats: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> format
    printable: bool = False  # set up to print: landscape A4, one page wide, header repeated
    # (row, col) -> a cell of this workbook ("'Sheet'!D7") the cell links to; its text stays
    links: dict[tuple[int, int], str] = field(default_factory=dict)


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self.cache: dict[tuple[str | None, bool], Any] = {}
        self.header = book.add_format(
            {"bold": True, "bg_color": HEADER_FILL, "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.link = book.add_format({"font_color": "#0563C1", "underline": 1})

    def get(self, num_format: str | None, tinted: bool) -> Any:
        key = (num_format, tinted)
        if key not in self.cache:
            props: dict[str, object] = {}
            if num_format:
                props["num_format"] = num_format
            if tinted:
                props["bg_color"] = REFUSED_FILL
            self.cache[key] = self.book.add_format(props) if props else None
        return self.cache[key]


EXACT_LIMIT = 10**15  # whole numbers from here on are written as text (Excel keeps 15 digits)


def write_cell(ws: Worksheet, r: int, c: int, value: object, fmt: Any) -> None:
    """The one cell writer of every workbook the tool writes.

    Strings are always text, never formulas; whole numbers beyond what a spreadsheet number
    holds exactly (15 significant digits), infinities and NaN are written as text, so what the
    ledger holds comes back unchanged when the workbook is read again.
    """
    if value is None or value == "":
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value, fmt)
    elif isinstance(value, float) and not math.isfinite(value):
        ws.write_string(r, c, str(value), fmt)  # Excel has no inf/nan
    elif isinstance(value, int) and abs(value) >= EXACT_LIMIT:
        ws.write_string(r, c, str(value), fmt)  # beyond Excel's 15 digits
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value, fmt)
    elif isinstance(value, datetime):
        ws.write_datetime(r, c, value, fmt)
    elif isinstance(value, date):
        ws.write_datetime(r, c, datetime.combine(value, time()), fmt)
    else:
        ws.write_string(r, c, fit_cell(str(value)), fmt)


def write_value(
    ws: Worksheet,
    r: int,
    c: int,
    value: object,
    fmts: _Formats,
    num_format: str | None,
    tinted: bool,
) -> None:
    """Write one value of a decision table, its number format chosen by its Python type."""
    if value is None or value == "":
        if tinted:
            write_cell(ws, r, c, None, fmts.get(None, True))
        return
    if (
        isinstance(value, bool)
        or (isinstance(value, float) and not math.isfinite(value))
        or (isinstance(value, int) and abs(value) >= EXACT_LIMIT)
    ):
        fmt = fmts.get(None, tinted)
    elif isinstance(value, int):
        fmt = fmts.get(num_format or AMOUNT_FORMAT, tinted)
    elif isinstance(value, float):
        fmt = fmts.get(num_format, tinted)
    elif isinstance(value, datetime):
        fmt = fmts.get(DATE_FORMAT if value.time() == time() else DATETIME_FORMAT, tinted)
    elif isinstance(value, date):
        fmt = fmts.get(DATE_FORMAT, tinted)
    else:
        fmt = fmts.get(None, tinted)
    write_cell(ws, r, c, value, fmt)


def _width(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, (date, datetime)):
        return 11
    if isinstance(value, int):
        return len(f"{value:,}")
    return max((len(line) for line in str(value).splitlines()), default=0)


@dataclass(frozen=True)
class _RowFormats:
    """The formats of a row's plain values (as `write_value` chooses them), tinted or not."""

    text: Any  # text, and blank cells of a tinted row
    whole: list[Any]  # whole numbers, by column
    real: list[Any]  # finite floats, by column
    day: Any  # a datetime at midnight
    moment: Any  # a datetime with a time of day


def _row_formats(fmts: _Formats, column_formats: list[str | None], tinted: bool) -> _RowFormats:
    return _RowFormats(
        text=fmts.get(None, tinted),
        whole=[fmts.get(f or AMOUNT_FORMAT, tinted) for f in column_formats],
        real=[fmts.get(f, tinted) for f in column_formats],
        day=fmts.get(DATE_FORMAT, tinted),
        moment=fmts.get(DATETIME_FORMAT, tinted),
    )


WIDTH_ROWS = 500  # rows whose values set the column widths


def _widths(headers: list[str], rows: Sequence[list[object]]) -> list[int]:
    widths = [max(8, min(MAX_WIDTH, len(h) + 2)) for h in headers]
    n = len(widths)
    for row in itertools.islice(rows, WIDTH_ROWS):
        for c, value in enumerate(row[:n]):
            widths[c] = max(widths[c], min(MAX_WIDTH, _width(value) + 2))
    return widths


def _comment(ws: Worksheet, r_c: tuple[int, int], text: str) -> None:
    ws.write_comment(r_c[0] + 1, r_c[1], fit_cell(text), {"x_scale": 2, "y_scale": 1.5})


ROWS_STEP = 1_000  # rows written between two calls of a writer's `advance`


# long on purpose: the per-cell loop runs for every cell of a decision workbook, so its
# common cases stay inline (no call per cell); comments and links go with their row
def write_table(
    book: xlsxwriter.Workbook,
    fmts: _Formats,
    table: Table,
    advance: Callable[[int], None] | None = None,
) -> None:
    """One sheet, written row by row (the workbook may stream rows to disk as it goes).

    Text, whole numbers, finite floats, datetimes and blanks, nearly all of a decision
    table, are written inline with their column's precomputed format; any other value, and
    every cell of a row that has a cell with a format of its own (`cell_formats`) or more
    cells than headers, goes through `write_value`, which chooses the same formats.
    `advance` hears the rows written."""
    ws = book.add_worksheet(table.title)
    width = len(table.headers)
    for c, header in enumerate(table.headers):
        ws.write_string(0, c, header, fmts.header)
    formats = table.formats or [None] * width
    column_formats = [formats[c] if c < len(formats) else None for c in range(width)]
    by_tint = (_row_formats(fmts, column_formats, False), _row_formats(fmts, column_formats, True))
    own: dict[int, dict[int, str]] = {}  # row -> column -> the cell's own format
    for (i, c), num_format in table.cell_formats.items():
        own.setdefault(i, {})[c] = num_format
    notes: dict[int, list[tuple[int, int]]] = {}
    for r_c in sorted(table.comments):
        notes.setdefault(r_c[0], []).append(r_c)
    # Excel holds at most MAX_LINKS links a sheet (xlsxwriter would then drop the cell's
    # text too): beyond them the cell keeps its text, without a link. Links, like notes, are
    # written with their row, before it is flushed.
    linked: dict[int, list[int]] = {}
    for r, c in itertools.islice(sorted(table.links), MAX_LINKS):
        linked.setdefault(r, []).append(c)
    after_row = notes.keys() | linked.keys()
    write_string, write_number = ws.write_string, ws.write_number
    write_datetime, write_blank = ws.write_datetime, ws.write_blank
    midnight, isfinite = time(), math.isfinite
    highlight = table.highlight
    for i, row in enumerate(table.rows):
        tinted = bool(highlight and highlight[i])
        r = i + 1
        if i in own or len(row) > width:
            mine = own.get(i, {})
            for c, value in enumerate(row):
                column_format = formats[c] if c < len(formats) else None
                write_value(ws, r, c, value, fmts, mine.get(c) or column_format, tinted)
        else:
            f = by_tint[tinted]
            for c, value in enumerate(row):
                if type(value) is str:
                    if value:
                        text = value if len(value) <= CELL_MAX_CHARS else fit_cell(value)
                        write_string(r, c, text, f.text)
                    elif tinted:
                        write_blank(r, c, None, f.text)
                elif type(value) is int and -EXACT_LIMIT < value < EXACT_LIMIT:
                    write_number(r, c, value, f.whole[c])
                elif type(value) is datetime:
                    write_datetime(r, c, value, f.day if value.time() == midnight else f.moment)
                elif type(value) is date:  # as `write_value` writes a date
                    write_datetime(r, c, datetime.combine(value, midnight), f.day)
                elif type(value) is float and isfinite(value):
                    write_number(r, c, value, f.real[c])
                elif value is None:
                    if tinted:
                        write_blank(r, c, None, f.text)
                elif isinstance(value, str):  # a str subclass, such as a decision's enum member
                    if value == "":
                        if tinted:
                            write_blank(r, c, None, f.text)
                    else:
                        write_string(r, c, fit_cell(str(value)), f.text)
                else:
                    write_value(ws, r, c, value, fmts, column_formats[c], tinted)
        if i in after_row:  # before the row is flushed: earlier rows are closed
            for r_c in notes.get(i, ()):
                _comment(ws, r_c, table.comments[r_c])
            for c in linked.get(i, ()):
                ws.write_url(r, c, f"internal:{table.links[(i, c)]}", fmts.link, string=str(row[c]))
        if advance is not None and (i + 1) % ROWS_STEP == 0:
            advance(ROWS_STEP)
    if advance is not None and len(table.rows) % ROWS_STEP:
        advance(len(table.rows) % ROWS_STEP)
    for r_c in sorted(k for k in table.comments if k[0] >= len(table.rows)):
        _comment(ws, r_c, table.comments[r_c])
    for c, w in enumerate(_widths(table.headers, table.rows)):
        ws.set_column(c, c, w)
    ws.freeze_panes(1, 0)
    if table.printable:
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)  # one page wide, as many tall as needed
        ws.repeat_rows(0)
    if table.headers:
        ws.autofilter(0, 0, max(len(table.rows), 1), len(table.headers) - 1)


def cell_location(sheet: str, column: int, row: int) -> str:
    """A reference to one cell (0-based column, 1-based row) as an internal link names it."""
    quoted = sheet.replace("'", "''")
    return f"'{quoted}'!{xl_col_to_name(column)}{row}"


def new_book(path: Path, constant_memory: bool = False) -> xlsxwriter.Workbook:
    """An xlsxwriter workbook that never turns strings into formulas, numbers or links.

    `constant_memory` streams each row to disk once the next one starts (strings inline,
    no shared strings table): memory stays flat however many rows, but rows must be
    written in order, top to bottom, as `write_table` does."""
    return xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "constant_memory": constant_memory,
        },
    )


def write_workbook(
    path: Path,
    tables: Sequence[Table],
    replace: bool = False,
    advance: Callable[[int], None] | None = None,
) -> Path:
    """Write `tables` as sheets of one workbook at `path`, atomically; an existing file at
    `path` is replaced only with `replace` (else FileExistsError). `advance` hears the rows
    written, as they are written."""
    with atomic_path(path, replace) as tmp:
        book = new_book(tmp, constant_memory=True)
        fmts = _Formats(book)
        for n, table in enumerate(tables, start=1):
            write_table(book, fmts, table, advance)
            if table.appended_from is not None and table.appended_from < len(table.headers):
                first = xl_col_to_name(table.appended_from)
                last = xl_col_to_name(len(table.headers) - 1)
                sheet = table.title.replace("'", "''")
                book.define_name(f"{APPENDED_NAME}{n}", f"='{sheet}'!${first}$1:${last}$1")
        book.close()
    return path
