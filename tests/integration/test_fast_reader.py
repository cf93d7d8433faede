"""The fast read (python-calamine values + searches over the sheet XML) gives exactly what the
exact streaming parser gives, and hands the sheet to the exact parser whenever it holds
something the fast read does not take (section 2's reading rules stay one set)."""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.workbooks import REQUEST_HEADERS
from voucher_batch.domain.problems import Code
from voucher_batch.errors import InputFileError
from voucher_batch.workbook import reader
from voucher_batch.workbook.reader import fast


def _read(path: Path, monkeypatch: pytest.MonkeyPatch, use_fast: bool) -> tuple[Any, list[bool]]:
    """The RawBook of `path` (or the error), and for each sheet whether the fast read took it."""
    taken: list[bool] = []
    original = fast.scan_plain

    def spy(*args: Any, **kwargs: Any) -> Any:
        found = original(*args, **kwargs) if use_fast else None
        taken.append(found is not None)
        return found

    monkeypatch.setattr(reader, "scan_plain", spy)
    try:
        book = reader.read_workbook(path)
    except InputFileError as exc:
        return ("error", str(exc)), taken
    finally:
        monkeypatch.setattr(reader, "scan_plain", original)
    sheets = [
        (
            s.title,
            s.header_row,
            s.headers,
            s.columns,
            s.mapping,
            [
                (
                    r.row,
                    r.values,
                    [type(v).__name__ for v in r.values],
                    r.hidden,
                    {k: (i.code, i.message) for k, i in r.issues.items()},
                )
                for r in s.rows
            ],
        )
        for s in book.sheets
    ]
    return (sheets, book.skipped, book.extras), taken


