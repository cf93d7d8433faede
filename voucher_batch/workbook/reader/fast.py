"""The fast read of a plain sheet: values from python-calamine (Rust), and from a few
searches over the sheet's XML what the values alone do not tell.

A sheet is *plain* when its XML is the form Excel, LibreOffice and the usual libraries write
for values: rows with a number, cells with a reference, an optional style and type, and a
value of their type or an inline string, nothing else (no error values, rich or phonetic
text, escapes, character references, control characters, typed dates, integers past 15
digits, decimals a float rounds to a whole number, whitespace a reader may trim). That is
checked by searches that each run over the bytes once, in C, and keep nothing per cell;
what they find then decides the few things calamine cannot know:

- which rows are hidden (the `hidden` attribute of a row, for the cells it holds);
- which cells have a date or duration style: their serials are converted exactly as the
  exact parser does (a serial no date has is an error cell, refused as "not a date");
- which numbers have a zero-padded style (a UIN shown with leading zeros);
- the merged ranges (kept as ranges).

Anything else -- or a sheet whose cells would make calamine's grid far larger than the cells
that exist -- returns None and the sheet is read by the exact streaming parser
(`stream.scan_sheet`), which keeps every reading rule for the rare file this path declines.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from xml.parsers import expat as pyexpat
from xml.sax.saxutils import unescape as _unescape

from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, from_excel

from ...domain.problems import Code
from ..cells import CellProblem, clean_text
from ..sheets import HEADER_SEARCH_ROWS
from .parts import MAX_ROW_ELEMENTS, Styles
from .raw import CELL_MAX_CHARS, NO_ISSUES, RawRow, padded_uin, too_long
from .stream import (
    LAST_COLUMN,
    LAST_ROW,
    MAX_MERGED_RANGES,
    PROGRESS_STEP,
    Cell,
    ReadProgress,
    SheetScan,
    bounds,
    max_rows,
)
from .stream import formula_issue as _formula_issue

# What a plain sheet's XML may hold. Each pattern starts with a literal, so a search runs at
# the speed of a byte scan, and each looks for what is NOT plain: a match sends the sheet to
# the exact parser.
_ROOT = re.compile(
    rb'^(?:<\?xml version="1\.0"(?: encoding="[Uu][Tt][Ff]-8")?(?: standalone="(?:yes|no)")?'
    rb' ?\?>\s*)?<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
)
_SHEET_DATA = b"<sheetData>"
_SHEET_DATA_END = b"</sheetData>"
# a formula: its text, or a shared formula's reference to another cell's
_FORMULA_ELEMENT = rb"(?:<f>[^<]*</f>|<f [^>]*?/>|<f [^>]*[^/]>[^<]*</f>)"
# Text both readers give alike: no control character, character reference or `]]>` (the
# exact parser's XML parser refuses or resolves them; calamine reads them as written).
# (possessive: a long text is looked at once)
_CHAR = rb"(?:[^<&\]\x00-\x08\x0b\x0c\x0e-\x1f]++|&(?:amp|lt|gt|quot|apos);|\](?!\]>))"
_FORMULA_ATTRIBUTES = rb'(?: [A-Za-z]+="[^"<>&\x00-\x1f]*")+'
# a formula's text, read from the XML as it is written: no carriage return (the XML
# parser reads a line end as a line feed)
_FORMULA_CHAR = _CHAR.replace(b"\\x0e-\\x1f]", b"\\x0e-\\x1f\\r]")
_FORMULA_TEXT = (
    rb"(?:<f>"
    + _FORMULA_CHAR
    + rb"*+</f>|<f"
    + _FORMULA_ATTRIBUTES
    + rb" ?/>|<f"
    + _FORMULA_ATTRIBUTES
    + rb">"
    + _FORMULA_CHAR
    + rb"*+</f>)?"
)
_NO_VALUE = rb"<v ?/>|<v></v>"
_TEXT_VALUE = rb"<v>(?!\s)" + _CHAR + rb"++(?<!\s)</v>"  # no space a reader may trim
# A number both readers read alike: an integer a float holds exactly; a decimal that no
# float rounds to a whole number (the exact parser reads a decimal as a float, calamine's
# whole floats are read as integers): with k digits before the point, its first 16 - k
# decimals are not all zeros or all nines; a small number with a negative exponent.
_DECIMAL = (
    rb"(?:"
    + b"|".join(rb"[0-9]{%d}\.(?!0{%d}|9{%d})" % (k, 16 - k, 16 - k) for k in range(1, 16))
    + rb")(?=[0-9]{0,19}[1-9])[0-9]{1,20}"
)
_NUMBER = (
    rb"-?(?:[0-9]{1,15}|" + _DECIMAL + rb"|[1-9](?:\.[0-9]{1,16})?[Ee]-0*"
    rb"(?:[2-9]|[1-9][0-9]|[12][0-9]{2}|30[0-7])|[1-9](?:\.[0-9]{1,15})?[Ee]-0*1)"
)
_INLINE_TEXT = rb"<is><t>(?!\s)" + _CHAR + rb"++(?<!\s)</t></is>"
_PRESERVED_TEXT = rb'<is><t xml:space="preserve">' + _CHAR + rb"++</t></is>"
# an attribute of a row other than its number: no namespace declaration, no second
# `hidden`, a value without references or control characters (the exact parser's XML
# parser refuses what is not well-formed; calamine would read it)
_ROW_ATTRIBUTE = (
    rb' (?!r=|xmlns|hidden="[^"]*"[^>]* hidden=)(?:PREFIXES)?[A-Za-z_][\w.-]*'
    rb'="[^"<>&\x00-\x1f]*"'
)
_PREFIX = re.compile(rb'xmlns:([A-Za-z_][\w.-]*)="')
# a cell: reference, style and type, then what its type holds: an optional formula, then
# a value of that type or none; an inline string for an inline string; then the next cell
# or the end of its row
_CELL = (
    rb'<c (?!r="[A-Z]{1,3}[1-9][0-9]{0,6}"(?: s="(?:0|[1-9][0-9]{0,5})")?(?:'
    rb'(?: t="n")?(?: ?/>|>'
    + _FORMULA_TEXT
    + rb"(?:<v>"
    + _NUMBER
    + rb"</v>|"
    + _NO_VALUE
    + rb")?</c>)|"
    rb' t="s"(?: ?/>|>' + _FORMULA_TEXT + rb"(?:<v>[0-9]{1,9}</v>|" + _NO_VALUE + rb")?</c>)|"
    rb' t="b"(?: ?/>|>' + _FORMULA_TEXT + rb"(?:<v>[01]</v>|<v ?/>)?</c>)|"
    rb' t="str"(?: ?/>|>' + _FORMULA_TEXT + rb"(?:" + _TEXT_VALUE + rb"|" + _NO_VALUE + rb")?</c>)|"
    rb' t="inlineStr"(?: ?/>|>(?:'
    + _INLINE_TEXT
    + rb"|"
    + _PRESERVED_TEXT
    + rb"|"
    + _FORMULA_TEXT
    + rb"(?:"
    + _TEXT_VALUE
    + rb"|"
    + _NO_VALUE
    + rb")?)</c>)"
    rb")(?=<c |</row>))"  # then a cell or the end of the row: nothing between
)
_NOT_PLAIN = tuple(
    re.compile(p)
    for p in (
        _CELL,
        rb"</c>(?!<c |</row>)",  # after a cell: a cell or the end of its row
        rb"/>(?!<c |</row>|<row |<v>|</c>|$)",  # after an empty cell, row, formula or value
        rb"</row>(?!<row |$)",  # after a row: a row or the end of the sheet's data
        rb"_[xX][0-9A-Fa-f]{4}_",  # an escaped character (the readers unescape differently)
    )
)
_NONCHARACTER = re.compile(rb"\xef\xbf[\xbe\xbf]")  # U+FFFE, U+FFFF: no XML character
_STRINGS_NOT_PLAIN = (
    re.compile(rb"_[xX][0-9A-Fa-f]{4}_"),
    re.compile(rb"<(?:\w+:)?rPh\b"),
    re.compile(rb"&#"),  # a character reference (calamine trims what it stands for)
    re.compile(rb"<!\["),  # a CDATA section
    re.compile(rb"<(?:\w+:)?t>(?:\s|[^<]*\s</(?:\w+:)?t>)"),
    # an empty string or text element, a string of two text elements (the readers differ)
    re.compile(rb"<(?:\w+:)?(?:si|t)\b[^>]*/>"),
    re.compile(rb"<(?:\w+:)?si></"),
    re.compile(rb"></(?:\w+:)?t>"),
    re.compile(rb"</(?:\w+:)?t>\s*<(?:\w+:)?t[\s>]"),
)
_ROW_DIGITS = tuple(re.compile(rb'<c r="[A-Z]{1,3}([0-9]{%d})"' % n) for n in range(1, 8))
_COLUMNS = re.compile(rb'<c r="([A-Z]{1,3})')
_HEAD_ROWS = 1_000  # rows whose cells give the columns a sheet is expected to span
# a hidden row that holds cells (not one written <row .../>): its number and its cells
_HIDDEN_ROW = re.compile(
    rb'<row r="([0-9]+)"[^>]*? hidden="(?:1|[tT][rR][uU][eE])"[^>]*(?<!/)>(.*?)</row>',
    re.DOTALL,
)
_ROW_NUMBER = re.compile(rb'<row r="([0-9]+)"')
_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]+)"')
_MERGE = re.compile(rb'<mergeCell ref="([^"]*)"')
_MERGE_ANY = re.compile(rb"<(?:\w+:)?mergeCell\b")
_FILTER = re.compile(rb"<(?:\w+:)?filterColumn\b")
_SLACK_CELLS = 1_000_000  # empty cells calamine's grid may hold beyond 3 a cell that exists
_HELD_ONCE = 50_000  # distinct texts (and whole numbers) of a column held once, at most


def _styled(styles: set[int]) -> re.Pattern[bytes] | None:
    """Cells of one of `styles` holding a number: reference, style and the value's text."""
    if not styles:
        return None
    ids = b"|".join(str(s).encode() for s in sorted(styles))
    return re.compile(
        rb'<c r="([A-Z]{1,3})([0-9]+)" s="('
        + ids
        + rb')"(?: t="n")?>'
        + _FORMULA_ELEMENT
        + rb"?(?:<v>([^<]*)</v>)?"
    )


