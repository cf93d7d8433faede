"""Writing workbooks from plain data: decision workbooks (and later review workbooks).

Writers know nothing of the ledger or the rules. Every string goes through `write_string`,
so user text such as `=HYPERLINK(...)`, `+cmd|...` or `#N/A` is stored as text and can
never become a live formula or an error cell. Files are written under a temporary name and
moved into place, so a crash never leaves a half-written workbook under the final name.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools
import json
import math
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from .. import checkpoints, second_process
from ..atomic import atomic_path, remove_stale_scratch, scratch_folder
from .sheets import APPENDED_NAME
from .spool import SpooledRows, spool_rows

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


@dataclass
class _Sheet:
    """A table's sheet as it is being written, with what every row needs."""

    ws: Worksheet
    width: int
    formats: list[str | None]
    column_formats: list[str | None]
    by_tint: tuple[_RowFormats, _RowFormats]
    own: dict[int, dict[int, str]]  # row -> column -> the cell's own format
    notes: dict[int, list[tuple[int, int]]]  # row -> its cells' comments
    linked: dict[int, list[int]]  # row -> its columns with a link


def _begin_table(book: xlsxwriter.Workbook, fmts: _Formats, table: Table) -> _Sheet:
    """A table's sheet with its header row; every format its rows may take is numbered
    now, in one fixed order, so that a cell's style number never depends on which rows
    were written first (see `write_workbook`: another process may write some of them)."""
    ws = book.add_worksheet(table.title)
    width = len(table.headers)
    for c, header in enumerate(table.headers):
        ws.write_string(0, c, header, fmts.header)
    formats = table.formats or [None] * width
    column_formats = [formats[c] if c < len(formats) else None for c in range(width)]
    by_tint = (_row_formats(fmts, column_formats, False), _row_formats(fmts, column_formats, True))
    fmts.header._get_xf_index()  # else numbered when the header row is flushed, later
    for f in by_tint:
        for fmt in (f.text, *f.whole, *f.real, f.day, f.moment):
            if fmt is not None:
                fmt._get_xf_index()
    own: dict[int, dict[int, str]] = {}
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
    return _Sheet(ws, width, formats, column_formats, by_tint, own, notes, linked)


# long on purpose: the per-cell loop runs for every cell of a decision workbook, so its
# common cases stay inline (no call per cell); comments and links go with their row
def _write_rows(
    sheet: _Sheet,
    fmts: _Formats,
    table: Table,
    start: int,
    stop: int,
    advance: Callable[[int], None] | None = None,
) -> None:
    """Rows `start` to `stop` (excluded) of `table`, in order.

    Text, whole numbers, finite floats, datetimes and blanks, nearly all of a decision
    table, are written inline with their column's precomputed format; any other value, and
    every cell of a row that has a cell with a format of its own (`cell_formats`) or more
    cells than headers, goes through `write_value`, which chooses the same formats.
    `advance` hears the rows written."""
    ws, width, formats, by_tint, own = (
        sheet.ws,
        sheet.width,
        sheet.formats,
        sheet.by_tint,
        sheet.own,
    )
    notes, linked = sheet.notes, sheet.linked
    after_row = notes.keys() | linked.keys()
    write_string, write_number = ws.write_string, ws.write_number
    write_datetime, write_blank = ws.write_datetime, ws.write_blank
    midnight, isfinite = time(), math.isfinite
    highlight = table.highlight
    for i in range(start, stop):
        row = table.rows[i]
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
                    write_value(ws, r, c, value, fmts, sheet.column_formats[c], tinted)
        if i in after_row:  # before the row is flushed: earlier rows are closed
            _notes_of(sheet, table, i)
            for c in linked.get(i, ()):
                ws.write_url(r, c, f"internal:{table.links[(i, c)]}", fmts.link, string=str(row[c]))
        if advance is not None and (i + 1 - start) % ROWS_STEP == 0:
            advance(ROWS_STEP)
    if advance is not None and (stop - start) % ROWS_STEP:
        advance((stop - start) % ROWS_STEP)


def _notes_of(sheet: _Sheet, table: Table, i: int) -> None:
    for r_c in sheet.notes.get(i, ()):
        _comment(sheet.ws, r_c, table.comments[r_c])


def _end_table(sheet: _Sheet, table: Table) -> None:
    ws = sheet.ws
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