def _same(path: Path, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    quick, taken = _read(path, monkeypatch, use_fast=True)
    exact, _ = _read(path, monkeypatch, use_fast=False)
    assert quick == exact
    return taken


def _requests_book(
    path: Path, rows: list[list[object]], styles: dict[str, str] | None = None
) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Requests"
    ws.append(REQUEST_HEADERS)
    for row in rows:
        ws.append(row)
    for ref, fmt in (styles or {}).items():
        ws[ref].number_format = fmt
    wb.save(path)
    return path


PLAIN_ROWS: list[list[object]] = [
    ["R-1", "Starter Trial", "100012340001", 12000, date(2027, 3, 31), "why", "ops.analyst"],
    ["R-2", "starter   TRIAL", 100012340002, 12.5, datetime(2027, 3, 31, 12, 30), " x ", "o"],
    ["R-3", "Starter Trial", "\u00a0100012340003\u200b", -5, "2027-03-31", "", None],
    ["R-4", True, False, 0, 0.0, "\u202eevil", "\uff11\uff12"],
    [None, None, None, None, None, None, None],
    ["R-6", "a & b < c", "'quoted'", 2**49, -(2**49), "line\nbreak", "tab\there"],
    ["R-7", "x" * 40_000, 1e-7, 123.456, time(12, 0), timedelta(hours=30), "é"],
]


def test_plain_workbooks_read_the_same_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _requests_book(
        tmp_path / "plain.xlsx",
        PLAIN_ROWS,
        {"C3": "000000000000", "D2": "0.00", "E8": "[h]:mm:ss", "F8": "[h]:mm"},
    )
    wb = openpyxl.load_workbook(path)
    ws = wb["Requests"]
    ws.row_dimensions[4].hidden = True
    ws.merge_cells("B6:C7")
    ws.auto_filter.ref = "A1:G8"  # an autofilter that filters nothing
    wb.save(path)
    assert _same(path, monkeypatch) == [True]


def test_streamed_and_shared_strings_read_the_same_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """xlsxwriter's inline strings (constant memory, as the decision workbook is written)
    and its shared strings table, with dates, numbers and a zero-padded UIN style."""
    for constant_memory in (True, False):
        path = tmp_path / f"x-{constant_memory}.xlsx"
        book = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        padded = book.add_format({"num_format": "000000000000"})
        ws = book.add_worksheet("Requests")
        ws.write_row(0, 0, REQUEST_HEADERS)
        for i in range(1, 300):
            ws.write_string(i, 0, f"R-{i}")
            ws.write_string(i, 1, "Starter Trial" if i % 7 else "  spaced  ")
            if i % 11:
                ws.write_string(i, 2, f"{100012340000 + i}")
            else:
                ws.write_number(i, 2, 1234 + i, padded)
            ws.write_number(i, 3, 1000 + i if i % 5 else 10.25)
            ws.write_number(i, 4, 46_000 + i if i % 13 else 3_000_000, day)  # a serial no date has
            ws.write_boolean(i, 5, bool(i % 2))
            ws.write_string(i, 6, "ops.analyst")
        ws.set_row(5, None, None, {"hidden": True})
        ws.merge_range(10, 5, 12, 6, "merged")
        book.close()
        assert _same(path, monkeypatch) == [True]


def test_repeated_values_held_once_read_the_same_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each column's repeated texts and whole numbers are held once by the fast read, and
    past the number it holds (small here) the others are read as they come; the values,
    their types (booleans beside 0 and 1, whole floats, fractions) and problems are those of
    the exact parser."""
    monkeypatch.setattr(fast, "_HELD_ONCE", 3)
    path = tmp_path / "repeated.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Requests")
    ws.write_row(0, 0, REQUEST_HEADERS)
    for i in range(1, 60):
        ws.write_string(i, 0, f"R-{i % 9}")
        ws.write_string(i, 1, ["Starter Trial", "Other", "x" * 40_000][i % 3])
        ws.write_string(i, 2, f"{100012340000 + i % 4}")
        if i % 6 == 0:
            ws.write_boolean(i, 3, bool(i % 12))
        else:
            ws.write_number(i, 3, [1, 0, 1000, 1000.5, 2**40][i % 5] + i % 7)
        ws.write_string(i, 5, f"reason {i % 5}")
        ws.write_string(i, 6, "ops.analyst")
    book.close()
    assert _same(path, monkeypatch) == [True]
    [sheet] = reader.read_workbook(path).sheets
    assert len({id(r.values[6]) for r in sheet.rows}) == 1
    assert len({id(r.values[0]) for r in sheet.rows}) > 9  # past the number held: as read


def _edit_sheet(source: Path, target: Path, edit: Any) -> Path:
    """A copy of `source` whose Requests sheet XML went through `edit`."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = edit(data)
            zout.writestr(info.filename, data)
    return target


DECLINED = {
    "formula reference": lambda d: d.replace(
        b'<c r="D2" t="n"><v>12000</v></c>', b'<c r="D2"><f>"&#65;"</f><v>2</v></c>'
    ),
    "error": lambda d: d.replace(
        b'<c r="D2" t="n"><v>12000</v></c>', b'<c r="D2" t="e"><v>#N/A</v></c>'
    ),
    "escape": lambda d: d.replace(b"<t>R-1</t>", b"<t>_x0041_R-1</t>"),
    "edge spaces": lambda d: d.replace(b"<t>R-1</t>", b"<t> R-1 </t>"),
    "big integer": lambda d: d.replace(b"<v>12000</v>", b"<v>9007199254740993</v>"),
    "decimal whole": lambda d: d.replace(b"<v>12000</v>", b"<v>12000.0</v>"),
    "exponent": lambda d: d.replace(b"<v>12000</v>", b"<v>1.2E+4</v>"),
    "spaced value": lambda d: d.replace(b"<v>12000</v>", b"<v> 12000</v>"),
    "boolean 2": lambda d: d.replace(
        b'<c r="D2" t="n"><v>12000</v></c>', b'<c r="D2" t="b"><v>2</v></c>'
    ),
    "far cell": lambda d: d.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row></sheetData>'
    ),
    "prefixed": lambda d: d.replace(b'<row r="2">', b'<row r="2" xmlns="urn:other">'),
    "rich text": lambda d: d.replace(
        b"<is><t>R-1</t></is>", b"<is><r><t>R-</t></r><r><t>1</t></r></is>"
    ),
    "nested row": lambda d: d.replace(b'</row><row r="3">', b'<row r="3">').replace(
        b'</row><row r="4">', b'</row></row><row r="4">'
    ),
    "cell without reference": lambda d: d.replace(
        b'<c r="A2" t="inlineStr">', b'<c t="inlineStr">'
    ),
    "typed date": lambda d: d.replace(
        b'<c r="D2" t="n"><v>12000</v></c>', b'<c r="D2" t="d"><v>2027-01-01T00:00:00</v></c>'
    ),
    "hidden spelled with spaces": lambda d: d.replace(b'<row r="3">', b'<row r="3" hidden = "1">'),
    "hidden in single quotes": lambda d: d.replace(b'<row r="3">', b"<row r='3' hidden='1'>"),
    "hidden in another attribute": lambda d: d.replace(
        b'<row r="3">', b'<row r="3" ht=\' hidden="1"\'>'
    ),
    "hidden twice": lambda d: d.replace(b'<row r="3">', b'<row r="3" hidden="0" hidden="1">'),
    "hidden row holding another row's cell": lambda d: d.replace(
        b'<row r="3">', b'<row r="3" hidden="1"><c r="A4"/></row><row r="30">'
    ),
    "hidden row number twice": lambda d: d.replace(
        b"</sheetData>", b'<row r="3" hidden="1"><c r="H3" s="1"/></row></sheetData>'
    ),
    "row attribute not well-formed": lambda d: d.replace(b'<row r="2">', b'<row r="2" ht=15>'),
    "row number twice": lambda d: d.replace(b'<row r="3">', b'<row r="3" r="4">'),
    "whole number written with a negative exponent": lambda d: d.replace(
        b'<c r="D2" t="n"><v>12000</v></c>', b'<c r="D2" t="n"><v>12E-0</v></c>'
    ),
    "decimal a float rounds to a whole number": lambda d: d.replace(
        b'<c r="D2" t="n"><v>12000</v></c>', b'<c r="D2" t="n"><v>12000.0000000000000001</v></c>'
    ),
    "number too small for a float": lambda d: d.replace(
        b'<c r="D2" t="n"><v>12000</v></c>', b'<c r="D2" t="n"><v>1E-400</v></c>'
    ),
    "infinity": lambda d: d.replace(
        b'<c r="D2" t="n"><v>12000</v></c>', b'<c r="D2" t="n"><v>inf</v></c>'
    ),
    "boolean true after a formula": lambda d: d.replace(
        b'<c r="D2" t="n"><v>12000</v></c>', b'<c r="D2" t="b"><f>TRUE()</f><v>true</v></c>'
    ),
    "inline string of a number cell": lambda d: d.replace(
        b'<c r="D2" t="n"><v>12000</v></c>', b'<c r="D2"><is><t>12000</t></is></c>'
    ),
    "inline string of a text cell": lambda d: d.replace(
        b'<c r="D2" t="n"><v>12000</v></c>', b'<c r="D2" t="str"><is><t>12000</t></is></c>'
    ),
    "control character": lambda d: d.replace(
        b'<c r="D2" t="n"><v>12000</v></c>', b'<c r="D2" t="str"><v>12\x01000</v></c>'
    ),
    "character reference in a value": lambda d: d.replace(
        b'<c r="D2" t="n"><v>12000</v></c>', b'<c r="D2" t="n"><v>&#49;2</v></c>'
    ),
    "end of a CDATA section in text": lambda d: d.replace(
        b'<c r="D2" t="n"><v>12000</v></c>', b'<c r="D2" t="str"><v>a]]>b</v></c>'
    ),
    "zero-padded style number": lambda d: d.replace(
        b'<c r="D2" t="n"><v>12000</v></c>', b'<c r="D2" s="01" t="n"><v>12000</v></c>'
    ),
    "space written as a character reference": lambda d: d.replace(
        b"<is><t>why</t></is>", b"<is><t>why&#32;</t></is>", 1
    ),
    "empty inline string": lambda d: d.replace(b"<is><t>why</t></is>", b"<is><t></t></is>", 1),
    "not well-formed after the rows": lambda d: d.replace(b"</worksheet>", b"<x></worksheet>"),
    "rows in another namespace": lambda d: d.replace(
        b"<sheetData>", b'<w xmlns="urn:other"><sheetData>'
    ).replace(b"</sheetData>", b"</sheetData></w>"),
    "merged range with a character reference": lambda d: d.replace(
        b"</sheetData>", b'</sheetData><mergeCells><mergeCell ref="B3:C&#52;"/></mergeCells>'
    ),
    "merged range of another namespace": lambda d: d.replace(
        b"</sheetData>",
        b'</sheetData><extLst><ext xmlns="urn:other"><mergeCell ref="B3:C4"/></ext></extLst>',
    ),
    "row attribute of an undeclared prefix": lambda d: d.replace(
        b'<row r="2">', b'<row r="2" x14ac:dyDescent="0.25">'
    ),
    "noncharacter": lambda d: d.replace(b"<t>why</t>", b"<t>w\xef\xbf\xbfhy</t>", 1),
    "encoding other than UTF-8": lambda d: b'<?xml version="1.0" encoding="ISO-8859-1"?>' + d,
    "formula without value and a value of the same cell": lambda d: d.replace(
        b'<c r="D3" t="n"><v>12001</v></c>', b'<c r="D3"><f>1+1</f></c><c r="D3" t="n"><v>5</v></c>'
    ),
    "value and a formula without value of the same cell": lambda d: d.replace(
        b'<c r="D3" t="n"><v>12001</v></c>', b'<c r="D3" t="n"><v>5</v></c><c r="D3"><f>1+1</f></c>'
    ),
    "line end in a formula": lambda d: d.replace(
        b'<c r="D2" t="n"><v>12000</v></c>', b'<c r="D2"><f>1+\r\n1</f></c>'
    ),
    "filtering": lambda d: d.replace(
        b"</sheetData>",
        b'</sheetData><autoFilter ref="A1:G3"><filterColumn colId="0"><filters>'
        b'<filter val="R-1"/></filters></filterColumn></autoFilter>',
    ),
}


