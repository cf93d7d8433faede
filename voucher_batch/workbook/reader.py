"""Reading an input workbook into raw sheets: what a person sees, nothing more.

Finds the known sheets (case-insensitive names, hidden sheets skipped), the header row
within the first 20 rows, maps headers to the sheet contract, and returns every non-blank
data row with the cell values Excel computed. Cells a person cannot trust are flagged here
(error values, formulas without a computed value, cells under a merged range, text longer
than a cell can hold) and rows hidden in the input are marked, so that later stages refuse
them with a reason.

The work done is bounded by what the file really holds, never by the coordinates it claims:
the package is checked before any XML is parsed (file type, zip bombs, entity
declarations, the parts a library would build in memory), and each sheet is streamed once,
keeping only the cells that exist, with merged ranges kept as ranges. openpyxl is used for
what it does well (cell values, shared strings, number formats), never to build a
per-coordinate model of a sheet.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import io
import os
import re
import stat
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, Protocol

import openpyxl
from defusedxml import ElementTree as SafeET
from openpyxl.cell.text import Text
from openpyxl.packaging.manifest import Manifest
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.constants import ARC_CONTENT_TYPES, ARC_STYLE, SHARED_STRINGS

from .. import settings
from ..domain.problems import Code
from ..errors import InputFileError
from .cells import CellProblem, is_blank
from .sheets import APPENDED_NAME, HEADER_SEARCH_ROWS, INPUT_SHEETS, UIN, SheetSpec

# A declared uncompressed size above these limits is refused before any XML is parsed.
MAX_MEMBER_BYTES = 512 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
# Limits tied to the work a part causes (all far above what Excel itself writes).
MAX_PART_ELEMENTS = 1_000_000  # XML elements of a part parsed whole (workbook, styles, ...)
MAX_STYLES = 100_000  # <xf> cell formats; Excel stops at 64,000
MAX_SHARED_STRINGS = 4_000_000  # <si> entries of the shared strings table
MAX_MERGED_RANGES = 10_000  # merged ranges a sheet
MAX_COLUMNS = 1_000  # headed columns a sheet
MAX_GRID = 32_000_000  # data rows x headed columns a sheet (the decision sheet's cells)
MAX_ROW_ELEMENTS = 1_000_000  # XML elements inside one <row>
PROGRESS_STEP = 1_000  # rows read between two progress reports
_DIMENSION = re.compile(
    rb'<(?:[A-Za-z0-9_]+:)?dimension\s+ref="[A-Z]{0,3}([0-9]{0,7})(?::[A-Z]{1,3}([0-9]{1,7}))?"'
)


class ReadProgress(Protocol):
    """Who hears how far the reading has got: a phase per sheet, rows as they are read."""

    def phase(self, name: str, total: int | None = None) -> None: ...

    def advance(self, n: int = 1) -> None: ...


def _expected_rows(zf: zipfile.ZipFile, part: str) -> int | None:
    """The rows a sheet says it spans (its `<dimension>`, near the start of the part), or
    None when it does not say; only a hint for progress, never trusted for reading."""
    with zf.open(part) as stream:
        found = _DIMENSION.search(stream.read(8192))
    if found is None or not found.group(1):
        return None
    first, last = int(found.group(1)), int(found.group(2) or found.group(1))
    return max(last - first + 1, 1)


CELL_MAX_CHARS = 32_767  # what one Excel cell holds
EXTRA_WIDTH = 26  # columns A..Z of the tool's own extra sheets (key/value pairs)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_MAIN = "{" + _MAIN + "}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_WORKSHEET_REL = "/worksheet"
_ROW = _NS_MAIN + "row"
_CELL = _NS_MAIN + "c"
_VALUE = _NS_MAIN + "v"
_FORMULA = _NS_MAIN + "f"
_SHEET_DATA = _NS_MAIN + "sheetData"
_MERGE_CELL = _NS_MAIN + "mergeCell"
_AUTO_FILTER = _NS_MAIN + "autoFilter"
_FILTER_COLUMN = _NS_MAIN + "filterColumn"
_FILTER_CRITERIA = frozenset(
    _NS_MAIN + tag
    for tag in ("filters", "customFilters", "top10", "dynamicFilter", "colorFilter", "iconFilter")
)


_FILTER_VALUES = frozenset(_NS_MAIN + tag for tag in ("filter", "dateGroupItem", "customFilter"))


def _filters_something(elem: Any, values: int) -> bool:
    """Whether a filter column's criterion can hide a row: a list of values (or blanks), at
    least one custom condition, or a top-10, dynamic, colour or icon filter. `values` counts
    the value elements read inside it (already removed from the tree)."""
    if elem.tag == _NS_MAIN + "filters":
        return values > 0 or elem.get("blank") in ("1", "true")
    if elem.tag == _NS_MAIN + "customFilters":
        return values > 0
    return True


_SST_ITEM = _NS_MAIN + "si"
_ELEMENT = re.compile(rb"<[A-Za-z_]")
_XF = re.compile(rb"<(?:\w+:)?xf[\s>/]")
_SI = re.compile(rb"<(?:\w+:)?si[\s>/]")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DTD_WINDOW = 1 << 16  # a document type declaration can only come before the root element
_TRUE = ("1", "true")
_LAST_ROW, _LAST_COLUMN = 1_048_576, 16_384  # the grid of an Excel sheet
MAX_ROWS_ENV = settings.MAX_ROWS
DEFAULT_MAX_ROWS = settings.DEFAULT_MAX_ROWS
SAVE_AS_XLSX = "open it in Excel or LibreOffice and save it as an Excel Workbook (.xlsx)"

# Zip packages that are not a workbook this tool reads: a member that gives them away.
_OTHER_PACKAGES = (
    ("xl/workbook.bin", "an Excel Binary Workbook (.xlsb)"),
    ("content.xml", "an OpenDocument spreadsheet (.ods)"),
    ("Index/Document.iwa", "an Apple Numbers document"),
    ("word/document.xml", "a Word document"),
    ("ppt/presentation.xml", "a PowerPoint presentation"),
)

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


@dataclass(frozen=True)
class _SheetEntry:
    name: str  # exactly as written in xl/workbook.xml
    state: str  # visible | hidden | veryHidden
    part: str  # the package member holding its XML


# ---- the file and the package, before any XML is parsed ---------------------------------


def _read_regular(path: Path) -> bytes:
    """The bytes of `path`, read once, after making sure it is a regular file: a folder, a
    named pipe or a device gets one sentence, and a pipe is never opened for a blocking read.
    Everything later (the hash, the package checks, the parse) uses these bytes, so the
    recorded sha256 is that of what was read, even if the file changes meanwhile."""
    name = path.name
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputFileError(f"{name}: no such file") from None
    except OSError as exc:
        raise InputFileError(f"{name}: cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(mode):
        raise InputFileError(f"{name}: is a folder, not a workbook; give the .xlsx file inside it")
    if stat.S_ISFIFO(mode):
        raise InputFileError(
            f"{name}: is a named pipe, not a workbook file; save the workbook to a file first"
        )
    if not stat.S_ISREG(mode):
        raise InputFileError(f"{name}: is a device or socket, not a workbook file")
    try:
        # O_NONBLOCK: should the path be swapped for a pipe after the check, never wait on it
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputFileError(f"{name}: cannot be read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        found = os.fstat(fh.fileno())
        if not stat.S_ISREG(found.st_mode):
            raise InputFileError(f"{name}: is not a regular file, not a workbook")
        try:
            head = fh.read(8)
            _check_kind(name, head)  # a file of another kind is refused unread, whatever its size
            if found.st_size > MAX_TOTAL_BYTES:  # more than its members may inflate to
                raise InputFileError(
                    f"{name}: refused, the file is larger than the limit "
                    f"({MAX_TOTAL_BYTES // 2**20} MiB)"
                )
            fh.seek(0)
            return fh.read()
        except OSError as exc:
            raise InputFileError(f"{name}: cannot be read ({exc.strerror})") from None


def _check_kind(name: str, head: bytes) -> None:
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


def _check_container(name: str, data: bytes) -> None:
    """The zip package of `data` (its kind already checked by `_read_regular`)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
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
        for marker, what in _OTHER_PACKAGES:
            if marker in names:
                raise InputFileError(
                    f"{name}: this is {what}, which cannot be read; {SAVE_AS_XLSX}"
                )
        raise InputFileError(f"{name}: not a readable .xlsx workbook (no xl/workbook.xml)")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
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