# a formula cell: reference, the formula's text (either form) and its value, if any
_FORMULA = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]+)"[^>]*>(?:<f>([^<]*)</f>|<f [^>]*?/>|<f [^>]*[^/]>([^<]*)</f>)'
    rb"(<v>[^<]+</v>)?"
)


_ZEROS = re.compile(r"^0{2,}$")


def plain_strings(table: bytes | None) -> bool:
    """Whether the shared strings table (its bytes; None: there is none) reads alike in
    calamine and in the exact parser; checked once a workbook."""
    return table is None or not (
        any(p.search(table) for p in _STRINGS_NOT_PLAIN) or not well_formed(table)
    )


def scan_plain(
    zf: zipfile.ZipFile,
    part: str,
    sheet_name: str,
    file_name: str,
    styles: Styles,
    date1904: bool,
    calamine: Callable[[], Any],
    progress: ReadProgress | None = None,
) -> SheetScan | None:
    """The sheet read by calamine when it is plain (see the module docstring), else None.
    Call it only when the workbook's shared strings are plain (`plain_strings`)."""
    data = zf.read(part)
    body = _plain_body(data)
    if body is None:
        return None
    start, end = body
    rows = data.count(b"<row ", start, end)
    cells = data.count(b"<c ", start, end)
    if rows > max_rows() or _row_too_large(data, start, end):
        return None  # the exact parser refuses it with its own words
    scan = _tail(data, start, end, sheet_name, file_name)
    if scan is None:
        return None
    if cells == 0:
        return scan
    bottom, right = _extent(data, start, end)
    if bottom > LAST_ROW or right > LAST_COLUMN:
        return None  # outside the sheet: the exact parser says where
    if bottom * right > 3 * cells + _SLACK_CELLS:
        return None  # sparse: calamine would fill the grid between the cells (from A1, or less)
    # calamine parses the sheet in a thread of its own (it lets go of the GIL) while the
    # last searches run; only now, once the grid is known to be bounded by the cells
    loading = _Loading(calamine, sheet_name)
    try:
        if not _hidden_rows(data, start, end, scan.hidden):
            return None
        special = _special_cells(data, start, end, styles, date1904)
        del data
        sheet = loading.sheet()
        _header_cells(sheet, scan, special)
    except Exception:  # calamine declines what it cannot read: the exact parser says why
        return None
    finally:
        loading.wait()
    scan.plain = PlainRows(sheet, special, scan.hidden, progress)
    return scan


