"""From a streamed sheet to a raw sheet: the header row found and mapped to the sheet
contract, then every non-blank data row with the problems of its cells (error values, text
longer than a cell holds, UINs shown with leading zeros, cells under a merged range) and
whether it was hidden; and the plain rows of the tool's own extra sheets.
"""

from __future__ import annotations

import bisect
import heapq
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.utils import get_column_letter

from ...domain.problems import Code
from ...errors import InputFileError
from ..cells import CellProblem, is_blank
from ..sheets import HEADER_SEARCH_ROWS, UIN, SheetSpec
from .parts import Styles
from .stream import Cell, SheetScan

MAX_COLUMNS = 1_000  # headed columns a sheet
MAX_GRID = 32_000_000  # data rows x headed columns a sheet (the decision sheet's cells)
CELL_MAX_CHARS = 32_767  # what one Excel cell holds
EXTRA_WIDTH = 26  # columns A..Z of the tool's own extra sheets (key/value pairs)


class _NoIssues(Mapping[int, CellProblem]):
    """The problems of a row whose cells have none: one shared, empty, read-only mapping, so
    that a sheet of a million rows holds no million empty dicts. Copied or pickled, it stays
    the one mapping."""

    __slots__ = ()

    def __getitem__(self, position: int) -> CellProblem:
        raise KeyError(position)

    def __iter__(self) -> Iterator[int]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "{}"

    def __reduce__(self) -> str:
        return "NO_ISSUES"

    def __copy__(self) -> _NoIssues:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> _NoIssues:
        return self


NO_ISSUES = _NoIssues()


@dataclass(slots=True)
class RawRow:
    row: int
    values: list[object]
    hidden: bool = False
    issues: Mapping[int, CellProblem] = field(default_factory=dict)  # by position in values


@dataclass
class RawSheet:
    title: str
    spec: SheetSpec
    header_row: int
    headers: list[str]  # as written, one per read column
    columns: list[int]  # 1-based sheet column of each header
    mapping: dict[str, int]  # canonical column name -> position in headers
    rows: list[RawRow]

    def cell_ref(self, position: int, row: int) -> str:
        return f"{get_column_letter(self.columns[position])}{row}"

    def position(self, canonical: str) -> int | None:
        """The position of a contract column, or of an unknown column by its `column_key`."""
        found = self.mapping.get(canonical)
        if found is None:
            found = next(
                (i for i in range(len(self.headers)) if self.column_key(i) == canonical), None
            )
        return found

    def column_key(self, position: int) -> str:
        """The name a problem uses for a column: its contract name, else the header as
        written (with its column letter when two unknown columns share a header)."""
        for canonical, pos in self.mapping.items():
            if pos == position:
                return canonical
        header = self.headers[position]
        if self.headers.count(header) > 1:
            return f"{header} ({get_column_letter(self.columns[position])})"
        return header


@dataclass
class RawBook:
    path: Path
    sheets: list[RawSheet]
    skipped: list[str]  # hidden sheets with a known name, not read
    extras: dict[str, list[tuple[object, ...]]] = field(default_factory=dict)
    sha256: str = ""  # of the very bytes that were parsed


def find_header(
    scan: SheetScan,
    title: str,
    spec: SheetSpec,
    file_name: str,
    appended: frozenset[int] = frozenset(),
) -> tuple[int, list[int], list[str]]:
    best: tuple[int, int, set[str]] = (0, -1, set())
    for row_no in sorted(r for r in scan.cells if r <= HEADER_SEARCH_ROWS):
        found: dict[str, int] = {}
        cols: list[int] = []
        texts: list[str] = []
        for col, cell in sorted(scan.cells[row_no].items()):
            if not isinstance(cell.value, str) or not cell.value.strip():
                continue
            if row_no == 1 and col in appended:
                continue  # a column the tool appended to its own decision sheet
            cols.append(col)
            texts.append(cell.value)
            column = spec.match(cell.value)
            if column is not None:
                if column.name in found:
                    raise InputFileError(
                        f"{file_name}: sheet '{title}', row {row_no}: the column "
                        f"'{column.name}' appears twice (cells "
                        f"{get_column_letter(found[column.name])}{row_no} and "
                        f"{get_column_letter(col)}{row_no}); keep one. Expected headers: "
                        f"{', '.join(c.name for c in spec.columns)}"
                    )
                found[column.name] = col
        required = {c.name for c in spec.required}
        if required <= found.keys():
            return row_no, cols, texts
        if len(found.keys() & required) > best[1]:
            best = (row_no, len(found.keys() & required), found.keys() & required)
    missing = [c.name for c in spec.required if c.name not in best[2]]
    expected = ", ".join(c.name for c in spec.required)
    where = f"row {best[0]}" if best[1] > 0 else f"the first {HEADER_SEARCH_ROWS} rows"
    raise InputFileError(
        f"{file_name}: sheet '{title}', {where}: required column(s) missing: "
        f"{', '.join(missing)} (the header row must hold {expected})"
    )


