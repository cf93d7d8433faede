"""Differential fuzzing of the fast read: sheet XML mutated with pieces a hostile or odd
writer may put there (attributes spelled otherwise, references, control characters,
duplicate cells, hidden rows, odd values of each type...). Whatever the mutation, the fast
read gives exactly what the exact parser gives, or leaves the sheet to it.

The default test run does a short pass; `make fuzz` runs long (FUZZ_EXAMPLES).
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.test_fast_reader import _read
from tests.workbooks import REQUEST_HEADERS

pytestmark = pytest.mark.fuzz
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
SHEET = "xl/worksheets/sheet1.xml"


def _seed() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Requests"
    ws.append(REQUEST_HEADERS)
    ws.append(["R-1", "Starter Trial", "100012340001", 12000, date(2027, 3, 31), "why", "ops"])
    ws.append(["R-2", "Starter Trial", 1234, 12.5, 46_000, "a & b", "ops"])
    ws.append(["R-3", "Starter Trial", "100012340003", "=1+1", date(2027, 3, 31), "x", "o"])
    ws["C3"].number_format = "000000000000"
    ws["E3"].number_format = "d/m/yy"
    ws.row_dimensions[4].hidden = True
    ws.merge_cells("F3:G3")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


SEED = _seed()
SEED_SHEET = zipfile.ZipFile(io.BytesIO(SEED)).read(SHEET)
_ELEMENT = re.compile(rb"<(?:v|t|f)>([^<]*)<")

PIECES = [
    b' hidden="1"',
    b" hidden='1'",
    b' hidden = "1"',
    b'\thidden="1"',
    b' hidden="true"',
    b'<row r="3" hidden="1"/>',
    b'<row r="3"/>',
    b'</row><row r="30">',
    b'<row r="2">',
    b'<c r="D2" t="n"><v>5</v></c>',
    b'<c r="D2"><f>1</f></c>',
    b'<c r="E2" s="1"><v>1</v></c>',
    b'<c r="C3"><v>7</v></c>',
    b'<c r="A9"/>',
    b'<c r="XFE2"><v>1</v></c>',
    b"&#32;",
    b"&#1;",
    b"&#10;",
    b"&#x41;",
    b"&amp;",
    b"&foo;",
    b"\r\n",
    b"\r",
    b" ",
    b"\t",
    b"]]>",
    b"<!-- x -->",
    b"<?pi?>",
    b"<![CDATA[x]]>",
    b"\x01",
    b"\xef\xbf\xbe",
    b"\xff",
    b"_x0041_",
    b"<is><t>x</t></is>",
    b"<t></t>",
    b"<v></v>",
    b"<v/>",
    b"<v>1E-0</v>",
    b"<v>1.0000000000000000001</v>",
    b"<v>inf</v>",
    b"<v>-0</v>",
    b"<v>00012</v>",
    b"<v>2</v>",
    b' t="b"',
    b' t="str"',
    b' t="s"',
    b' t="e"',
    b' t="inlineStr"',
    b' t="d"',
    b' s="1"',
    b' s="2"',
    b' s="01"',
    b' s="999"',
    b' x14ac:dyDescent="0.25"',
    b' spans="1:7"',
    b' cm="1"',
    b' xmlns="urn:x"',
    b"'",
    b'"',
    b"=",
    b"<",
    b">",
    b"/",
    b"<f>A1</f>",
    b'<f t="shared" si="0"/>',
    b"<f>[1]S!A1</f>",
    b'<mergeCell ref="B2:C3"/>',
    b'<mergeCells><mergeCell ref="A1:A2"/></mergeCells>',
]

_START = SEED_SHEET.index(b"<sheetData>")
_END = SEED_SHEET.index(b"</sheetData>")
# where a piece goes: before or after a tag, a quote or a space of the rows
SPOTS = [i for i in range(_START, _END) if SEED_SHEET[i : i + 1] in (b"<", b">", b'"', b" ")]
VALUES = [b"12", b"1.5", b"x y", b" x", b"0", b"1", b"-7"]  # for a value in place of another
mutation = st.tuples(st.sampled_from(SPOTS), st.booleans(), st.sampled_from(PIECES + VALUES))


def _mutated(mutations: list[tuple[int, bool, bytes]]) -> bytes:
    """The seed with each piece put at its spot, or put in place of the text of the next
    value, text or formula element."""
    sheet = SEED_SHEET
    for at, in_place, piece in sorted(mutations, reverse=True):
        element = _ELEMENT.search(sheet, at) if in_place else None
        if element is not None:
            sheet = sheet[: element.start(1)] + piece + sheet[element.end(1) :]
        else:
            sheet = sheet[:at] + piece + sheet[at:]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(SEED)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info.filename, sheet if info.filename == SHEET else data)
    return out.getvalue()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 40,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(mutations=st.lists(mutation, min_size=1, max_size=3))
def test_mutated_sheets_read_the_same_both_ways(
    mutations: list[tuple[int, bool, bytes]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mutated.xlsx"
    path.write_bytes(_mutated(mutations))
    quick: Any = _read(path, monkeypatch, use_fast=True)[0]
    exact: Any = _read(path, monkeypatch, use_fast=False)[0]
    assert quick == exact
