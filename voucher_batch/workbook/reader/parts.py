"""The workbook-wide parts of a package: the sheet list (workbook.xml and its
relationships), the defined names the tool leaves on its own decision sheets, the shared
strings table (streamed, bounded) and the styles a cell's value and number format need.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Any

import openpyxl
from defusedxml import ElementTree as SafeET
from openpyxl.cell.text import Text
from openpyxl.packaging.manifest import Manifest
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import column_index_from_string
from openpyxl.xml.constants import ARC_CONTENT_TYPES, ARC_STYLE, SHARED_STRINGS

from ...errors import InputFileError
from ..sheets import APPENDED_NAME
from .package import SAVE_AS_XLSX, check_part, count_tags, parse_part

MAX_STYLES = 100_000  # <xf> cell formats; Excel stops at 64,000
MAX_SHARED_STRINGS = 4_000_000  # <si> entries of the shared strings table
MAX_ROW_ELEMENTS = 1_000_000  # XML elements inside one <row>
_DIMENSION = re.compile(
    rb'<(?:[A-Za-z0-9_]+:)?dimension\s+ref="[A-Z]{0,3}([0-9]{0,7})(?::[A-Z]{1,3}([0-9]{1,7}))?"'
)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_MAIN = "{" + _MAIN + "}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_WORKSHEET_REL = "/worksheet"
_SST_ITEM = NS_MAIN + "si"
_XF = re.compile(rb"<(?:\w+:)?xf[\s>/]")
SI = re.compile(rb"<(?:\w+:)?si[\s>/]")
TRUE_VALUES = ("1", "true")


@dataclass(frozen=True)
class SheetEntry:
    name: str  # exactly as written in xl/workbook.xml
    state: str  # visible | hidden | veryHidden
    part: str  # the package member holding its XML


def expected_rows(zf: zipfile.ZipFile, part: str) -> int | None:
    """The rows a sheet says it spans (its `<dimension>`, near the start of the part), or
    None when it does not say; only a hint for progress, never trusted for reading."""
    with zf.open(part) as stream:
        found = _DIMENSION.search(stream.read(8192))
    if found is None or not found.group(1):
        return None
    first, last = int(found.group(1)), int(found.group(2) or found.group(1))
    return max(last - first + 1, 1)


def workbook_sheets(zf: zipfile.ZipFile, file_name: str) -> tuple[list[SheetEntry], bool]:
    """Every sheet as written in xl/workbook.xml (names untouched: no library has had a
    chance to rename a duplicate), its state and part; and whether dates count from 1904."""
    book = parse_part(zf, "xl/workbook.xml", file_name)
    if book.tag.startswith("{" + _STRICT_MAIN + "}"):
        raise InputFileError(
            f"{file_name}: this is a Strict Open XML spreadsheet, which cannot be read; "
            f"{SAVE_AS_XLSX}"
        )
    if not book.tag.startswith(NS_MAIN):
        raise InputFileError(
            f"{file_name}: not a readable .xlsx workbook (xl/workbook.xml is not a workbook)"
        )
    rels = "xl/_rels/workbook.xml.rels"
    targets: dict[str | None, tuple[str, str]] = {}
    if rels in zf.NameToInfo:
        for rel in parse_part(zf, rels, file_name).iter(f"{_NS_PKG_REL}Relationship"):
            target = rel.get("Target", "")
            part = (
                target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            )
            targets[rel.get("Id")] = (part, rel.get("Type", ""))
    entries = []
    for sheet in book.iter(f"{NS_MAIN}sheet"):
        part, kind = targets.get(sheet.get(f"{_NS_REL}id"), ("", ""))
        if part and kind.endswith(_WORKSHEET_REL):
            entries.append(SheetEntry(sheet.get("name", ""), sheet.get("state", "visible"), part))
    props = book.find(f"{NS_MAIN}workbookPr")
    date1904 = props is not None and props.get("date1904", "").lower() in TRUE_VALUES
    return entries, date1904


_APPENDED_REF = re.compile(
    r"^=?(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?1(?::\$?([A-Z]{1,3})\$?1)?$"
)


def appended_columns(zf: zipfile.ZipFile, file_name: str) -> dict[str, set[int]]:
    """The columns (1-based) the tool appended to each sheet of a decision workbook it wrote,
    by sheet title, from the defined names it leaves (`APPENDED_NAME`); a name whose cells
    were deleted (`#REF!`) marks nothing."""
    book = parse_part(zf, "xl/workbook.xml", file_name)
    found: dict[str, set[int]] = {}
    for name in book.iter(f"{NS_MAIN}definedName"):
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


def strings_part(zf: zipfile.ZipFile, file_name: str) -> str | None:
    """The package member holding the shared strings table, if any; refused when it holds
    more strings than the limit (each one costs memory, whatever its size on disk)."""
    check_part(zf, ARC_CONTENT_TYPES, file_name)
    manifest = Manifest.from_tree(SafeET.fromstring(zf.read(ARC_CONTENT_TYPES)))
    found = manifest.find(SHARED_STRINGS)
    if found is None:
        return None
    part = str(found.PartName).lstrip("/")
    if count_tags(zf, part, SI) > MAX_SHARED_STRINGS:  # a quick look before parsing
        raise InputFileError(_too_many_strings(file_name, part))
    return part


def _too_many_strings(file_name: str, part: str) -> str:
    return (
        f"{file_name}: refused, the shared strings part {part} holds more than "
        f"{MAX_SHARED_STRINGS:,} strings, the limit"
    )


def shared_strings(zf: zipfile.ZipFile, file_name: str, part: str | None) -> list[str]:
    """The shared strings table of `part` (from `strings_part`), streamed: each entry is
    dropped from the tree once read, and the count is limited."""
    if part is None:
        return []
    too_many = _too_many_strings(file_name, part)
    strings: list[str] = []
    with zf.open(part) as stream:
        for item in stream_children(stream, file_name, part):
            if item.tag == _SST_ITEM:
                if len(strings) >= MAX_SHARED_STRINGS:
                    raise InputFileError(too_many)
                strings.append(unescape(Text.from_tree(item).content))
    return strings


def unescape(text: str) -> str:
    """Text as written, from the XML of a cell: `_x005F_` is the escape of "_" that writers
    put before text looking like an escape (`_x0041_` is stored `_x005F_x0041_`)."""
    return text.replace("_x005F_", "_") if "_x005F_" in text else text


def stream_children(stream: IO[bytes], file_name: str, part: str) -> Iterator[Any]:
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
class Styles:
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


def read_styles(zf: zipfile.ZipFile, file_name: str) -> Styles:
    if ARC_STYLE in zf.NameToInfo:
        check_part(zf, ARC_STYLE, file_name)
        xfs = count_tags(zf, ARC_STYLE, _XF)
        if xfs > MAX_STYLES:
            raise InputFileError(
                f"{file_name}: refused, the styles part {ARC_STYLE} holds {xfs:,} cell formats, "
                f"more than the limit of {MAX_STYLES:,}"
            )
    wb = openpyxl.Workbook()
    apply_stylesheet(zf, wb)
    return Styles(wb._date_formats, wb._timedelta_formats, wb._cell_styles, wb._number_formats)