_ZERO_PADDED = re.compile(r"^0{2,}$")


def _is_uin(spec: SheetSpec, canonical: str) -> bool:
    return any(c.name == canonical and c.kind == UIN for c in spec.columns)


def merged_positions(
    merged: list[tuple[int, int, int, int]], header_row: int, columns: list[int], rows: list[int]
) -> dict[int, list[int]]:
    """For each data row (sorted) that a merged range covers, the positions of the read
    columns it covers. Ranges stay ranges: a sweep over the rows that exist, with a count
    per read column of the ranges open at that row."""
    order = sorted(range(len(columns)), key=lambda i: columns[i])
    sorted_cols = [columns[i] for i in order]
    starts: list[tuple[int, int, int, int]] = []
    for min_col, min_row, max_col, max_row in set(merged):
        lo, hi = bisect.bisect_left(sorted_cols, min_col), bisect.bisect_right(sorted_cols, max_col)
        first = bisect.bisect_left(rows, max(min_row, header_row + 1))
        if lo < hi and first < len(rows) and rows[first] <= max_row:
            starts.append((rows[first], max_row, lo, hi))
    starts.sort()
    counts = [0] * len(sorted_cols)
    open_ranges: list[tuple[int, int, int]] = []  # (max_row, lo, hi), a heap
    covered: dict[int, list[int]] = {}
    nxt = 0
    for row in rows:
        while nxt < len(starts) and starts[nxt][0] <= row:
            _, max_row, lo, hi = starts[nxt]
            heapq.heappush(open_ranges, (max_row, lo, hi))
            for k in range(lo, hi):
                counts[k] += 1
            nxt += 1
        while open_ranges and open_ranges[0][0] < row:
            _, lo, hi = heapq.heappop(open_ranges)
            for k in range(lo, hi):
                counts[k] -= 1
        if open_ranges:
            covered[row] = [order[k] for k, n in enumerate(counts) if n]
    return covered


def read_sheet(
    scan: SheetScan,
    title: str,
    spec: SheetSpec,
    file_name: str,
    styles: Styles,
    appended: frozenset[int] = frozenset(),
) -> RawSheet:
    header_row, columns, headers = find_header(scan, title, spec, file_name, appended)
    if len(columns) > MAX_COLUMNS:
        raise InputFileError(
            f"{file_name}: sheet '{title}', row {header_row}: {len(columns):,} headed columns, "
            f"more than the limit of {MAX_COLUMNS:,}; delete the columns that are not needed"
        )
    mapping: dict[str, int] = {}
    for i, text in enumerate(headers):
        column = spec.match(text)
        if column is not None:
            mapping[column.name] = i
    uins = {pos for canonical, pos in mapping.items() if _is_uin(spec, canonical)}
    if scan.plain is not None:
        rows, holding = scan.plain.raw_rows(header_row, columns, uins, styles)
        _check_grid(holding, columns, title, file_name)
    else:
        data_rows = sorted(r for r in scan.cells if r > header_row)
        _check_grid(len(data_rows), columns, title, file_name)
        rows = _data_rows(scan, data_rows, columns, uins, styles)
    if scan.merged:
        _mark_merged(rows, scan.merged, header_row, columns)
    if scan.filtered is not None and spec.name == "Review":
        # Filtering is allowed on the Review sheet: a row hidden inside an active
        # autofilter is filtered out of view, not hidden by hand, and is read as usual.
        top, bottom = scan.filtered
        for raw in rows:
            if top < raw.row <= bottom:
                raw.hidden = False
    return RawSheet(title, spec, header_row, headers, columns, mapping, rows)