@pytest.mark.parametrize("case", sorted(DECLINED))
def test_what_the_fast_read_does_not_take_goes_to_the_exact_parser(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _requests_book(
        tmp_path / "source.xlsx",
        [
            ["R-1", "Starter Trial", "100012340001", 12000, date(2027, 3, 31), "why", "ops"],
            ["R-2", "Starter Trial", "100012340002", 12001, date(2027, 3, 31), "why", "ops"],
            ["R-3", "Starter Trial", "100012340003", 12002, date(2027, 3, 31), "why", "ops"],
        ],
    )
    # openpyxl writes inline strings; the edits below work on its exact output
    edited = _edit_sheet(source, tmp_path / f"{case}.xlsx", DECLINED[case])
    with zipfile.ZipFile(edited) as z:
        assert z.read("xl/worksheets/sheet1.xml") != zipfile.ZipFile(source).read(
            "xl/worksheets/sheet1.xml"
        ), "the edit changed nothing: the test would prove nothing"
    assert _same(source, monkeypatch) == [True]
    assert _same(edited, monkeypatch) == [False]


def test_formulas_are_read_fast_with_their_values_and_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cached values, a formula never computed, one pointing at another workbook, shared
    formulas, text results, a formula under a date style: the same as the exact parser."""
    source = _requests_book(
        tmp_path / "source.xlsx",
        [
            ["R-1", "Starter Trial", "100012340001", 12000, 46_000, "why", "ops"],
            ["R-2", "Starter Trial", "100012340002", 12001, 46_001, "why", "ops"],
            ["R-3", "Starter Trial", "100012340003", 12002, 46_002, "why", "ops"],
        ],
        {"E2": "yyyy-mm-dd", "E3": "yyyy-mm-dd", "E4": "yyyy-mm-dd"},
    )

    def edit(d: bytes) -> bytes:
        d = d.replace(b'<c r="D2" t="n"><v>12000</v></c>', b'<c r="D2"><f>SUM(1,2)</f><v>3</v></c>')
        d = d.replace(b'<c r="D3" t="n"><v>12001</v></c>', b'<c r="D3"><f>A1&amp;"x"</f></c>')
        d = d.replace(
            b'<c r="D4" t="n"><v>12002</v></c>',
            b'<c r="D4"><f>[other.xlsx]Sheet1!A1</f><v>7</v></c>',
        )
        d = d.replace(
            b'<c r="G2" t="inlineStr"><is><t>ops</t></is></c>',
            b'<c r="G2" t="str"><f t="shared" ref="G2:G3" si="0">"ops."&amp;"lead"</f>'
            b"<v>ops.lead</v></c>",
        )
        d = d.replace(
            b'<c r="G3" t="inlineStr"><is><t>ops</t></is></c>',
            b'<c r="G3" t="str"><f t="shared" si="0"/><v>ops.lead</v></c>',
        )
        d = d.replace(
            b"</sheetData>", b'<row r="9"><c r="G9"><f>1+1</f><v></v></c></row></sheetData>'
        )
        return d.replace(b"<v>46001</v>", b"<f>TODAY()</f><v>46001</v>")

    edited = _edit_sheet(source, tmp_path / "formulas.xlsx", edit)
    assert b"<f>" in zipfile.ZipFile(edited).read("xl/worksheets/sheet1.xml")
    assert _same(edited, monkeypatch) == [True]
    quick, _ = _read(edited, monkeypatch, use_fast=True)
    problems = {p[0] for row in quick[0][0][5] for p in row[4].values()}
    assert {Code.FORMULA_WITHOUT_VALUE, Code.EXTERNAL_FORMULA} <= problems
    assert 9 in {row[0] for row in quick[0][0][5]}  # a row holding only a formula without value


def test_a_date_calamine_sees_where_the_styles_see_none_is_read_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the two libraries think a date format is, the exact parser's reading wins."""
    formats = ["yyyy-mm-dd", "d/m/yy", "[$-409]mmmm d, yyyy", "0.00", "General", '"day" 0', "mm:ss"]
    rows = [[f"R-{i}", "T", "1", 46_000.25, 46_000, 0.5, "o"] for i in range(len(formats))]
    styles = {f"D{i + 2}": f for i, f in enumerate(formats)}
    styles |= {f"E{i + 2}": f for i, f in enumerate(formats)}
    styles |= {f"F{i + 2}": f for i, f in enumerate(formats)}
    path = _requests_book(tmp_path / "formats.xlsx", rows, styles)
    _same(path, monkeypatch)


values = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    st.sampled_from(["", " ", "0012", "TRUE", "=1", "#N/A", "a\nb", "_x", "&amp;"]),
    st.integers(-(2**60), 2**60),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(date(1900, 3, 1), date(9999, 12, 31)),
    st.datetimes(datetime(1900, 3, 1), datetime(9999, 12, 31)),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(values, min_size=7, max_size=9), min_size=1, max_size=8))