def _count(zf: zipfile.ZipFile, member: str, pattern: re.Pattern[bytes]) -> int:
    """Occurrences of `pattern` (a tag: it starts with "<" and holds no other) in a package
    member, streamed; a tag split across two chunks is carried over and counted once."""
    found, tail = 0, b""
    with zf.open(member) as stream:
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            cut = data.rfind(b"<", max(0, len(data) - 64))
            cut = len(data) if cut < 0 else cut
            found += len(pattern.findall(data, 0, cut))
            tail = data[cut:]
    return found + len(pattern.findall(tail))


def _check_part(zf: zipfile.ZipFile, member: str, file_name: str) -> None:
    """A part that is parsed whole (into a tree) may hold at most MAX_PART_ELEMENTS."""
    if member in zf.NameToInfo and _count(zf, member, _ELEMENT) > MAX_PART_ELEMENTS:
        raise InputFileError(
            f"{file_name}: refused, the package part {member} holds more than "
            f"{MAX_PART_ELEMENTS:,} XML elements, far more than a workbook needs"
        )


def _parse_part(zf: zipfile.ZipFile, member: str, file_name: str) -> Any:
    _check_part(zf, member, file_name)
    return SafeET.fromstring(zf.read(member))


def _workbook_sheets(zf: zipfile.ZipFile, file_name: str) -> tuple[list[_SheetEntry], bool]:
    """Every sheet as written in xl/workbook.xml (names untouched: no library has had a
    chance to rename a duplicate), its state and part; and whether dates count from 1904."""
    book = _parse_part(zf, "xl/workbook.xml", file_name)
    if book.tag.startswith("{" + _STRICT_MAIN + "}"):
        raise InputFileError(
            f"{file_name}: this is a Strict Open XML spreadsheet, which cannot be read; "
            f"{SAVE_AS_XLSX}"
        )
    if not book.tag.startswith(_NS_MAIN):
        raise InputFileError(
            f"{file_name}: not a readable .xlsx workbook (xl/workbook.xml is not a workbook)"
        )
    rels = "xl/_rels/workbook.xml.rels"
    targets: dict[str | None, tuple[str, str]] = {}
    if rels in zf.NameToInfo:
        for rel in _parse_part(zf, rels, file_name).iter(f"{_NS_PKG_REL}Relationship"):
            target = rel.get("Target", "")
            part = (
                target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            )
            targets[rel.get("Id")] = (part, rel.get("Type", ""))
    entries = []
    for sheet in book.iter(f"{_NS_MAIN}sheet"):
        part, kind = targets.get(sheet.get(f"{_NS_REL}id"), ("", ""))
        if part and kind.endswith(_WORKSHEET_REL):
            entries.append(_SheetEntry(sheet.get("name", ""), sheet.get("state", "visible"), part))
    props = book.find(f"{_NS_MAIN}workbookPr")
    date1904 = props is not None and props.get("date1904", "").lower() in _TRUE
    return entries, date1904


