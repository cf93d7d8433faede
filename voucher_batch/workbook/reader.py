"""Reading an input workbook into raw sheets: what a person sees, nothing more.

Finds the known sheets (case-insensitive names, hidden sheets skipped), the header row
within the first 20 rows, maps headers to the sheet contract, and returns every non-blank
data row with the cell values Excel computed. Cells a person cannot trust are flagged here
(error values, formulas without a computed value, cells under a merged range) and rows
hidden in the input are marked, so that later stages refuse them with a reason.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

import openpyxl
from defusedxml import ElementTree as SafeET
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .. import settings
from ..domain.problems import Code
from ..errors import InputFileError
from .cells import CellProblem, is_blank
from .sheets import HEADER_SEARCH_ROWS, INPUT_SHEETS, UIN, SheetSpec

# A declared uncompressed size above these limits is refused before any XML is parsed.
MAX_MEMBER_BYTES = 512 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DTD_WINDOW = 1 << 16  # a document type declaration can only come before the root element
MAX_ROWS_ENV = settings.MAX_ROWS
DEFAULT_MAX_ROWS = settings.DEFAULT_MAX_ROWS

if not openpyxl.DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
    raise RuntimeError("openpyxl must parse with defusedxml; install defusedxml")


@dataclass
class RawRow:
    row: int
    values: list[object]
    hidden: bool = False
    issues: dict[int, CellProblem] = field(default_factory=dict)


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
        return self.mapping.get(canonical)


@dataclass
class RawBook:
    path: Path
    sheets: list[RawSheet]
    skipped: list[str]  # hidden sheets with a known name, not read
    extras: dict[str, list[tuple[object, ...]]] = field(default_factory=dict)


def _check_container(path: Path) -> None:
    name = path.name
    if not path.is_file():
        raise InputFileError(f"{name}: no such file")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputFileError(
            f"{name}: not a readable .xlsx workbook (an Excel 97-2003 .xls file or a "
            "password-protected workbook); save it as an unprotected .xlsx"
        )
    if not head.startswith(b"PK\x03\x04"):
        raise InputFileError(
            f"{name}: not a readable .xlsx workbook (it is not a zip package; a CSV or text "
            "file renamed .xlsx?)"
        )
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputFileError(
            f"{name}: not a readable .xlsx workbook (corrupt zip: {exc})"
        ) from None
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
            raise InputFileError(
                f"{name}: refused, the package member {info.filename} would inflate past the "
                f"limit ({MAX_MEMBER_BYTES // 2**20} MiB a member, "
                f"{MAX_TOTAL_BYTES // 2**20} MiB in all)"
            )
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        raise InputFileError(f"{name}: not a readable .xlsx workbook (no xl/workbook.xml)")
    with zipfile.ZipFile(path) as zf:
        for info in infos:
            if not info.filename.endswith((".xml", ".rels", ".vml")):
                continue
            try:
                with zf.open(info) as member:
                    head = member.read(_DTD_WINDOW)
            except Exception as exc:  # bad CRC, unknown compression, encrypted member...
                raise InputFileError(
                    f"{name}: not a readable .xlsx workbook (member {info.filename}: "
                    f"{type(exc).__name__}: {exc})"
                ) from None
            if _DTD.search(head):
                raise InputFileError(
                    f"{name}: refused, the package member {info.filename} declares XML "
                    "entities (<!DOCTYPE>/<!ENTITY>), which workbooks never need "
                    "(entity expansion or external entity attack)"
                )


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Map sheet titles to their XML part names, from the workbook and its relationships."""
    rels_root = SafeET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {}
    for rel in rels_root.iter(f"{_NS_PKG_REL}Relationship"):
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        targets[rel.get("Id")] = part
    book = SafeET.fromstring(zf.read("xl/workbook.xml"))
    parts = {}
    for sheet in book.iter(f"{_NS_MAIN}sheet"):
        rid = sheet.get(f"{_NS_REL}id")
        if rid in targets:
            parts[sheet.get("name", "")] = targets[rid]
    return parts


def max_rows() -> int:
    return settings.max_rows()


def _scan(stream: IO[bytes]) -> tuple[int, bool]:
    """Count the rows a sheet part really holds (its declared dimension may lie) and see
    whether it has formulas, in one streaming pass without parsing."""
    rows, formulas, tail = 0, False, b""
    while chunk := stream.read(1 << 20):
        window = tail + chunk
        rows += len(_ROW_TAG.findall(chunk))  # a tag split across chunks is not counted
        formulas = formulas or bool(_FORMULA_TAG.search(window))
        tail = chunk[-8:]
    return rows, formulas