def test_any_values_read_the_same_both_ways(
    rows: list[list[object]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    try:
        path = _requests_book(tmp_path / "any.xlsx", rows)
    except (ValueError, TypeError):
        return  # openpyxl cannot store this value (e.g. a date outside its range)
    _same(path, monkeypatch)


def test_an_empty_hidden_row_hides_no_other_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """xlsxwriter (and Excel) write a hidden row without cells as <row .../>: the rows after
    it are not hidden; Excel's own row attributes keep the sheet on the fast read."""
    path = tmp_path / "hidden.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("Requests")
    ws.write_row(0, 0, REQUEST_HEADERS)
    ws.set_row(1, None, None, {"hidden": True})
    ws.write_row(2, 0, ["R-1", "Starter Trial", "100012340001", 12000, "2027-03-31", "w", "o"])
    ws.write_row(3, 0, ["R-2", "Starter Trial", "100012340002", 12000, "2027-03-31", "w", "o"])
    ws.set_row(3, None, None, {"hidden": True})
    book.close()
    assert b'hidden="1"/>' in zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    assert _same(path, monkeypatch) == [True]
    quick, _ = _read(path, monkeypatch, use_fast=True)
    assert [(row[0], row[3]) for row in quick[0][0][5]] == [(3, False), (4, True)]
    excel = _edit_sheet(
        path,
        tmp_path / "excel.xlsx",
        lambda d: d.replace(
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
            b' xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"',
        ).replace(b'spans="1:7">', b'spans="1:7" x14ac:dyDescent="0.25">'),
    )
    assert b"x14ac:dyDescent" in zipfile.ZipFile(excel).read("xl/worksheets/sheet1.xml")
    assert _same(excel, monkeypatch) == [True]


def test_decimals_as_excel_writes_them_stay_on_the_fast_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """17 significant digits and small numbers with an exponent are read fast, as floats;
    the number grammar declines only what a float may round to a whole number."""
    source = _requests_book(
        tmp_path / "source.xlsx",
        [[f"R-{i}", "Starter Trial", "100012340001", 1, 2, "why", "ops"] for i in range(4)],
    )
    values = [b"0.30000000000000004", b"12.300000000000001", b"1.2345E-5", b"46477.5"]

    def edit(d: bytes) -> bytes:
        for i, value in enumerate(values, start=2):
            d = d.replace(
                b'<c r="D%d" t="n"><v>1</v></c>' % i, b'<c r="D%d" t="n"><v>%s</v></c>' % (i, value)
            )
        return d

    edited = _edit_sheet(source, tmp_path / "decimals.xlsx", edit)
    assert b"1.2345E-5" in zipfile.ZipFile(edited).read("xl/worksheets/sheet1.xml")
    assert _same(edited, monkeypatch) == [True]
    quick, _ = _read(edited, monkeypatch, use_fast=True)
    assert [row[1][3] for row in quick[0][0][5]] == [float(v) for v in values]


STRINGS_DECLINED = {
    "CDATA": lambda d: d.replace(b"<t>why</t>", b"<t><![CDATA[ why ]]></t>"),
    "two text elements": lambda d: d.replace(b"<t>why</t>", b"<t>w</t><t>hy</t>"),
    "character reference": lambda d: d.replace(b"<t>why</t>", b"<t>why&#32;</t>"),
    "control character": lambda d: d.replace(b"<t>why</t>", b"<t>w\x01hy</t>"),
    "noncharacter": lambda d: d.replace(b"<t>why</t>", b"<t>w\xef\xbf\xbehy</t>"),
    "empty string": lambda d: d.replace(b"<si><t>why</t></si>", b"<si/>"),
    "empty text": lambda d: d.replace(b"<t>why</t>", b"<t></t>"),
    "not well-formed": lambda d: d.replace(b"</sst>", b"</sst><x>"),
}


@pytest.mark.parametrize("case", sorted(STRINGS_DECLINED))
def test_shared_strings_the_readers_read_differently_go_to_the_exact_parser(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "source.xlsx"
    book = xlsxwriter.Workbook(str(source))
    ws = book.add_worksheet("Requests")
    ws.write_row(0, 0, REQUEST_HEADERS)
    for i in range(1, 4):
        ws.write_row(i, 0, [f"R-{i}", "Starter Trial", f"10001234000{i}", 12000, "2027-03-31"])
        ws.write_row(i, 5, ["why", "ops"])
    book.close()
    edited = tmp_path / f"{case}.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(edited, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/sharedStrings.xml":
                changed = STRINGS_DECLINED[case](data)
                assert changed != data, "the edit changed nothing: the test would prove nothing"
                data = changed
            zout.writestr(info.filename, data)
    assert _same(source, monkeypatch) == [True]
    assert True not in _same(edited, monkeypatch)  # no sheet is read fast (none is tried)


def test_nothing_reads_between_an_empty_cell_and_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value after a cell written <c .../> is not well-formed: the exact parser refuses the
    workbook, and the fast read leaves it to it (found by tests/fuzz)."""
    from tests.fuzz.test_fuzz_fast_reader import SEED_SHEET, _mutated

    at = SEED_SHEET.index(b'<c r="D2" t="n">') + len(b'<c r="D2" t="n"')
    path = tmp_path / "stray.xlsx"
    path.write_bytes(_mutated([(at, False, b"/")]))
    assert b'<c r="D2" t="n"/><v>12000</v></c>' in zipfile.ZipFile(path).read(
        "xl/worksheets/sheet1.xml"
    )
    assert _same(path, monkeypatch) == [False]


def test_a_sheet_is_read_when_no_thread_can_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process limit may refuse calamine's thread: the sheet is then parsed in the
    reading thread, with the same rows."""
    import threading

    from bench.bench_ingest import make_input
    from voucher_batch.workbook.reader import read_workbook

    source = tmp_path / "b.xlsx"
    make_input(source, 50)
    expected = read_workbook(source)
    real_start = threading.Thread.start

    def refused(self: threading.Thread) -> None:
        if self.name == "calamine":
            raise RuntimeError("can't start new thread")
        real_start(self)

    monkeypatch.setattr(threading.Thread, "start", refused)
    got = read_workbook(source)
    assert [s.rows for s in got.sheets] == [s.rows for s in expected.sheets]
    assert len(got.sheets[-1].rows) == 50
