"""The input file and its zip package, checked before any XML is parsed.

A workbook is read once into memory after making sure it is a regular file of the right
kind (an .xls, a CSV or an OpenDocument file gets one sentence); its package is then checked
for zip bombs (member and total inflated sizes), damaged members and entity declarations,
and a part that is parsed whole is first counted so that it cannot hold more elements than
a workbook needs.
"""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
from pathlib import Path
from typing import Any

from defusedxml import ElementTree as SafeET

from ...errors import InputFileError

MAX_MEMBER_BYTES = 512 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
# Limits tied to the work a part causes (all far above what Excel itself writes).
MAX_PART_ELEMENTS = 1_000_000  # XML elements of a part parsed whole (workbook, styles, ...)
_ELEMENT = re.compile(rb"<[A-Za-z_]")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DTD_WINDOW = 1 << 16  # a document type declaration can only come before the root element
SAVE_AS_XLSX = "open it in Excel or LibreOffice and save it as an Excel Workbook (.xlsx)"

# Zip packages that are not a workbook this tool reads: a member that gives them away.
_OTHER_PACKAGES = (
    ("xl/workbook.bin", "an Excel Binary Workbook (.xlsb)"),
    ("content.xml", "an OpenDocument spreadsheet (.ods)"),
    ("Index/Document.iwa", "an Apple Numbers document"),
    ("word/document.xml", "a Word document"),
    ("ppt/presentation.xml", "a PowerPoint presentation"),
)


def read_regular(path: Path) -> bytes:
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


def check_container(name: str, data: bytes) -> None:
    """The zip package of `data` (its kind already checked by `read_regular`)."""
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


def count_tags(zf: zipfile.ZipFile, member: str, pattern: re.Pattern[bytes]) -> int:
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


def check_part(zf: zipfile.ZipFile, member: str, file_name: str) -> None:
    """A part that is parsed whole (into a tree) may hold at most MAX_PART_ELEMENTS."""
    if member in zf.NameToInfo and count_tags(zf, member, _ELEMENT) > MAX_PART_ELEMENTS:
        raise InputFileError(
            f"{file_name}: refused, the package part {member} holds more than "
            f"{MAX_PART_ELEMENTS:,} XML elements, far more than a workbook needs"
        )


def parse_part(zf: zipfile.ZipFile, member: str, file_name: str) -> Any:
    check_part(zf, member, file_name)
    return SafeET.fromstring(zf.read(member))