def _check_sizes(zf: zipfile.ZipFile, parts: dict[str, str], file_name: str) -> set[str]:
    """Refuse any sheet above the row limit before openpyxl loads it; return the titles
    of sheets that hold formulas."""
    limit = max_rows()
    with_formulas = set()
    names = set(zf.namelist())
    for title, part in parts.items():
        if part not in names:
            continue
        with zf.open(part) as stream:
            rows, formulas = _scan(stream)
        if rows > limit:
            raise InputFileError(
                f"{file_name}: sheet '{title}' has {rows:,} rows, more than the limit of "
                f"{limit:,} rows a sheet (set {MAX_ROWS_ENV} to change it); split the workbook"
            )
        if formulas:
            with_formulas.add(title)
    return with_formulas


def _formula_issues(zf: zipfile.ZipFile, part: str) -> dict[tuple[int, int], CellProblem]:
    """Cells whose formula has no computed value, or that point at another workbook."""
    found: dict[tuple[int, int], CellProblem] = {}
    if part not in zf.namelist():
        return found
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    with zf.open(part) as stream:
        for _event, elem in SafeET.iterparse(stream, events=("end",)):
            if elem.tag != f"{_NS_MAIN}c":
                continue
            formula = elem.find(f"{_NS_MAIN}f")
            if formula is not None:
                value = elem.find(f"{_NS_MAIN}v")
                text = formula.text or ""
                col_letter, row = coordinate_from_string(elem.get("r", "A1"))
                key = (row, column_index_from_string(col_letter))
                if "[" in text and "]" in text:
                    found[key] = CellProblem(
                        Code.EXTERNAL_FORMULA,
                        f"the formula ={text} refers to another workbook; paste the value instead",
                    )
                elif value is None or value.text is None:
                    found[key] = CellProblem(
                        Code.FORMULA_WITHOUT_VALUE,
                        f"the formula ={text} has no computed value; open and save the "
                        "workbook in Excel, or paste the value",
                    )
            elem.clear()
    return found


def _find_header(
    ws: Worksheet, spec: SheetSpec, file_name: str
) -> tuple[int, list[int], list[str]]:
    best: tuple[int, int, set[str]] = (0, -1, set())
    for row in ws.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS):
        found: dict[str, int] = {}
        cols: list[int] = []
        texts: list[str] = []
        for cell in row:
            if cell.value is None or not isinstance(cell.value, str) or not cell.value.strip():
                continue
            cols.append(cell.column)
            texts.append(cell.value)
            column = spec.match(cell.value)
            if column is not None:
                if column.name in found:
                    raise InputFileError(
                        f"{file_name}: sheet '{ws.title}', row {cell.row}: the column "
                        f"'{column.name}' appears twice (cells "
                        f"{get_column_letter(found[column.name])}{cell.row} and "
                        f"{cell.coordinate}); keep one. Expected headers: "
                        f"{', '.join(c.name for c in spec.columns)}"
                    )
                found[column.name] = cell.column
        required = {c.name for c in spec.required}
        if required <= found.keys():
            return row[0].row, cols, texts
        if len(found.keys() & required) > best[1]:
            best = (row[0].row, len(found.keys() & required), found.keys() & required)
    missing = [c.name for c in spec.required if c.name not in best[2]]
    expected = ", ".join(c.name for c in spec.required)
    where = f"row {best[0]}" if best[1] > 0 else f"the first {HEADER_SEARCH_ROWS} rows"
    raise InputFileError(
        f"{file_name}: sheet '{ws.title}', {where}: required column(s) missing: "
        f"{', '.join(missing)} (the header row must hold {expected})"
    )


_ZERO_PADDED = re.compile(r"^0{2,}$")


def _is_uin(spec: SheetSpec, canonical: str) -> bool:
    return any(c.name == canonical and c.kind == UIN for c in spec.columns)