_APPENDED_REF = re.compile(
    r"^=?(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?1(?::\$?([A-Z]{1,3})\$?1)?$"
)


def appended_columns(zf: zipfile.ZipFile, file_name: str) -> dict[str, set[int]]:
    """The columns (1-based) the tool appended to each sheet of a decision workbook it wrote,
    by sheet title, from the defined names it leaves (`APPENDED_NAME`); a name whose cells
    were deleted (`#REF!`) marks nothing."""
    book = _parse_part(zf, "xl/workbook.xml", file_name)
    found: dict[str, set[int]] = {}
    for name in book.iter(f"{_NS_MAIN}definedName"):
        if not (name.get("name") or "").startswith(APPENDED_NAME):
            continue
        ref = _APPENDED_REF.match((name.text or "").strip())
        if ref is None:
            continue
        title = ref[1].replace("''", "'") if ref[1] is not None else ref[2]
        first = column_index_from_string(ref[3])
        last = column_index_from_string(ref[4] or ref[3])
        found.setdefault(title, set()).update(range(first, last + 1))
    return found


def _shared_strings(zf: zipfile.ZipFile, file_name: str) -> list[str]:
    """The shared strings table, streamed: each entry is dropped from the tree once read,
    and the count is limited (each one costs memory, whatever its size on disk)."""
    _check_part(zf, ARC_CONTENT_TYPES, file_name)
    manifest = Manifest.from_tree(SafeET.fromstring(zf.read(ARC_CONTENT_TYPES)))
    found = manifest.find(SHARED_STRINGS)
    if found is None:
        return []
    part = found.PartName.lstrip("/")
    too_many = (
        f"{file_name}: refused, the shared strings part {part} holds more than "
        f"{MAX_SHARED_STRINGS:,} strings, the limit"
    )
    if _count(zf, part, _SI) > MAX_SHARED_STRINGS:  # a quick look before parsing
        raise InputFileError(too_many)
    strings: list[str] = []
    with zf.open(part) as stream:
        for item in _stream_children(stream, file_name, part):
            if item.tag == _SST_ITEM:
                if len(strings) >= MAX_SHARED_STRINGS:
                    raise InputFileError(too_many)
                strings.append(_unescape(Text.from_tree(item).content))
    return strings


