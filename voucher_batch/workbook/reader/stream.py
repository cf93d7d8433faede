"""One sheet part, streamed once: the cells that exist (values as Excel computed them,
error values, formulas without a value or pointing at another workbook), rows hidden by
hand, merged ranges kept as ranges, and the rows an active autofilter spans. Every element
is dropped from the tree once handled, so memory follows the cells kept.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from typing import Any, Protocol

from defusedxml import ElementTree as SafeET
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH
from openpyxl.worksheet._reader import WorkSheetParser

from ... import settings
from ...domain.problems import Code
from ...errors import InputFileError
from ..cells import CellProblem
from .parts import MAX_ROW_ELEMENTS, NS_MAIN, TRUE_VALUES, SheetEntry, Styles, unescape

MAX_MERGED_RANGES = 10_000  # merged ranges a sheet
PROGRESS_STEP = 1_000  # rows read between two progress reports
_ROW = NS_MAIN + "row"
_CELL = NS_MAIN + "c"
_VALUE = NS_MAIN + "v"
_FORMULA = NS_MAIN + "f"
_SHEET_DATA = NS_MAIN + "sheetData"
_MERGE_CELL = NS_MAIN + "mergeCell"
_AUTO_FILTER = NS_MAIN + "autoFilter"
_FILTER_COLUMN = NS_MAIN + "filterColumn"
_FILTER_CRITERIA = frozenset(
    NS_MAIN + tag
    for tag in ("filters", "customFilters", "top10", "dynamicFilter", "colorFilter", "iconFilter")
)


_FILTER_VALUES = frozenset(NS_MAIN + tag for tag in ("filter", "dateGroupItem", "customFilter"))


def _filters_something(elem: Any, values: int) -> bool:
    """Whether a filter column's criterion can hide a row: a list of values (or blanks), at
    least one custom condition, or a top-10, dynamic, colour or icon filter. `values` counts
    the value elements read inside it (already removed from the tree)."""
    if elem.tag == NS_MAIN + "filters":
        return values > 0 or elem.get("blank") in ("1", "true")
    if elem.tag == NS_MAIN + "customFilters":
        return values > 0
    return True


LAST_ROW, LAST_COLUMN = 1_048_576, 16_384  # the grid of an Excel sheet
MAX_ROWS_ENV = settings.MAX_ROWS
DEFAULT_MAX_ROWS = settings.DEFAULT_MAX_ROWS


class ReadProgress(Protocol):
    """Who hears how far the reading has got: a phase per sheet, rows as they are read."""

    def phase(self, name: str, total: int | None = None) -> None: ...

    def advance(self, n: int = 1) -> None: ...


@dataclass(slots=True)
class Cell:
    value: object
    error: bool  # an Excel error value (#N/A, #REF!, ...)
    style: int
    issue: CellProblem | None = None


@dataclass
class SheetScan:
    cells: dict[int, dict[int, Cell]] = field(default_factory=dict)  # row -> column -> cell
    hidden: set[int] = field(default_factory=set)  # rows holding cells that are hidden
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # min c, r, max c, r
    filtered: tuple[int, int] | None = None  # rows of an autofilter with an active filter
    # a plain sheet read by calamine: `cells` then holds only the rows a header may be in,
    # and this makes the rows under the header (see `fast.PlainRows`)
    plain: Any = None


def max_rows() -> int:
    return settings.max_rows()


def _formula_issue(cell: Any) -> CellProblem | None:
    formula = cell.find(_FORMULA)
    if formula is None:
        return None
    value = cell.find(_VALUE)
    return formula_issue(formula.text or "", value is not None and value.text is not None)


def formula_issue(text: str, has_value: bool) -> CellProblem | None:
    """A formula (its text) with no computed value, or that points at another workbook."""
    if "[" in text and "]" in text:
        return CellProblem(
            Code.EXTERNAL_FORMULA,
            f"the formula ={text} refers to another workbook; paste the value instead",
        )
    if not has_value:
        return CellProblem(
            Code.FORMULA_WITHOUT_VALUE,
            f"the formula ={text} has no computed value; open and save the "
            "workbook in Excel, or paste the value",
        )
    return None


@dataclass
class _Stream:
    """Where the streaming of one sheet stands: the row being read and the filter criteria
    seen so far; `stack` holds the open elements, so each is removed once handled."""

    entry: SheetEntry
    file_name: str
    limit: int
    scan: SheetScan = field(default_factory=SheetScan)
    rows: int = 0
    row_no: int = 0
    row_elements: int = 0
    active_filter: bool = False
    filter_values: int = 0  # value elements inside the filter criterion being read
    stack: list[Any] = field(default_factory=list)
    row_elem: Any = None  # the <row> being read

    def open_row(self, elem: Any) -> None:
        self.row_elem, self.row_elements = elem, 0
        self.rows += 1
        if self.rows > self.limit:
            raise InputFileError(
                f"{self.file_name}: sheet '{self.entry.name}' has more than {self.limit:,} "
                f"rows, the limit a sheet (set {MAX_ROWS_ENV} to change it); split the workbook"
            )
        self.row_no = _row_number(elem.get("r"), self.row_no, self.entry.name, self.file_name)

    def too_many_elements(self) -> InputFileError:
        return InputFileError(
            f"{self.file_name}: sheet '{self.entry.name}', row {self.row_no}: refused, the row "
            f"holds more than {MAX_ROW_ELEMENTS:,} XML elements"
        )

    def nested_row(self) -> InputFileError:
        return InputFileError(
            f"{self.file_name}: sheet '{self.entry.name}': not a readable .xlsx workbook "
            f"(a row inside row {self.row_no})"
        )

    def close_other(self, elem: Any) -> None:
        """An element outside the rows: a merged range, or part of an autofilter."""
        scan, title = self.scan, self.entry.name
        if elem.tag == _MERGE_CELL:
            if len(scan.merged) >= MAX_MERGED_RANGES:
                raise InputFileError(
                    f"{self.file_name}: sheet '{title}': refused, more than "
                    f"{MAX_MERGED_RANGES:,} merged ranges"
                )
            scan.merged.append(bounds(elem.get("ref", ""), title, self.file_name))
        elif elem.tag in _FILTER_VALUES:
            self.filter_values += 1
        elif elem.tag in _FILTER_CRITERIA:
            # a filter column with a criterion hides rows; an empty one filters nothing
            self.active_filter = self.active_filter or _filters_something(elem, self.filter_values)
            self.filter_values = 0
        elif elem.tag == _AUTO_FILTER and len(self.stack) == 1:
            if self.active_filter:
                _, top, _, bottom = bounds(elem.get("ref", ""), title, self.file_name)
                scan.filtered = (top, bottom)
            self.active_filter = False


# long on purpose: the per-element loop runs for every XML element of a sheet; its cases
# stay inline (no call per element)
def scan_sheet(
    zf: zipfile.ZipFile,
    entry: SheetEntry,
    file_name: str,
    strings: list[str],
    styles: Styles,
    date1904: bool,
    progress: ReadProgress | None = None,
) -> SheetScan:
    """Stream one sheet part once. Only cells that exist are kept; every element is dropped
    from the tree once handled, so memory follows the cells kept, not the file's layout.
    The loop runs once per XML element: what happens inside a row stays inline, the rest is
    in `_Stream`."""
    cells = WorkSheetParser(
        None,
        strings,
        data_only=True,
        epoch=CALENDAR_MAC_1904 if date1904 else WINDOWS_EPOCH,
        date_formats=styles.date_formats,
        timedelta_formats=styles.timedelta_formats,
    )
    state = _Stream(entry, file_name, max_rows())
    stack = state.stack
    with zf.open(entry.part) as stream:
        for event, elem in SafeET.iterparse(stream, events=("start", "end")):
            if event == "start":
                if state.row_elem is not None:
                    if elem.tag == _ROW:
                        raise state.nested_row()
                    state.row_elements += 1
                    if state.row_elements > MAX_ROW_ELEMENTS:
                        raise state.too_many_elements()
                elif elem.tag == _ROW and stack and stack[-1].tag == _SHEET_DATA:
                    state.open_row(elem)
                stack.append(elem)
                continue
            stack.pop()
            if state.row_elem is not None and elem is not state.row_elem:
                continue  # a cell and its parts stay until their row is complete
            if elem is state.row_elem:
                state.row_elem = None
                _take_row(elem, state.row_no, cells, state.scan, file_name, entry.name)
                if progress is not None and state.rows % PROGRESS_STEP == 0:
                    progress.advance(PROGRESS_STEP)
            else:
                state.close_other(elem)
            elem.clear()
            if stack:
                stack[-1].remove(elem)
    if progress is not None:
        progress.advance(state.rows % PROGRESS_STEP)
    return state.scan


def _row_number(text: str | None, previous: int, title: str, file_name: str) -> int:
    if text is None:
        return previous + 1
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise InputFileError(
            f"{file_name}: sheet '{title}': not a readable .xlsx workbook (row number {text!r})"
        )
    return number


def bounds(ref: str, title: str, file_name: str) -> tuple[int, int, int, int]:
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
    except (ValueError, TypeError):
        raise InputFileError(
            f"{file_name}: sheet '{title}': not a readable .xlsx workbook (cell range {ref!r})"
        ) from None
    if None in (min_col, min_row, max_col, max_row):  # whole rows or columns: A:A, 2:2
        min_col, min_row = min_col or 1, min_row or 1
        max_col, max_row = max_col or LAST_COLUMN, max_row or LAST_ROW
    return int(min_col), int(min_row), int(max_col), int(max_row)


def _take_row(
    elem: Any, row_no: int, parser: WorkSheetParser, scan: SheetScan, file_name: str, title: str
) -> None:
    parser.row_counter, parser.col_counter = row_no, 0
    hidden = elem.get("hidden", "").lower() in TRUE_VALUES
    for child in elem:
        if child.tag != _CELL:
            continue
        if child.get("t") == "s":
            index = (child.findtext(_VALUE) or "").strip()
            if index and not (index.isdigit() and int(index) < len(parser.shared_strings)):
                raise InputFileError(
                    f"{file_name}: sheet '{title}', cell {child.get('r', '?')}: not a readable "
                    f".xlsx workbook (shared string {index!r} does not exist)"
                )
        parsed = parser.parse_cell(child)
        issue = _formula_issue(child)
        value = parsed["value"]
        if child.get("t") == "inlineStr" and isinstance(value, str):
            value = unescape(value)  # as the shared strings are
        if value is None and issue is None:
            continue
        r, c = int(parsed["row"]), int(parsed["column"])
        if not (1 <= r <= LAST_ROW and 1 <= c <= LAST_COLUMN):
            raise InputFileError(
                f"{file_name}: sheet '{title}': not a readable .xlsx workbook (a cell at row "
                f"{r:,}, column {c:,} is outside the sheet)"
            )
        if parsed["data_type"] == "e" and child.get("t", "n") == "n":
            # a number formatted as a date that no date has: openpyxl makes it #VALUE!
            issue = CellProblem(
                Code.NOT_A_DATE,
                f"the number {child.findtext(_VALUE)} is formatted as a date, but no date "
                "has that number; type the date as YYYY-MM-DD",
            )
        scan.cells.setdefault(r, {})[c] = Cell(
            value, parsed["data_type"] == "e", int(parsed["style_id"] or 0), issue
        )
        if hidden:
            scan.hidden.add(r)