def _merged_cells(ws: Worksheet, header_row: int) -> set[tuple[int, int]]:
    covered: set[tuple[int, int]] = set()
    for rng in ws.merged_cells.ranges:
        if rng.max_row <= header_row:
            continue
        for r in range(max(rng.min_row, header_row + 1), rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                covered.add((r, c))
    return covered


def _read_sheet(
    ws: Worksheet,
    spec: SheetSpec,
    file_name: str,
    formula_issues: dict[tuple[int, int], CellProblem],
) -> RawSheet:
    header_row, columns, headers = _find_header(ws, spec, file_name)
    mapping: dict[str, int] = {}
    for i, text in enumerate(headers):
        column = spec.match(text)
        if column is not None:
            mapping[column.name] = i
    merged = _merged_cells(ws, header_row)
    col_pos = {c: i for i, c in enumerate(columns)}
    uin_positions = {pos for canonical, pos in mapping.items() if _is_uin(spec, canonical)}
    rows: list[RawRow] = []
    for cells in ws.iter_rows(min_row=header_row + 1, max_col=max(columns)):
        values: list[object] = [None] * len(columns)
        issues: dict[int, CellProblem] = {}
        blank = True
        for cell in cells:
            pos = col_pos.get(int(cell.column))
            if pos is None:
                continue
            value = cell.value
            key = (cell.row, cell.column)
            if key in formula_issues:
                issues[pos] = formula_issues[key]
            elif cell.data_type == "e":
                issues[pos] = CellProblem(
                    Code.ERROR_VALUE, f"the cell holds the Excel error {value}; fix or clear it"
                )
            if (
                pos in uin_positions
                and isinstance(value, int | float)
                and not isinstance(value, bool)
                and _ZERO_PADDED.match(cell.number_format or "")
                and len(cell.number_format) > len(str(int(value)))
            ):
                issues[pos] = CellProblem(
                    Code.UIN_PRECISION_LOST,
                    f"the UIN is a number shown with leading zeros "
                    f"({str(int(value)).zfill(len(cell.number_format))}); numbers lose leading "
                    "zeros, so enter the UIN as text",
                )
            if key in merged:
                issues[pos] = CellProblem(
                    Code.MERGED_CELL, "the cell is part of a merged range; unmerge the cells"
                )
            values[pos] = value
            if not is_blank(value) or pos in issues:
                blank = False
        if blank:
            continue
        row_no = cells[0].row
        hidden = bool(ws.row_dimensions[row_no].hidden) if row_no in ws.row_dimensions else False
        rows.append(RawRow(row_no, values, hidden, issues))
    return RawSheet(ws.title, spec, header_row, headers, columns, mapping, rows)


def _match_sheets(
    titles: Iterable[str], file_name: str, specs: tuple[SheetSpec, ...]
) -> dict[str, list[str]]:
    matches: dict[str, list[str]] = {spec.name: [] for spec in specs}
    for title in titles:
        key = title.strip().casefold()
        for spec in specs:
            if key == spec.name.casefold():
                matches[spec.name].append(title)
    for name, found in matches.items():
        if len(found) > 1:
            raise InputFileError(
                f"{file_name}: {len(found)} sheets are named like '{name}' "
                f"({', '.join(repr(t) for t in found)}); keep one"
            )
    return matches


def read_workbook(
    path: Path, specs: tuple[SheetSpec, ...] = INPUT_SHEETS, extras: tuple[str, ...] = ()
) -> RawBook:
    """Read the known sheets of `path`, in contract order; raise InputFileError if unusable.

    `extras` names further sheets (the tool's own, hidden ones included) whose values are
    returned as plain rows in `RawBook.extras`."""
    _check_container(path)
    name = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            parts = _sheet_parts(zf)
            with_formulas = _check_sizes(zf, parts, name)
        with path.open("rb") as fh:
            wb = openpyxl.load_workbook(fh, data_only=True, keep_links=False, keep_vba=False)
        with zipfile.ZipFile(path) as zf:
            matches = _match_sheets(wb.sheetnames, name, specs)
            sheets: list[RawSheet] = []
            skipped: list[str] = []
            for spec in specs:
                for title in matches.get(spec.name, []):
                    ws = wb[title]
                    if ws.sheet_state != "visible":
                        skipped.append(title)
                        continue
                    issues = _formula_issues(zf, parts[title]) if title in with_formulas else {}
                    sheets.append(_read_sheet(ws, spec, name, issues))
            found_extras = {
                title: list(wb[title].iter_rows(values_only=True))
                for title in wb.sheetnames
                if title in extras
            }
    except InputFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on damaged packages
        raise InputFileError(
            f"{name}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})"
        ) from None
    if not sheets:
        expected = ", ".join(s.name for s in specs)
        hidden = f" (hidden sheets skipped: {', '.join(skipped)})" if skipped else ""
        raise InputFileError(f"{name}: no sheet named {expected} was found{hidden}")
    return RawBook(path, sheets, skipped, found_extras)