def _unescape(text: str) -> str:
    """Text as written, from the XML of a cell: `_x005F_` is the escape of "_" that writers
    put before text looking like an escape (`_x0041_` is stored `_x005F_x0041_`)."""
    return text.replace("_x005F_", "_") if "_x005F_" in text else text


def _stream_children(stream: IO[bytes], file_name: str, part: str) -> Iterator[Any]:
    """The children of the root element, each complete, dropped from the tree after use;
    one child may hold at most MAX_ROW_ELEMENTS elements."""
    depth = inside = 0
    root: Any = None
    for event, elem in SafeET.iterparse(stream, events=("start", "end")):
        if event == "start":
            if depth == 0:
                root = elem
            elif depth >= 2:
                inside += 1
                if inside > MAX_ROW_ELEMENTS:
                    raise InputFileError(
                        f"{file_name}: refused, an entry of the package part {part} holds more "
                        f"than {MAX_ROW_ELEMENTS:,} XML elements"
                    )
            depth += 1
            continue
        depth -= 1
        if depth == 1:
            yield elem
            root.remove(elem)
            inside = 0


@dataclass
class _Styles:
    """What cells need from the styles part: which styles are dates, and number formats."""

    date_formats: set[int]
    timedelta_formats: set[int]
    cell_styles: Any
    number_formats: list[str]

    def number_format(self, style_id: int) -> str:
        try:
            num = self.cell_styles[style_id].numFmtId
        except (IndexError, TypeError):
            return "General"
        if num < BUILTIN_FORMATS_MAX_SIZE:
            return str(BUILTIN_FORMATS.get(num, "General"))
        try:
            return str(self.number_formats[num - BUILTIN_FORMATS_MAX_SIZE])
        except IndexError:
            return "General"


def _styles(zf: zipfile.ZipFile, file_name: str) -> _Styles:
    if ARC_STYLE in zf.NameToInfo:
        _check_part(zf, ARC_STYLE, file_name)
        xfs = _count(zf, ARC_STYLE, _XF)
        if xfs > MAX_STYLES:
            raise InputFileError(
                f"{file_name}: refused, the styles part {ARC_STYLE} holds {xfs:,} cell formats, "
                f"more than the limit of {MAX_STYLES:,}"
            )
    wb = openpyxl.Workbook()
    apply_stylesheet(zf, wb)
    return _Styles(wb._date_formats, wb._timedelta_formats, wb._cell_styles, wb._number_formats)


# ---- one sheet, streamed ----------------------------------------------------------------


@dataclass(slots=True)
class _Cell:
    value: object
    error: bool  # an Excel error value (#N/A, #REF!, ...)
    style: int
    issue: CellProblem | None = None


@dataclass
class _SheetScan:
    cells: dict[int, dict[int, _Cell]] = field(default_factory=dict)  # row -> column -> cell
    hidden: set[int] = field(default_factory=set)  # rows holding cells that are hidden
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # min c, r, max c, r
    filtered: tuple[int, int] | None = None  # rows of an autofilter with an active filter


def max_rows() -> int:
    return settings.max_rows()