class _Loading:
    """A sheet being parsed by calamine in a thread; `sheet()` waits for it and gives it
    (or raises what calamine raised)."""

    def __init__(self, calamine: Callable[[], Any], sheet_name: str) -> None:
        self._result: Any = None
        self._error: BaseException | None = None

        def load() -> None:
            try:
                self._result = calamine().get_sheet_by_name(sheet_name)
            except BaseException as exc:  # given to the reading thread by `sheet()`
                self._error = exc

        self._thread: threading.Thread | None = threading.Thread(
            target=load, name="calamine", daemon=True
        )
        try:
            self._thread.start()
        except RuntimeError:  # no thread to be had (a process limit): parsed here instead
            self._thread = None
            load()

    def sheet(self) -> Any:
        self.wait()
        if self._error is not None:
            raise self._error
        return self._result

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()


def _hidden_rows(data: bytes, start: int, end: int, hidden: set[int]) -> bool:
    """Adds the hidden rows that hold cells to `hidden`; False when a hidden row holds a
    cell of another row, or a row number comes twice or out of order (the exact parser
    marks the rows of the cells it keeps, and which those are is then not plain)."""
    for match in _HIDDEN_ROW.finditer(data, start, end):
        rows = set(_CELL_ROW.findall(match[2]))
        if rows - {match[1]}:
            return False
        if rows:
            hidden.add(int(match[1]))
    if hidden:
        numbers = list(map(int, _ROW_NUMBER.findall(data, start, end)))
        if any(a >= b for a, b in itertools.pairwise(numbers)):
            return False
    return True