def write_table(
    book: xlsxwriter.Workbook,
    fmts: _Formats,
    table: Table,
    advance: Callable[[int], None] | None = None,
    part: _Part | None = None,
) -> None:
    """One sheet, written row by row (the workbook may stream rows to disk as it goes);
    `part`: the rows from `part.split` on are written by another process. `advance` hears
    the rows written."""
    sheet = _begin_table(book, fmts, table)
    if part is None:
        _write_rows(sheet, fmts, table, 0, len(table.rows), advance)
    else:
        _write_rows(sheet, fmts, table, 0, part.split, advance)
        if not part.join(sheet, table, advance):  # it failed: written here instead
            _write_rows(sheet, fmts, table, part.split, len(table.rows), advance)
    _end_table(sheet, table)


def cell_location(sheet: str, column: int, row: int) -> str:
    """A reference to one cell (0-based column, 1-based row) as an internal link names it."""
    quoted = sheet.replace("'", "''")
    return f"'{quoted}'!{xl_col_to_name(column)}{row}"


def new_book(
    path: Path, constant_memory: bool = False, tmpdir: Path | None = None
) -> xlsxwriter.Workbook:
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
            **({"tmpdir": str(tmpdir)} if tmpdir is not None else {}),
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
    written, as they are written. The rows of a large sheet are shared with a second
    process (see `_Part`)."""
    # xlsxwriter's row files (and another process's, see `_Part`) in one folder of this
    # write, removed however the write ends
    with atomic_path(path, replace) as tmp, scratch() as rows:
        book = new_book(tmp, constant_memory=True, tmpdir=Path(rows))
        fmts = _Formats(book)
        part = _start_part(tables, Path(rows))
        try:
            for n, table in enumerate(tables, start=1):
                mine = part if part is not None and part.index == n - 1 else None
                write_table(book, fmts, table, advance, mine)
                if table.appended_from is not None and table.appended_from < len(table.headers):
                    first = xl_col_to_name(table.appended_from)
                    last = xl_col_to_name(len(table.headers) - 1)
                    sheet = table.title.replace("'", "''")
                    book.define_name(f"{APPENDED_NAME}{n}", f"='{sheet}'!${first}$1:${last}$1")
            book.close()
        finally:
            if part is not None:
                part.close()
    return path


SCRATCH = "voucher-batch-rows-"  # the folder of a workbook's row files while it is written


@contextlib.contextmanager
def scratch() -> Iterator[str]:
    """A private folder of a write's row files (see `atomic.scratch_folder`), removed
    however the write ends; a second Ctrl-C while it is removed waits until it is. The
    folders killed writes left are removed first."""
    remove_stale_scratch(SCRATCH)
    folder = scratch_folder(SCRATCH)
    try:
        yield str(folder)
    finally:
        with checkpoints.interrupts_held():
            shutil.rmtree(folder, ignore_errors=True)


# A sheet of SPLIT_ROWS rows or more is written by two processes; this process keeps the
# first SPLIT_SHARE of its rows (it also writes the other sheets and packs the file)
SPLIT_ROWS = 20_000
SPLIT_SHARE = 0.45


class _Part:
    """The rows of one table from `split` on, written by another process.

    xlsxwriter's constant_memory mode writes each row's XML to a file of its own as soon as
    the next row starts, with the style numbers of its formats. The other process (a fresh
    interpreter, `second_process.spawn`) builds the same workbook up to that table (the sheets
    before it, the header and every format numbered in the same order, see
    `_begin_table`), writes the rows from `split` on and tells where their XML lies in its
    row file; this process writes the rows before `split`, then adds the other process's
    XML after its own, with the notes of those rows and the sheet's size. The file is then
    the one a single process writes, byte for byte (tests compare them). If the other
    process fails in any way, this process writes those rows itself. Tables with links or
    cell formats of their own are never shared. The other process is sent the tables up to
    that one without their rows, and reads the rows from files (`workbook.spool`) written
    here first, unless the rows are read from files already.
    """

    def __init__(
        self, index: int, split: int, folder: Path, process: second_process.SecondProcess
    ) -> None:
        self.index = index  # the table shared
        self.split = split  # its first row written by the other process
        self.folder = folder  # the other process's files
        self.process = process
        self.used = False  # its rows were put in the sheet

    def join(self, sheet: _Sheet, table: Table, advance: Callable[[int], None] | None) -> bool:
        """After the rows before `split`: the other process's rows put into `sheet`;
        False if it failed (nothing was put)."""
        told = ""
        while (line := self.process.message()) is not None:
            told = line if line.startswith("part ") else told
        if self.process.wait() != 0 or not told:
            return False
        # "part [row file, start, end, last row, last column]": JSON, as the file's path may
        # hold spaces, newlines or bytes that are not UTF-8
        rows_file, start, end, last_row, last_col = json.loads(told[5:])
        ws: Any = sheet.ws  # the parts of xlsxwriter's constant_memory mode used here
        ws._write_single_row(self.split + 1)  # our last row, flushed: the next are theirs
        for i in sorted(n for n in sheet.notes if self.split <= n < len(table.rows)):
            _notes_of(sheet, table, i)
        ws._check_dimensions(int(last_row), int(last_col))
        ws.row_data_fh.flush()
        with open(rows_file, "rb") as source:
            source.seek(int(start))
            left = int(end) - int(start)
            while left > 0:
                chunk = source.read(min(left, 1 << 20))
                if not chunk:
                    raise OSError(f"the rows written apart end early ({left} bytes missing)")
                ws.row_data_fh.buffer.write(chunk)
                left -= len(chunk)
        ws.row_data_fh.buffer.flush()
        ws.previous_row = max(ws.previous_row, len(table.rows) + 1)  # every row is written
        if advance is not None:
            advance(len(table.rows) - self.split)
        self.used = True
        return True

    def close(self) -> None:
        self.process.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def _start_part(tables: Sequence[Table], scratch: Path) -> _Part | None:
    """The largest table that may be shared (see `_Part`), being written by another
    process; None when there is none or the process cannot start."""
    shared = [
        (len(t.rows), i)
        for i, t in enumerate(tables)
        if len(t.rows) >= SPLIT_ROWS and not t.links and not t.cell_formats
    ]
    if not shared:
        return None
    index = max(shared)[1]
    table = tables[index]
    split = int(len(table.rows) * SPLIT_SHARE)
    folder = Path(tempfile.mkdtemp(prefix="part-", dir=scratch))
    # the tables up to it with their rows in files (see `workbook.spool`), sent to a fresh
    # process: its memory its own, none of this process's pages shared or copied
    try:
        sent = [
            rows_in_file(t, folder / f"table-{n}.rows", 0) for n, t in enumerate(tables[:index])
        ]
        sent.append(rows_in_file(table, folder / "part.rows", split))
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        shutil.rmtree(folder, ignore_errors=True)
        return None  # no room, or a value that cannot be kept in a file: all written here
    process = second_process.spawn(functools.partial(_write_part, sent, index, split, folder))
    if process is None:
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return _Part(index, split, folder, process)


def rows_in_file(table: Table, path: Path, first: int = 0) -> Table:
    """`table` with its rows from `first` on read from a file at `path` (`workbook.spool`;
    as they are already, when they are: a workbook written ahead)."""
    if isinstance(table.rows, SpooledRows):
        return table
    return dataclasses.replace(table, rows=spool_rows(table.rows, path, first))


def _write_part(
    tables: Sequence[Table], index: int, split: int, folder: Path, send: second_process.Send
) -> None:
    """In the other process: the rows of `tables[index]` from `split` on (see `_Part`)."""
    book = new_book(folder / "part.xlsx", constant_memory=True, tmpdir=folder)  # never packed
    fmts = _Formats(book)
    for table in tables[:index]:
        write_table(book, fmts, table)
    table = tables[index]
    sheet = _begin_table(book, fmts, table)
    numbered = len(book.xf_format_indices)
    ws: Any = sheet.ws
    ws._write_single_row(split + 1)  # the header, flushed: what follows is ours
    ws.row_data_fh.flush()
    start = os.fstat(ws.row_data_fh.fileno()).st_size
    _write_rows(sheet, fmts, table, split, len(table.rows))
    ws._write_single_row(len(table.rows) + 1)
    ws.row_data_fh.flush()
    end = os.fstat(ws.row_data_fh.fileno()).st_size
    if len(book.xf_format_indices) != numbered:  # a style the other process may number else
        raise RuntimeError("a row took a format outside its sheet's formats")
    told = [ws.row_data_filename, start, end, ws.dim_rowmax, ws.dim_colmax]
    send(f"part {json.dumps(told)}")  # ASCII: one line, whatever the path holds