def _formula_issue(cell: Any) -> CellProblem | None:
    """A formula with no computed value, or that points at another workbook."""
    formula = cell.find(_FORMULA)
    if formula is None:
        return None
    text = formula.text or ""
    if "[" in text and "]" in text:
        return CellProblem(
            Code.EXTERNAL_FORMULA,
            f"the formula ={text} refers to another workbook; paste the value instead",
        )
    value = cell.find(_VALUE)
    if value is None or value.text is None:
        return CellProblem(
            Code.FORMULA_WITHOUT_VALUE,
            f"the formula ={text} has no computed value; open and save the "
            "workbook in Excel, or paste the value",
        )
    return None


def _scan_sheet(
    zf: zipfile.ZipFile,
    entry: _SheetEntry,
    file_name: str,
    strings: list[str],
    styles: _Styles,
    date1904: bool,
    progress: ReadProgress | None = None,
) -> _SheetScan:
    """Stream one sheet part once. Only cells that exist are kept; every element is dropped
    from the tree once handled, so memory follows the cells kept, not the file's layout."""
    cells = WorkSheetParser(
        None,
        strings,
        data_only=True,
        epoch=CALENDAR_MAC_1904 if date1904 else WINDOWS_EPOCH,
        date_formats=styles.date_formats,
        timedelta_formats=styles.timedelta_formats,
    )
    scan = _SheetScan()
    limit = max_rows()
    rows = row_no = 0
    row_elements = 0
    active_filter = False
    filter_values = 0  # value elements inside the filter criterion being read
    stack: list[Any] = []
    row_elem: Any = None  # the <row> being read
    with zf.open(entry.part) as stream:
        for event, elem in SafeET.iterparse(stream, events=("start", "end")):
            if event == "start":
                if row_elem is not None and elem.tag == _ROW:
                    raise InputFileError(
                        f"{file_name}: sheet '{entry.name}': not a readable .xlsx workbook "
                        f"(a row inside row {row_no})"
                    )
                if row_elem is not None:
                    row_elements += 1
                    if row_elements > MAX_ROW_ELEMENTS:
                        raise InputFileError(
                            f"{file_name}: sheet '{entry.name}', row {row_no}: refused, the row "
                            f"holds more than {MAX_ROW_ELEMENTS:,} XML elements"
                        )
                elif elem.tag == _ROW and stack and stack[-1].tag == _SHEET_DATA:
                    row_elem, row_elements = elem, 0
                    rows += 1
                    if rows > limit:
                        raise InputFileError(
                            f"{file_name}: sheet '{entry.name}' has more than {limit:,} rows, "
                            f"the limit a sheet (set {MAX_ROWS_ENV} to change it); split "
                            "the workbook"
                        )
                    row_no = _row_number(elem.get("r"), row_no, entry.name, file_name)
                stack.append(elem)
                continue
            stack.pop()
            if row_elem is not None and elem is not row_elem:
                continue  # a cell and its parts stay until their row is complete
            if elem is row_elem:
                row_elem = None
                _take_row(elem, row_no, cells, scan, file_name, entry.name)
                if progress is not None and rows % PROGRESS_STEP == 0:
                    progress.advance(PROGRESS_STEP)
            elif elem.tag == _MERGE_CELL:
                if len(scan.merged) >= MAX_MERGED_RANGES:
                    raise InputFileError(
                        f"{file_name}: sheet '{entry.name}': refused, more than "
                        f"{MAX_MERGED_RANGES:,} merged ranges"
                    )
                scan.merged.append(_bounds(elem.get("ref", ""), entry.name, file_name))
            elif elem.tag in _FILTER_VALUES:
                filter_values += 1
            elif elem.tag in _FILTER_CRITERIA:
                # a filter column with a criterion hides rows; an empty one filters nothing
                active_filter = active_filter or _filters_something(elem, filter_values)
                filter_values = 0
            elif elem.tag == _AUTO_FILTER and len(stack) == 1:
                if active_filter:
                    _, top, _, bottom = _bounds(elem.get("ref", ""), entry.name, file_name)
                    scan.filtered = (top, bottom)
                active_filter = False
            elem.clear()
            if stack:
                stack[-1].remove(elem)
    if progress is not None:
        progress.advance(rows % PROGRESS_STEP)
    return scan


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