@functools.lru_cache(maxsize=16)
def _row_pattern(prefixes: tuple[bytes, ...]) -> re.Pattern[bytes]:
    """A row that is not plain: a numbered row, its other attributes each written
    name="value" after one space, prefixed only by the prefixes its sheet declares."""
    declared = (
        b"(?:" + b"|".join(re.escape(p) + b":" for p in prefixes) + b")" if prefixes else b"(?!)"
    )
    attribute = _ROW_ATTRIBUTE.replace(b"PREFIXES", declared)
    return re.compile(
        rb'<row (?!r="[1-9][0-9]{0,6}"(?:' + attribute + rb")*(?: ?/>(?=<row |$)|>(?:<c |</row>)))"
    )


def _plain_body(data: bytes) -> tuple[int, int] | None:
    """Where the rows of the sheet are (between <sheetData> and </sheetData>), when they
    are plain. Positions, not a copy: the part may be hundreds of megabytes."""
    if _ROOT.match(data) is None or data.count(_SHEET_DATA) != 1:
        return None
    start = data.find(_SHEET_DATA) + len(_SHEET_DATA)
    end = data.find(_SHEET_DATA_END, start)
    if end < 0 or data.count(_SHEET_DATA_END) != 1:
        return None
    if end > start and not data.startswith(b"<row ", start):
        return None
    if any(p.search(data, start, end) for p in _NOT_PLAIN):
        return None
    root = data[: data.find(b">", _ROOT.match(data).end())]  # type: ignore[union-attr]
    if _row_pattern(tuple(sorted(set(_PREFIX.findall(root))))).search(data, start, end):
        return None
    if not data.isascii() and _NONCHARACTER.search(data, start, end):
        return None
    return start, end