def _check_grid(rows: int, columns: list[int], title: str, file_name: str) -> None:
    if rows * len(columns) > MAX_GRID:
        raise InputFileError(
            f"{file_name}: sheet '{title}': {rows:,} rows of {len(columns):,} columns "
            f"is more than the limit of {MAX_GRID:,} cells a sheet; split the workbook"
        )


def _data_rows(
    scan: SheetScan, data_rows: list[int], columns: list[int], uins: set[int], styles: Styles
) -> list[RawRow]:
    """The non-blank rows under the header, in the read columns, with their cells' problems."""
    col_pos = {c: i for i, c in enumerate(columns)}
    rows: list[RawRow] = []
    for row_no in data_rows:
        values: list[object] = [None] * len(columns)
        issues: dict[int, CellProblem] | None = None
        blank = True
        for col, cell in scan.cells[row_no].items():
            pos = col_pos.get(col)
            if pos is None:
                continue
            value = cell.value
            issue = _cell_issue(cell, pos in uins, styles)
            if issue is not None:
                if issues is None:
                    issues = {}
                issues[pos] = issue
            values[pos] = value
            if not is_blank(value) or (issues is not None and pos in issues):
                blank = False
        if not blank:
            rows.append(RawRow(row_no, values, row_no in scan.hidden, issues or NO_ISSUES))
    return rows


def _cell_issue(cell: Cell, uin: bool, styles: Styles) -> CellProblem | None:
    """The problem of one read cell, the last found winning: its own (from the stream), an
    error value, a UIN shown with leading zeros, text longer than a cell holds."""
    value = cell.value
    issue = cell.issue
    if issue is None and cell.error:
        issue = CellProblem(
            Code.ERROR_VALUE, f"the cell holds the Excel error {value}; fix or clear it"
        )
    if uin and isinstance(value, int | float):
        issue = padded_uin(value, styles.number_format(cell.style)) or issue
    if isinstance(value, str) and len(value) > CELL_MAX_CHARS:
        issue = too_long(value)
    return issue


def too_long(value: str) -> CellProblem:
    return CellProblem(
        Code.TOO_LONG,
        f"the cell holds {len(value):,} characters, more than the "
        f"{CELL_MAX_CHARS:,} an Excel cell can hold; the decision workbook shows "
        "it cut",
    )


def _mark_merged(
    rows: list[RawRow],
    merged: list[tuple[int, int, int, int]],
    header_row: int,
    columns: list[int],
) -> None:
    covered = merged_positions(merged, header_row, columns, [raw.row for raw in rows])
    for raw in rows:
        positions = covered.get(raw.row)
        if not positions:
            continue
        issues = dict(raw.issues)
        for pos in positions:
            if pos in issues and issues[pos].code is Code.TOO_LONG:
                continue  # the reason the decision sheet shows the cell cut
            issues[pos] = CellProblem(
                Code.MERGED_CELL, "the cell is part of a merged range; unmerge the cells"
            )
        raw.issues = issues


def padded_uin(value: int | float, number_format: str) -> CellProblem | None:
    if isinstance(value, bool):
        return None
    if _ZERO_PADDED.match(number_format) and len(number_format) > len(str(int(value))):
        return CellProblem(
            Code.UIN_PRECISION_LOST,
            f"the UIN is a number shown with leading zeros "
            f"({str(int(value)).zfill(len(number_format))}); numbers lose leading "
            "zeros, so enter the UIN as text",
        )
    return None


def plain_rows(scan: SheetScan) -> list[tuple[object, ...]]:
    """The values of a sheet the tool wrote itself, columns A..Z, rows in order."""
    out = []
    for row_no in sorted(scan.cells):
        row = scan.cells[row_no]
        width = min(max(row), EXTRA_WIDTH)
        out.append(tuple(row[c].value if c in row else None for c in range(1, width + 1)))
    return out