def _bounds(ref: str, title: str, file_name: str) -> tuple[int, int, int, int]:
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
    except (ValueError, TypeError):
        raise InputFileError(
            f"{file_name}: sheet '{title}': not a readable .xlsx workbook (cell range {ref!r})"
        ) from None
    if None in (min_col, min_row, max_col, max_row):  # whole rows or columns: A:A, 2:2
        min_col, min_row = min_col or 1, min_row or 1
        max_col, max_row = max_col or _LAST_COLUMN, max_row or _LAST_ROW
    return int(min_col), int(min_row), int(max_col), int(max_row)


def _take_row(
    elem: Any, row_no: int, parser: WorkSheetParser, scan: _SheetScan, file_name: str, title: str
) -> None:
    parser.row_counter, parser.col_counter = row_no, 0
    hidden = elem.get("hidden", "").lower() in _TRUE
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
            value = _unescape(value)  # as the shared strings are
        if value is None and issue is None:
            continue
        r, c = int(parsed["row"]), int(parsed["column"])
        if not (1 <= r <= _LAST_ROW and 1 <= c <= _LAST_COLUMN):
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
        scan.cells.setdefault(r, {})[c] = _Cell(
            value, parsed["data_type"] == "e", int(parsed["style_id"] or 0), issue
        )
        if hidden:
            scan.hidden.add(r)


# ---- from the scan to a raw sheet -------------------------------------------------------


