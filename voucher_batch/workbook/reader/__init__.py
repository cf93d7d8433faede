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

import ctypes
import hashlib
import io
import sys
import warnings
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import openpyxl
import python_calamine

from ...errors import InputFileError
from ..sheets import INPUT_SHEETS, SheetSpec
from .fast import Declined, plain_strings, scan_plain
from .package import MAX_MEMBER_BYTES, MAX_TOTAL_BYTES, check_container, read_regular
from .parts import (
    SheetEntry,
    appended_columns,
    expected_rows,
    read_styles,
    shared_strings,
    strings_part,
    workbook_sheets,
)
from .raw import CELL_MAX_CHARS, RawBook, RawRow, RawSheet, plain_rows, read_sheet
from .stream import ReadProgress, SheetScan, max_rows, scan_sheet

__all__ = [
    "CELL_MAX_CHARS",
    "MAX_MEMBER_BYTES",
    "MAX_TOTAL_BYTES",
    "RawBook",
    "RawRow",
    "RawSheet",
    "ReadProgress",
    "appended_columns",
    "max_rows",
    "read_workbook",
]

if not openpyxl.DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
    raise RuntimeError("openpyxl must parse with defusedxml; install defusedxml")


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


def _duplicate_extras(entries: list[SheetEntry], extras: tuple[str, ...], file_name: str) -> None:
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
    data = read_regular(path)
    with warnings.catch_warnings():
        # library warnings (unsupported extensions, default styles...) never reach the user;
        # what matters is reported as a problem or an error of its own
        warnings.simplefilter("ignore")
        check_container(name, data)
        try:
            book = _read(path, data, specs, extras, progress)
        except InputFileError:
            raise
        except Exception as exc:  # openpyxl and the XML parser raise many kinds on damage
            raise InputFileError(
                f"{name}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})"
            ) from None
        finally:
            _return_freed_memory()
    book.sha256 = hashlib.sha256(data).hexdigest()
    return book


def _return_freed_memory() -> None:
    """Give the system back what the sheets' reading freed in the C heap.

    calamine holds a sheet's cells, each text an allocation of its own, in the C library's
    heap; freed, they stay there, and Python keeps its own small objects (nearly every
    later allocation of a batch) in arenas of its own, so that memory would stay unused
    until the batch ends (some 50 bytes a cell read). glibc returns it on request (`malloc_trim`);
    elsewhere there is nothing to do."""
    if not sys.platform.startswith("linux"):
        return
    try:
        trim = ctypes.CDLL(None).malloc_trim  # glibc; not in musl
    except (OSError, AttributeError):
        return
    trim(0)


def _read(
    path: Path,
    data: bytes,
    specs: tuple[SheetSpec, ...],
    extras: tuple[str, ...],
    progress: ReadProgress | None = None,
) -> RawBook:
    name = path.name
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        entries, date1904 = workbook_sheets(zf, name)
        appended = appended_columns(zf, name)
        matches = _match_sheets([e.name for e in entries], name, specs)
        _duplicate_extras(entries, extras, name)
        by_name = {e.name: e for e in entries}
        sst = strings_part(zf, name)  # found and counted once, parsed only if needed
        fast_read = plain_strings(
            zf.read(sst) if sst is not None and sst in zf.NameToInfo else None
        )
        styles = read_styles(zf, name)
        strings: list[str] | None = None
        calamine: Any = None

        def exact(entry: SheetEntry, progress: ReadProgress | None = None) -> SheetScan:
            nonlocal strings
            if strings is None:  # parsed only when a sheet needs the exact parser
                strings = shared_strings(zf, name, sst)
            return scan_sheet(zf, entry, name, strings, styles, date1904, progress)

        def book() -> Any:
            nonlocal calamine
            if calamine is None:
                calamine = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            return calamine

        def scan(entry: SheetEntry, progress: ReadProgress | None = None) -> SheetScan:
            fast = None
            if fast_read:
                fast = scan_plain(
                    zf, entry.part, entry.name, name, styles, date1904, book, progress
                )
            return fast if fast is not None else exact(entry, progress)

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
                    progress.phase(f"reading {title}", expected_rows(zf, entry.part))
                try:
                    sheet = read_sheet(scan(entry, progress), title, spec, name, styles, ours)
                except Declined:
                    sheet = read_sheet(exact(entry), title, spec, name, styles, ours)
                sheets.append(sheet)
        found_extras = {
            e.name: plain_rows(exact(e))
            for e in entries
            if e.name in extras and e.part in zf.NameToInfo
        }
    if not sheets:
        expected = ", ".join(s.name for s in specs)
        hidden = f" (hidden sheets skipped: {', '.join(skipped)})" if skipped else ""
        raise InputFileError(f"{name}: no sheet named {expected} was found{hidden}")
    return RawBook(path, sheets, skipped, found_extras)