def _row_too_large(data: bytes, start: int, end: int) -> bool:
    """Whether a row may hold more elements than the exact parser accepts (it then says so).
    Every element takes 4 bytes or more: when each stretch of half that many bytes holds
    the start of a row, no row is long enough; else rows are measured one by one."""
    if data.count(b"<", start, end) <= MAX_ROW_ELEMENTS:
        return False
    limit = 4 * MAX_ROW_ELEMENTS
    at = start
    while at < end and data.find(b"<row ", at, at + limit // 2) >= 0:
        at += limit // 2
    if at >= end:
        return False
    at = start
    while at < end:
        nxt = data.find(b"<row ", at + 1, end)
        nxt = end if nxt < 0 else nxt
        if nxt - at > limit:
            return True
        at = nxt
    return False


def _extent(data: bytes, start: int, end: int) -> tuple[int, int]:
    """The last row and the last column of the cells that exist (there is one). Rows by
    the number of their digits, most first: each look is one scan, and finds few cells."""
    highest = next(
        max(map(int, found))
        for found in (p.findall(data, start, end) for p in reversed(_ROW_DIGITS))
        if found
    )
    if highest > LAST_ROW:
        return highest, 1
    # the last column: that of the first rows' cells when no cell lies beyond it (one
    # search), else the last of every cell's column
    head = start
    for _ in range(_HEAD_ROWS):
        head = data.find(b"<row ", head + 1, end)
        if head < 0:
            head = end
            break
    letters = {c.decode() for c in _COLUMNS.findall(data, start, head)}
    last = max(letters, key=lambda c: (len(c), c), default="A")
    if re.compile(_beyond(last)).search(data, start, end) is not None:
        letters = {c.decode() for c in _COLUMNS.findall(data, start, end)}
        last = max(letters, key=lambda c: (len(c), c))
    return highest, column_index_from_string(last)


def _beyond(letters: str) -> bytes:
    """A pattern for a cell whose column comes after `letters` (A < Z < AA < XFD)."""
    options = [rb"[A-Z]{%d,3}" % (len(letters) + 1)] if len(letters) < 3 else []
    for i, ch in enumerate(letters):
        if ch < "Z":
            rest = len(letters) - i - 1
            later = b"[" + bytes([ord(ch) + 1]) + b"-Z]" + (b"[A-Z]{%d}" % rest if rest else b"")
            options.append(letters[:i].encode() + later)
    if not options:
        return b"(?!)"
    return b'<c r="(?:' + b"|".join(options) + b")[0-9]"


def _tail(data: bytes, start: int, end: int, title: str, file_name: str) -> SheetScan | None:
    """The merged ranges; None when an autofilter filters (the exact parser reads which
    rows it spans) or the merges are many or not plain. Looked for around the rows (the
    rows' form leaves no room for them inside)."""
    if _FILTER.search(data, 0, start) or _FILTER.search(data, end):
        return None
    merges = _MERGE.findall(data, 0, start) + _MERGE.findall(data, end)
    tags = len(_MERGE_ANY.findall(data, 0, start)) + len(_MERGE_ANY.findall(data, end))
    if len(merges) > MAX_MERGED_RANGES or len(merges) != tags:
        return None
    # the rest of the sheet, as the exact parser's XML parser reads it: well-formed, the
    # rows' element where it reads rows, the same merged ranges
    if _outline(data[:start] + data[end:]) != ([2], [ref.decode() for ref in merges]):
        return None
    scan = SheetScan()
    scan.merged = [bounds(ref.decode(), title, file_name) for ref in merges]
    return scan


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "


def _outline(xml: bytes) -> tuple[list[int], list[str]] | None:
    """For a well-formed part (else None): the depths of its sheetData elements and the
    references of its mergeCell elements (of the main namespace, wherever they are)."""
    depth = 0
    sheet_data: list[int] = []
    merges: list[str] = []

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if name == _MAIN + "sheetData":
            sheet_data.append(depth)
        elif name == _MAIN + "mergeCell":
            merges.append(attributes.get("ref", ""))

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1

    parser = _parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(xml, True)
    except (pyexpat.ExpatError, ValueError):
        return None
    return sheet_data, merges


def well_formed(xml: bytes) -> bool:
    """Whether a part is well-formed XML (the exact parser refuses it else)."""
    try:
        _parser().Parse(xml, True)
    except (pyexpat.ExpatError, ValueError):
        return False
    return True


def _parser() -> Any:
    def refuse(*_: object) -> None:
        raise ValueError("a declaration")  # the package check already refuses them

    parser = pyexpat.ParserCreate(namespace_separator=" ")
    parser.EntityDeclHandler = refuse
    parser.StartDoctypeDeclHandler = refuse
    return parser


def unescape_xml(text: str) -> str:
    """The text of an element as an XML parser gives it (the five predefined entities)."""
    return _unescape(text, {"&quot;": '"', "&apos;": "'"}) if "&" in text else text


_KEEP = object()  # a marked cell whose value is calamine's


class _Special:
    """Cells whose value or problem calamine cannot give as the exact parser does, by (row,
    column): `marked` gives a value to use instead (or `_KEEP`) and the cell's problem;
    `styles` the style of the cells whose style matters."""

    def __init__(self) -> None:
        self.marked: dict[tuple[int, int], tuple[object, CellProblem | None]] = {}
        self.styles: dict[tuple[int, int], int] = {}


@functools.lru_cache(maxsize=20_000)
def column_of(letters: bytes) -> int:
    return int(column_index_from_string(letters.decode()))


def _special_cells(data: bytes, start: int, end: int, styles: Styles, date1904: bool) -> _Special:
    special = _Special()
    marked = special.marked
    if data.find(b"<f", start, end) >= 0:
        for letters, row, text, shared, value in _FORMULA.findall(data, start, end):
            issue = _formula_issue(unescape_xml((text or shared).decode()), bool(value))
            if issue is not None:
                marked[(int(row), column_of(letters))] = (_KEEP, issue)
    epoch = CALENDAR_MAC_1904 if date1904 else WINDOWS_EPOCH
    dated = _styled(set(styles.date_formats))
    if dated is not None:
        converted: dict[tuple[bytes, int], tuple[object, CellProblem | None]] = {}
        sids: dict[bytes, int] = {}
        # one match at a time: a sheet has a date cell a row, and the matches of a million
        # rows would be a list of four million strings
        for found in dated.finditer(data, start, end):
            letters, row, style, text = found.groups()
            key = (int(row), column_of(letters))
            sid = sids.get(style)
            if sid is None:
                sid = sids[style] = int(style)
            special.styles[key] = sid
            if not text:
                continue
            done = converted.get((text, sid))
            if done is None:
                done = converted[(text, sid)] = _date_value(
                    text.decode(), epoch, sid in styles.timedelta_formats
                )
            # a date's own problem wins over its formula's, as in the exact parser; the
            # cells of one date without a formula's problem share one reading
            formula = marked.get(key)
            if formula is None or done[1] is not None or formula[1] is None:
                marked[key] = done
            else:
                marked[key] = (done[0], formula[1])
    padded = {
        i for i in range(len(styles.cell_styles)) if _ZEROS.match(styles.number_format(i))
    } - set(styles.date_formats)
    zeros = _styled(padded)
    if zeros is not None:
        for found in zeros.finditer(data, start, end):
            letters, row, style, _ = found.groups()
            special.styles[(int(row), column_of(letters))] = int(style)
    return special


def _date_value(text: str, epoch: datetime, duration: bool) -> tuple[object, CellProblem | None]:
    """A serial under a date or duration style, as the exact parser reads it."""
    number: float | int = float(text) if ("." in text or "E" in text or "e" in text) else int(text)
    try:
        return from_excel(number, epoch, timedelta=duration), None
    except (OverflowError, ValueError):
        return (
            "#VALUE!",
            CellProblem(
                Code.NOT_A_DATE,
                f"the number {text} is formatted as a date, but no date has that number; "
                "type the date as YYYY-MM-DD",
            ),
        )


_TEMPORAL = (date, datetime, time, timedelta)


class Declined(Exception):
    """calamine read a date where the styles say there is none (its idea of a date format
    differs from Excel's), or a value where a formula without one is: the sheet is read
    again by the exact parser."""


def _rows(sheet: Any, special: _Special) -> Iterator[tuple[int, list[object]]]:
    """calamine's rows by row number, in order, with the rows calamine leaves out because
    their only cells are marked (a formula without a value) as rows of no value."""
    top = sheet.start[0]
    bottom = top + sheet.height
    outside = sorted({r for r, _ in special.marked if not top < r <= bottom})
    yield from ((r, []) for r in outside if r <= top)
    for i, values in enumerate(sheet.iter_rows()):
        yield top + i + 1, values
    yield from ((r, []) for r in outside if r > bottom)


def _header_cells(sheet: Any, scan: SheetScan, special: _Special) -> None:
    """The cells of the rows where a header may be, as the exact parser keeps them."""
    left = sheet.start[1]
    marked = special.marked
    for r, values in _rows(sheet, special):
        if r > HEADER_SEARCH_ROWS:
            break
        found = {left + j + 1: value for j, value in enumerate(values)}
        for mr, mc in marked:
            if mr == r and mc not in found:
                found[mc] = ""  # a marked cell outside calamine's grid
        row: dict[int, Cell] = {}
        for c, raw in sorted(found.items()):
            value, issue = _value(raw, r, c, special)
            if value is not None or issue is not None:
                error = issue is not None and issue.code is Code.NOT_A_DATE
                row[c] = Cell(value, error, special.styles.get((r, c), 0), issue)
        if row:
            scan.cells[r] = row


def _value(value: object, r: int, c: int, special: _Special) -> tuple[object, CellProblem | None]:
    """One of calamine's values as the exact parser reads the cell: its value and problem."""
    kind = type(value)
    override, issue = special.marked.get((r, c), (_KEEP, None))
    if issue is not None and issue.code is Code.FORMULA_WITHOUT_VALUE and value != "":
        raise Declined  # calamine has a value there: another cell with the same reference
    if kind is str:
        return (value or None), issue
    if kind is bool:
        return value, issue
    if override is not _KEEP:
        return override, issue
    if isinstance(value, float):
        return (int(value) if value.is_integer() else value), issue
    if isinstance(value, _TEMPORAL):
        raise Declined
    return value, issue


@dataclass
class PlainRows:
    """The rows under the header of a plain sheet, made into raw rows in one pass over
    calamine's rows, only the headed columns looked at."""

    sheet: Any
    special: _Special
    hidden: set[int]
    progress: ReadProgress | None = None

    # long on purpose: the per-row loop runs for every row of a sheet; its common cases
    # stay inline (no call per cell)
    def raw_rows(
        self, header_row: int, columns: list[int], uins: set[int], styles: Styles
    ) -> tuple[list[RawRow], int]:
        """The non-blank rows under `header_row` and how many rows hold any cell."""
        left = self.sheet.start[1]
        special, hidden, progress = self.special, self.hidden, self.progress
        picks = [(pos, col - left - 1, col) for pos, col in enumerate(columns)]
        width = len(columns)
        rows: list[RawRow] = []
        holding = 0
        marked = special.marked
        marked_rows = {r for r, _ in marked}  # rows of a formula without a value, say
        # each column's repeated texts and whole numbers held once (template names, UINs,
        # who requested...): calamine gives every cell a new object
        texts: list[dict[str, str]] = [{} for _ in columns]
        wholes: list[dict[float, int]] = [{} for _ in columns]
        count = 0
        for count, (r, cells) in enumerate(_rows(self.sheet, special), start=1):
            if progress is not None and count % PROGRESS_STEP == 0:
                progress.advance(PROGRESS_STEP)
            if r <= header_row:
                continue
            if not any(cells) and r not in marked_rows and all(v == "" for v in cells):
                continue  # an empty row of the grid: no cell exists there
            holding += 1
            values: list[object] = [None] * width
            issues: dict[int, CellProblem] | None = None
            blank = True
            n = len(cells)
            for pos, j, col in picks:
                if 0 <= j < n:
                    value = cells[j]
                elif marked and (r, col) in marked:
                    value = ""  # a marked cell outside calamine's grid
                else:
                    continue
                kind = type(value)
                issue = None
                if marked and (r, col) in marked:
                    value, issue = _value(value, r, col, special)
                    if value is None and issue is None:
                        continue
                elif kind is str:
                    if not value:
                        continue
                    seen = texts[pos]
                    held = seen.get(value)
                    if held is not None:
                        value = held
                    elif len(seen) < _HELD_ONCE:
                        seen[value] = value
                elif kind is float:
                    if value.is_integer():
                        whole = wholes[pos]
                        number = whole.get(value)
                        if number is not None:
                            value = number
                        else:
                            value = int(value)
                            if len(whole) < _HELD_ONCE:
                                whole[value] = value
                elif kind is not bool and isinstance(value, _TEMPORAL):
                    raise Declined
                if pos in uins and type(value) in (int, float):
                    style = special.styles.get((r, col))
                    if style is not None:
                        number_format = styles.number_format(style)
                        issue = padded_uin(value, number_format) or issue
                if type(value) is str:
                    if len(value) > CELL_MAX_CHARS:
                        issue = too_long(value)
                    if blank and clean_text(value):
                        blank = False
                elif value is not None:
                    blank = False
                if issue is not None:
                    if issues is None:
                        issues = {}
                    issues[pos] = issue
                values[pos] = value
            if not blank or issues:
                rows.append(RawRow(r, values, r in hidden, issues or NO_ISSUES))
        if progress is not None:
            progress.advance(count % PROGRESS_STEP)
        return rows, holding
