"""Bounded reading and clear words at every reading edge (CONTRACTS.md sections 2 and 4).

Small files that claim huge coordinates (a cell at row 1,048,576 or column XFD, a merged
range or a hyperlink over the whole sheet) are read with work that follows the cells they
really hold: the CLI runs in a subprocess with a 60 s timeout and a 2 GiB address-space
limit. Parts that would make a library build large structures are refused past documented
limits; unsupported flavours, folders and pipes get one sentence; the Review sheet's
filtered rows are read; text longer than a cell is never cut silently; a validity past
9999-12-31 is refused. Every file is built here by patching the XML of a small workbook.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from tests.e2e.test_review_loop import edit_review, export, fill, review_import, start, vouchers
from tests.workbooks import (
    REQUEST_HEADERS,
    Cli,
    Result,
    SheetData,
    ready_ledger,
    request,
    rows_of,
    write_workbook,
)

# real processes under a memory limit: bounded work is what is tested
pytestmark = pytest.mark.process

QUOTA = 10_000
ADDRESS_SPACE = 2 * 2**30
SHEET = "xl/worksheets/sheet1.xml"
LAST_ROW = 1_048_576


@pytest.fixture
def ready(cli: Cli) -> Cli:
    ready_ledger(cli, quota=QUOTA)
    return cli


def bounded(cli: Cli, *args: str, as_of: str = "2026-11-02", **env: str) -> Result:
    """Run the CLI with a 60 s timeout and a 2 GiB address-space limit: a reader whose
    work follows claimed coordinates instead of real cells fails here, it cannot hang."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    full_env = {
        **os.environ,
        "VOUCHER_BATCH_LEDGER": cli.ledger,
        "VOUCHER_BATCH_AS_OF": as_of,
        "VOUCHER_BATCH_OPERATOR": "ops.lead",
        **env,
    }
    full_env.pop("VOUCHER_BATCH_DEBUG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "voucher_batch", *args],
        cwd=cli.folder,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def ingest(cli: Cli, path: Path, **env: str) -> Result:
    return bounded(cli, "ingest", str(path), "--out-dir", str(cli.out), **env)


def one_line(result: Result, code: int, path: Path, *needles: str) -> str:
    assert result.code == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert path.name in lines[0], lines[0]
    for needle in needles:
        assert needle.casefold() in lines[0].casefold(), lines[0]
    return lines[0]


def patched(
    src: Path,
    dest: Path,
    edits: dict[str, Callable[[str], str] | None],
    extra: dict[str, bytes] | None = None,
) -> Path:
    """Copy the package `src` to `dest`, rewriting (or dropping, with None) some members."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in edits:
                edit = edits[info.filename]
                if edit is None:
                    continue
                data = edit(data.decode()).encode()
            zout.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return dest


def requests_book(folder: Path, rows: int = 2, name: str = "base.xlsx") -> Path:
    return write_workbook(folder / name, {"Requests": [request(f"R-{n}") for n in range(rows)]})


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _far_row(row: int = LAST_ROW, hidden: bool = False, far_col: bool = False) -> str:
    """A complete request at `row` (and a stray value at XFD when `far_col`)."""
    cells = [
        _inline(f"A{row}", "R-FAR"),
        _inline(f"B{row}", "Starter Trial"),
        _inline(f"C{row}", "100012340001"),
        f'<c r="D{row}"><v>5000</v></c>',
        _inline(f"E{row}", "2027-03-31"),
        _inline(f"F{row}", "Far away"),
        _inline(f"G{row}", "ops.analyst"),
    ]
    if far_col:
        cells.append(_inline(f"XFD{row}", "far right"))
    flag = ' hidden="1"' if hidden else ""
    return f'<row r="{row}"{flag}>{"".join(cells)}</row>'


def _before(tag: str, xml: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert tag in text
        return text.replace(tag, xml + tag, 1)

    return edit


def _after_sheet_data(xml: str) -> Callable[[str], str]:
    return _before("<pageMargins", xml)


def _chain(*edits: Callable[[str], str]) -> Callable[[str], str]:
    def edit(text: str) -> str:
        for e in edits:
            text = e(text)
        return text

    return edit


def _dimension(ref: str) -> Callable[[str], str]:
    return lambda text: re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>', text)


def _header_far_right(text: str) -> str:
    return text.replace("</row>", _inline("XFD1", "Far Notes") + "</row>", 1)


# ---- 1. bounded work per byte -----------------------------------------------------------

HUGE: dict[str, Callable[[str], str]] = {
    # one request at the last row Excel has
    "cell_at_last_row": _before("</sheetData>", _far_row()),
    # a header at column XFD and a request at the last row: 16,384 x 1,048,576 claimed
    "header_at_xfd_and_last_row": _chain(
        _header_far_right, _before("</sheetData>", _far_row(far_col=True))
    ),
    # a merged range over the whole data area
    "merged_whole_sheet": _chain(
        _before("</sheetData>", _far_row()),
        _after_sheet_data('<mergeCells count="1"><mergeCell ref="A2:XFD1048576"/></mergeCells>'),
    ),
    # a hyperlink over the whole sheet (a library may expand it cell by cell)
    "hyperlink_whole_sheet": _chain(
        _before("</sheetData>", _far_row()),
        _after_sheet_data(
            '<hyperlinks><hyperlink ref="A1:XFD1048576" location="Requests!A1" '
            'display="all"/></hyperlinks>'
        ),
    ),
    # a dimension, hidden columns, formats and validations claiming the whole sheet
    "whole_sheet_dimension_cols_formats": _chain(
        _dimension("A1:XFD1048576"),
        _before("<sheetData", '<cols><col min="1" max="16384" width="9" customWidth="1"/></cols>'),
        _before("</sheetData>", _far_row(hidden=True)),
        _after_sheet_data(
            '<conditionalFormatting sqref="A1:XFD1048576"><cfRule type="expression" '
            'priority="1"><formula>TRUE</formula></cfRule></conditionalFormatting>'
            '<dataValidations count="1"><dataValidation type="whole" sqref="A1:XFD1048576">'
            "<formula1>0</formula1></dataValidation></dataValidations>"
        ),
    ),
}


@pytest.mark.parametrize("case", list(HUGE), ids=list(HUGE))
def test_small_file_claiming_huge_coordinates_is_read_with_bounded_work(
    ready: Cli, tmp_path: Path, case: str
) -> None:
    path = patched(requests_book(tmp_path), tmp_path / f"{case}.xlsx", {SHEET: HUGE[case]})
    assert path.stat().st_size < 20_000
    result = ingest(ready, path)
    assert "Traceback" not in result.stderr and result.stderr == "", result.stderr
    decided = {r["Row"]: r for r in rows_of(ready.decisions(path)["Requests"])}
    assert sorted(decided) == [2, 3, LAST_ROW]
    far = decided[LAST_ROW]
    if case == "merged_whole_sheet":
        assert result.code == 1
        for row in decided.values():
            assert row["Decision"] == "Refused" and "merged" in row["Reason"]
    elif case == "whole_sheet_dimension_cols_formats":
        assert result.code == 1
        assert far["Decision"] == "Refused" and "hidden" in far["Reason"]
    else:
        assert result.code == 0, result.stdout
        assert far["Decision"] == "Pending approval" and far["Request ID"] == "R-FAR"
    if case == "header_at_xfd_and_last_row":
        assert far["Far Notes"] == "far right"
    pending = {"merged_whole_sheet": 0, "whole_sheet_dimension_cols_formats": 2000}
    assert ready.quota()["pending"] == pending.get(case, 3000)


def _many(template_xml: str, count: int) -> str:
    return "".join(template_xml.format(n=n) for n in range(count))


def _styles_edit(count: int) -> Callable[[str], str]:
    def edit(text: str) -> str:
        xfs = _many('<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>', count)
        return re.sub(r"<cellXfs count=\"\d+\">", f'<cellXfs count="{count}">' + xfs, text)

    return edit


def _shared_strings(count: int) -> bytes:
    items = "<si><t>x</t></si>" * count
    return (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{count}" uniqueCount="{count}">{items}</sst>'
    ).encode()


def _with_shared_strings(count: int) -> dict[str, Callable[[str], str]]:
    return {
        "[Content_Types].xml": _before(
            "</Types>",
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>',
        )
    }


LIMITS: dict[str, tuple[Callable[[Path, Path], Path], tuple[str, ...]]] = {
    "styles": (
        lambda src, dest: patched(src, dest, {"xl/styles.xml": _styles_edit(100_001)}),
        ("xl/styles.xml", "100,000"),
    ),
    "shared_strings": (
        lambda src, dest: patched(
            src,
            dest,
            dict(_with_shared_strings(4_000_001)),
            extra={"xl/sharedStrings.xml": _shared_strings(4_000_001)},
        ),
        ("xl/sharedStrings.xml", "4,000,000"),
    ),
    "merged_ranges": (
        lambda src, dest: patched(
            src,
            dest,
            {
                SHEET: _after_sheet_data(
                    "<mergeCells>"
                    + _many('<mergeCell ref="H{n}:I{n}"/>', 10_001).replace("H0:I0", "H9:I9")
                    + "</mergeCells>"
                )
            },
        ),
        ("Requests", "10,000 merged ranges"),
    ),
    "workbook_part_elements": (
        lambda src, dest: patched(
            src,
            dest,
            {
                "xl/workbook.xml": _before(
                    "</workbook>", "<extLst>" + "<x/>" * 1_000_001 + "</extLst>"
                )
            },
        ),
        ("xl/workbook.xml", "1,000,000 XML elements"),
    ),
    "headed_columns": (
        lambda src, dest: patched(
            src,
            dest,
            {
                SHEET: lambda text: text.replace(
                    "</row>",
                    "".join(
                        _inline(f"{openpyxl.utils.get_column_letter(c)}1", f"N{c}")
                        for c in range(8, 1010)
                    )
                    + "</row>",
                    1,
                )
            },
        ),
        ("Requests", "1,000"),
    ),
}


@pytest.mark.parametrize("case", list(LIMITS), ids=list(LIMITS))
def test_parts_past_their_limit_are_refused_naming_the_part(
    ready: Cli, tmp_path: Path, case: str
) -> None:
    build, needles = LIMITS[case]
    path = build(requests_book(tmp_path), tmp_path / f"{case}.xlsx")
    assert path.stat().st_size < 2 * 2**20
    before = ready.quota()
    one_line(ingest(ready, path), 2, path, *needles)
    assert ready.quota() == before


# ---- 2. sheet names that differ only in case or surrounding spaces ----------------------


@pytest.mark.parametrize("twin", ["REQUESTS", " Requests ", "requests "])
def test_two_sheets_named_alike_are_refused_naming_both(
    ready: Cli, tmp_path: Path, twin: str
) -> None:
    src = write_workbook(
        tmp_path / "src.xlsx", {"Requests": [request("D-1")], "Other": [request("D-2")]}
    )
    for ws_name in ("Other",):
        wb = openpyxl.load_workbook(src)
        wb[ws_name].insert_rows(1)
        for c, h in enumerate(REQUEST_HEADERS, start=1):
            wb[ws_name].cell(1, c, h)
        wb.save(src)
    path = patched(
        src,
        tmp_path / "twins.xlsx",
        {"xl/workbook.xml": lambda text: text.replace('name="Other"', f'name="{twin}"')},
    )
    before = ready.quota()
    line = one_line(ingest(ready, path), 2, path, "'Requests'", f"'{twin}'")
    assert "keep one" in line
    assert ready.quota() == before


# ---- 3. flavours that are not an .xlsx, and library warnings -----------------------------

STRICT = {
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main": (
        "http://purl.oclc.org/ooxml/spreadsheetml/main"
    ),
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships": (
        "http://purl.oclc.org/ooxml/officeDocument/relationships"
    ),
}


def _strict(src: Path, dest: Path) -> Path:
    def edit(text: str) -> str:
        for old, new in STRICT.items():
            text = text.replace(old, new)
        return text.replace("<workbook ", '<workbook conformance="strict" ', 1)

    with zipfile.ZipFile(src) as z:
        names = [n for n in z.namelist() if n.endswith((".xml", ".rels"))]
    return patched(src, dest, dict.fromkeys(names, edit))


def _xlsb(src: Path, dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/xl/workbook.bin" ContentType="application/'
            'vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>',
        )
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr("xl/workbook.bin", b"\x83\x01\x00\x80\x01")
    return dest


def _ods(src: Path, dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr(
            "content.xml",
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
            'office:1.0"/>',
        )
        z.writestr("META-INF/manifest.xml", "<manifest/>")
    return dest


FLAVOURS: dict[str, tuple[str, Callable[[Path, Path], Path], str]] = {
    "strict": ("strict.xlsx", _strict, "Strict Open XML"),
    "xlsb": ("binary.xlsb", _xlsb, ".xlsb"),
    "ods_renamed": ("calc.xlsx", _ods, "OpenDocument"),
}


@pytest.mark.parametrize("case", list(FLAVOURS), ids=list(FLAVOURS))
def test_unsupported_flavour_says_what_it_is_and_what_to_do(
    ready: Cli, tmp_path: Path, case: str
) -> None:
    name, build, what = FLAVOURS[case]
    path = build(requests_book(tmp_path), tmp_path / name)
    before = ready.quota()
    one_line(ingest(ready, path), 2, path, what, "save it as an Excel Workbook (.xlsx)")
    assert ready.quota() == before


def test_template_xltx_is_read(ready: Cli, tmp_path: Path) -> None:
    main = "application/vnd.openxmlformats-officedocument.spreadsheetml."
    path = patched(
        requests_book(tmp_path),
        tmp_path / "monthly.xltx",
        {"[Content_Types].xml": lambda t: t.replace(main + "sheet.main", main + "template.main")},
    )
    result = ingest(ready, path)
    assert result.code == 0 and result.stderr == "", result.stderr
    assert [r["Decision"] for r in rows_of(ready.decisions(path)["Requests"])] == [
        "Pending approval"
    ] * 2


X14_VALIDATION = (
    '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:dataValidations count="0"/></ext>'
    '<ext uri="{00000000-0000-0000-0000-000000000000}"><unknown/></ext></extLst>'
)


@pytest.mark.parametrize("warnings_as", ["default", "error"])
def test_library_warnings_never_reach_stderr(ready: Cli, tmp_path: Path, warnings_as: str) -> None:
    src = write_workbook(tmp_path / "src.xlsx", {"Requests": [request("W-1", when="2027-03-31")]})
    path = patched(
        src,
        tmp_path / "warned.xlsx",
        {
            # an extension openpyxl does not support, and no styles part at all
            SHEET: _before("</worksheet>", X14_VALIDATION),
            "xl/styles.xml": None,
        },
    )
    # UserWarning is what openpyxl warns with; a warning it raised as an error would
    # surface as an unreadable workbook
    env = {"PYTHONWARNINGS": "error::UserWarning"} if warnings_as == "error" else {}
    result = ingest(ready, path, **env)
    assert result.code == 0 and result.stderr == "", result.stderr
    assert rows_of(ready.decisions(path)["Requests"])[0]["Decision"] == "Pending approval"


# ---- 4. a folder, a named pipe, nothing at all -------------------------------------------


@pytest.mark.parametrize("kind", ["folder", "fifo", "missing"])
@pytest.mark.parametrize("command", ["ingest", "review import"])
def test_not_a_file_gets_one_sentence_and_never_hangs(
    ready: Cli, tmp_path: Path, kind: str, command: str
) -> None:
    path = tmp_path / "input.xlsx"
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    before = ready.quota()
    result = bounded(ready, *command.split(), str(path), "--out-dir", str(ready.out))
    needle = {"folder": "is a folder", "fifo": "named pipe", "missing": "no such file"}[kind]
    one_line(result, 2, path, needle)
    assert ready.quota() == before


@pytest.mark.parametrize(
    ("head", "needle"),
    [(b"PK\x03\x04", "larger than the limit"), (b"name,uin\n", "not a zip package")],
    ids=["zip", "text"],
)
@pytest.mark.parametrize("command", ["ingest", "review import"])
def test_file_past_the_size_limit_is_refused_unread(
    ready: Cli, tmp_path: Path, head: bytes, needle: str, command: str
) -> None:
    """The input is read once, into memory: a file larger than its members may inflate to
    is refused before it is read (a sparse file: its size costs no disk)."""
    path = tmp_path / "huge.xlsx"
    with path.open("wb") as fh:
        fh.write(head)
        fh.truncate(3 * 2**30)  # past the 2 GiB this process may hold
    before = ready.quota()
    result = bounded(ready, *command.split(), str(path), "--out-dir", str(ready.out))
    one_line(result, 2, path, needle)
    assert ready.quota() == before


# ---- 5. rows filtered out of view on the Review sheet -------------------------------------


def _filtered(
    src: Path, dst: Path, hide: str | None, active: bool, empty_column: bool = False
) -> Path:
    """Hide the row of issuance `hide`, with an active autofilter on Decision (as Excel
    writes a filtered sheet) or with none (hidden by hand); `empty_column` adds a filter
    column without any criterion, which filters nothing."""

    def change(ws: Worksheet, cols: dict[str, int], ids: dict[str, int]) -> None:
        assert ws.auto_filter.ref  # the export has an autofilter
        if active:
            ws.auto_filter.add_filter_column(cols["Decision"] - 1, ["Approve"])
        if empty_column:
            ws.auto_filter.add_filter_column(0, [])
        if hide is not None:
            ws.row_dimensions[ids[hide]].hidden = True

    return edit_review(src, dst, change)


@pytest.mark.parametrize(
    ("active", "empty_column"),
    [(True, False), (False, False), (False, True)],
    ids=["filtered", "hidden_by_hand", "hidden_under_an_empty_filter_column"],
)
def test_review_rows_hidden_by_an_active_filter_are_read(
    cli: Cli, active: bool, empty_column: bool
) -> None:
    ids = start(cli, [request("F1"), request("F2")])
    i1, i2 = ids["F1"], ids["F2"]
    filled = fill(
        export(cli, "2026-11-03"),
        cli.folder / "filled.xlsx",
        {i1: {"Decision": "Approve"}, i2: {"Decision": "Reject", "Review Comment": "Too early"}},
    )
    book = _filtered(filled, cli.folder / "view.xlsx", i2, active, empty_column)
    result, rows, _errors = review_import(cli, book, "2026-11-04")
    assert rows[i1]["Decision"] == "Approved"
    if active:
        assert result.code == 0, result.stderr
        assert rows[i2]["Decision"] == "Rejected"
        assert cli.quota()["rejected"] == 1000
    else:
        assert result.code == 1
        assert rows[i2]["Decision"] == "Refused" and "hidden" in rows[i2]["Reason"]
        assert cli.quota()["pending"] == 1000


def test_input_sheet_rows_hidden_under_an_active_filter_stay_refused(
    ready: Cli, tmp_path: Path
) -> None:
    path = write_workbook(
        tmp_path / "filtered.xlsx",
        {"Requests": SheetData(rows=[request("H-1"), request("H-2")], hidden_rows=[3])},
    )
    wb = openpyxl.load_workbook(path)
    ws = wb["Requests"]
    ws.auto_filter.ref = "A1:G3"
    ws.auto_filter.add_filter_column(0, ["H-1"])
    wb.save(path)
    result = ingest(ready, path)
    assert result.code == 1, result.stderr
    decided = {r["Row"]: r for r in rows_of(ready.decisions(path)["Requests"])}
    assert decided[2]["Decision"] == "Pending approval"
    assert decided[3]["Decision"] == "Refused" and "hidden" in decided[3]["Reason"]


# ---- 6. text longer than a cell holds -----------------------------------------------------


def test_text_longer_than_a_cell_is_refused_and_shown_cut_with_a_marker(
    ready: Cli, tmp_path: Path
) -> None:
    src = write_workbook(
        tmp_path / "src.xlsx",
        {
            "Requests": SheetData(
                header=[*REQUEST_HEADERS, "Notes"],
                rows=[
                    [*request("L-1"), "NOTES"],
                    [*request("L-2"), "short"],
                    [*request("L-3", reason="REASON"), "fine"],
                ],
            )
        },
    )
    # a library writing .xlsx cuts text at 32,767 characters; the XML itself has no limit
    path = patched(
        src,
        tmp_path / "long.xlsx",
        {
            SHEET: lambda text: text.replace(">NOTES<", ">" + "n" * 40_000 + "<").replace(
                ">REASON<", ">" + "r" * 33_000 + "<"
            )
        },
    )
    result = ingest(ready, path)
    assert result.code == 1 and result.stderr == "", result.stderr
    out = ready.decisions(path)
    decided = {r["Request ID"]: r for r in rows_of(out["Requests"])}
    assert decided["L-2"]["Decision"] == "Pending approval"
    for rid, column, length in (("L-1", "Notes", 40_000), ("L-3", "Application Reason", 33_000)):
        row = decided[rid]
        assert row["Decision"] == "Refused" and "32,767" in row["Reason"], row["Reason"]
        shown = row[column]
        assert len(shown) <= 32_767 and shown.startswith(shown[0] * 1000)
        assert f"cut: {length:,} characters" in shown
    errors = rows_of(out["Errors"])
    [note] = [e for e in errors if e["Cell"] == "H2"]
    assert note["Column"] == "Notes" and "32,767" in note["Problem"]
    assert f"cut: {40_000:,} characters" in note["Value"]
    assert ready.quota()["pending"] == 1000


# ---- 7. a validity that would end after 9999-12-31 ----------------------------------------


def test_approval_whose_validity_ends_past_9999_is_refused_with_a_reason(cli: Cli) -> None:
    last = date(9999, 12, 31)
    ids = start(
        cli,
        [
            request("Y1", "Growth Offer", when=last),  # 3 months from the approval date
            request("Y2", "Starter Trial", when=last),  # 30 days from 9999-12-01
        ],
        as_of="9999-12-01",
    )
    y1, y2 = ids["Y1"], ids["Y2"]
    filled = fill(
        export(cli, "9999-12-20"),
        cli.folder / "filled.xlsx",
        {y1: {"Decision": "Approve"}, y2: {"Decision": "Approve"}},
    )
    result, rows, errors = review_import(cli, filled, "9999-12-20")
    assert result.code == 1
    assert rows[y1]["Decision"] == "Refused"
    assert "9999-12-31" in rows[y1]["Reason"] and "R11" in rows[y1]["Reason"]
    assert [e["Column"] for e in errors if e["Row"] == rows[y1]["Row"]] == ["Decision"]
    assert rows[y2]["Decision"] == "Approved"
    listed = vouchers(cli)
    assert listed[y1]["status"] == "pending" and listed[y1]["valid_until"] is None
    assert listed[y2]["valid_until"] == "9999-12-30"
    assert cli("ledger", "verify").code == 0