def _find_header(
    scan: _SheetScan,
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


def _merged_positions(
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


def _read_sheet(
    scan: _SheetScan,
    title: str,
    spec: SheetSpec,
    file_name: str,
    styles: _Styles,
    appended: frozenset[int] = frozenset(),
) -> RawSheet:
    header_row, columns, headers = _find_header(scan, title, spec, file_name, appended)
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
    col_pos = {c: i for i, c in enumerate(columns)}
    uin_positions = {pos for canonical, pos in mapping.items() if _is_uin(spec, canonical)}
    data_rows = sorted(r for r in scan.cells if r > header_row)
    if len(data_rows) * len(columns) > MAX_GRID:
        raise InputFileError(
            f"{file_name}: sheet '{title}': {len(data_rows):,} rows of {len(columns):,} columns "
            f"is more than the limit of {MAX_GRID:,} cells a sheet; split the workbook"
        )
    rows: list[RawRow] = []
    kept: list[int] = []
    for row_no in data_rows:
        values: list[object] = [None] * len(columns)
        issues: dict[int, CellProblem] = {}
        blank = True
        for col, cell in scan.cells[row_no].items():
            pos = col_pos.get(col)
            if pos is None:
                continue
            value = cell.value
            if cell.issue is not None:
                issues[pos] = cell.issue
            elif cell.error:
                issues[pos] = CellProblem(
                    Code.ERROR_VALUE, f"the cell holds the Excel error {value}; fix or clear it"
                )
            if pos in uin_positions and isinstance(value, int | float):
                issue = _padded_uin(value, styles.number_format(cell.style))
                if issue is not None:
                    issues[pos] = issue
            if isinstance(value, str) and len(value) > CELL_MAX_CHARS:
                issues[pos] = CellProblem(
                    Code.TOO_LONG,
                    f"the cell holds {len(value):,} characters, more than the "
                    f"{CELL_MAX_CHARS:,} an Excel cell can hold; the decision workbook shows "
                    "it cut",
                )
            values[pos] = value
            if not is_blank(value) or pos in issues:
                blank = False
        if blank:
            continue
        rows.append(RawRow(row_no, values, row_no in scan.hidden, issues))
        kept.append(row_no)
    if scan.merged:
        covered = _merged_positions(scan.merged, header_row, columns, kept)
        for raw in rows:
            for pos in covered.get(raw.row, ()):
                if pos in raw.issues and raw.issues[pos].code is Code.TOO_LONG:
                    continue  # the reason the decision sheet shows the cell cut
                raw.issues[pos] = CellProblem(
                    Code.MERGED_CELL, "the cell is part of a merged range; unmerge the cells"
                )
    if scan.filtered is not None and spec.name == "Review":
        # Filtering is allowed on the Review sheet: a row hidden inside an active
        # autofilter is filtered out of view, not hidden by hand, and is read as usual.
        top, bottom = scan.filtered
        for raw in rows:
            if top < raw.row <= bottom:
                raw.hidden = False
    return RawSheet(title, spec, header_row, headers, columns, mapping, rows)


def _padded_uin(value: int | float, number_format: str) -> CellProblem | None:
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


def _plain_rows(scan: _SheetScan) -> list[tuple[object, ...]]:
    """The values of a sheet the tool wrote itself, columns A..Z, rows in order."""
    out = []
    for row_no in sorted(scan.cells):
        row = scan.cells[row_no]
        width = min(max(row), EXTRA_WIDTH)
        out.append(tuple(row[c].value if c in row else None for c in range(1, width + 1)))
    return out


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
                f"({', '.join(repr(t) for t in found)}); names differing only in case or "
                "surrounding spaces are the same sheet, keep one"
            )
    return matches


def _duplicate_extras(entries: list[_SheetEntry], extras: tuple[str, ...], file_name: str) -> None:
    for extra in extras:
        found = [e.name for e in entries if e.name.strip().casefold() == extra.casefold()]
        if len(found) > 1:
            raise InputFileError(
                f"{file_name}: {len(found)} sheets are named like '{extra}' "
                f"({', '.join(repr(t) for t in found)}); keep one"
            )


def read_workbook(
    path: Path,
    specs: tuple[SheetSpec, ...] = INPUT_SHEETS,
    extras: tuple[str, ...] = (),
    progress: ReadProgress | None = None,
) -> RawBook:
    """Read the known sheets of `path`, in contract order; raise InputFileError if unusable.

    `extras` names further sheets (the tool's own, hidden ones included) whose values are
    returned as plain rows (columns A..Z) in `RawBook.extras`. The file is opened once;
    `RawBook.sha256` is the hash of the bytes parsed. `progress` hears a phase per sheet
    read (with the rows the sheet says it spans) and the rows as they are read."""
    name = path.name
    data = _read_regular(path)
    with warnings.catch_warnings():
        # library warnings (unsupported extensions, default styles...) never reach the user;
        # what matters is reported as a problem or an error of its own
        warnings.simplefilter("ignore")
        _check_container(name, data)
        try:
            book = _read(path, data, specs, extras, progress)
        except InputFileError:
            raise
        except Exception as exc:  # openpyxl and the XML parser raise many kinds on damage
            raise InputFileError(
                f"{name}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})"
            ) from None
    book.sha256 = hashlib.sha256(data).hexdigest()
    return book


def _read(
    path: Path,
    data: bytes,
    specs: tuple[SheetSpec, ...],
    extras: tuple[str, ...],
    progress: ReadProgress | None = None,
) -> RawBook:
    name = path.name
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        entries, date1904 = _workbook_sheets(zf, name)
        appended = appended_columns(zf, name)
        matches = _match_sheets([e.name for e in entries], name, specs)
        _duplicate_extras(entries, extras, name)
        by_name = {e.name: e for e in entries}
        strings = _shared_strings(zf, name)
        styles = _styles(zf, name)

        def scan(entry: _SheetEntry) -> _SheetScan:
            return _scan_sheet(zf, entry, name, strings, styles, date1904)

        sheets: list[RawSheet] = []
        skipped: list[str] = []
        for spec in specs:
            for title in matches.get(spec.name, []):
                entry = by_name[title]
                if entry.state != "visible":
                    skipped.append(title)
                    continue
                if entry.part not in zf.NameToInfo:
                    raise InputFileError(
                        f"{name}: not a readable .xlsx workbook (sheet '{title}' has no part "
                        f"{entry.part})"
                    )
                ours = frozenset(appended.get(title, ()))
                if progress is not None:
                    progress.phase(f"reading {title}", _expected_rows(zf, entry.part))
                scanned = _scan_sheet(zf, entry, name, strings, styles, date1904, progress)
                sheets.append(_read_sheet(scanned, title, spec, name, styles, ours))
        found_extras = {
            e.name: _plain_rows(scan(e))
            for e in entries
            if e.name in extras and e.part in zf.NameToInfo
        }
    if not sheets:
        expected = ", ".join(s.name for s in specs)
        hidden = f" (hidden sheets skipped: {', '.join(skipped)})" if skipped else ""
        raise InputFileError(f"{name}: no sheet named {expected} was found{hidden}")
    return RawBook(path, sheets, skipped, found_extras)
