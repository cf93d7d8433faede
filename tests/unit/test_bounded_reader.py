"""Reader and writer pieces that keep work bounded: merged ranges as ranges, exact tag
counts across stream chunks, text cut only with a visible marker."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from tests.workbooks import REQUEST_HEADERS, request, write_workbook
from voucher_batch.workbook.reader import read_workbook
from voucher_batch.workbook.reader.package import count_tags
from voucher_batch.workbook.reader.parts import SI
from voucher_batch.workbook.reader.raw import merged_positions
from voucher_batch.workbook.writer import CELL_MAX_CHARS, Table, fit_cell
from voucher_batch.workbook.writer import write_workbook as write_table_book


def test_merged_ranges_cover_only_the_data_rows_and_read_columns_they_span() -> None:
    columns = [1, 2, 3, 16_384]  # sheet columns of the read headers, by position
    rows = [2, 3, 5, 1_048_576]
    merged = [
        (1, 1, 3, 1),  # a title above the header: ignored
        (2, 2, 3, 3),  # B2:C3
        (2, 2, 3, 3),  # the same range twice
        (3, 5, 16_384, 1_048_576),  # C5:XFD1048576
        (5, 2, 100, 9),  # E2:CV9 covers no read column
    ]
    assert merged_positions(merged, 1, columns, rows) == {
        2: [1, 2],
        3: [1, 2],
        5: [2, 3],
        1_048_576: [2, 3],
    }


def test_merged_range_over_the_whole_sheet_costs_one_pass_over_the_rows() -> None:
    rows = list(range(2, 50_002))
    covered = merged_positions([(1, 2, 16_384, 1_048_576)], 1, [1, 2, 3], rows)
    assert len(covered) == len(rows) and covered[50_001] == [0, 1, 2]


def test_tags_split_across_chunks_are_counted_once() -> None:
    data = b"<sst>" + b"<si><t>x</t></si>" * 200_001 + b"</sst>"  # several 1 MiB chunks
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("xl/sharedStrings.xml", data)
    with zipfile.ZipFile(buffer) as z:
        assert count_tags(z, "xl/sharedStrings.xml", SI) == 200_001


def test_text_longer_than_a_cell_is_cut_with_a_visible_marker() -> None:
    assert fit_cell("short") == "short"
    exact = "x" * CELL_MAX_CHARS
    assert fit_cell(exact) == exact
    cut = fit_cell("y" * 40_000)
    assert len(cut) == CELL_MAX_CHARS
    assert cut.startswith("y" * 30_000) and cut.endswith("]") and "40,000 characters" in cut


@pytest.mark.slow  # a scale run: 1,048,575 rows streamed
def test_a_full_excel_sheet_is_within_the_default_row_limit(tmp_path: Path) -> None:
    """1,048,575 data rows under a header: as many rows as Excel holds, read by default.
    (The rows are empty row elements but one, so the test costs the row count only.)"""
    header = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>'
        for i, h in enumerate(REQUEST_HEADERS)
    )
    last = "".join(
        f'<c r="{chr(65 + i)}1048576" t="inlineStr"><is><t>{v}</t></is></c>'
        for i, v in enumerate(["R-1", "Starter Trial", "100012340001", "5", "2027-01-04", "x"])
    )
    rows = "".join(f'<row r="{n}"/>' for n in range(2, 1_048_576))
    path = write_workbook(tmp_path / "full.xlsx", {"Requests": [request("R-0")]})
    src = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(src)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    data = f'<sheetData><row r="1">{header}</row>{rows}<row r="1048576">{last}</row></sheetData>'
    sheet = re.sub(r"<sheetData>.*</sheetData>", data, sheet, flags=re.S)
    sheet = re.sub(r'<dimension ref="[^"]*"\s*/>', "", sheet)
    full = tmp_path / "full-sheet.xlsx"
    with zipfile.ZipFile(io.BytesIO(src)) as z, zipfile.ZipFile(full, "w") as out:
        for info in z.infolist():
            body = sheet.encode() if info.filename == "xl/worksheets/sheet1.xml" else z.read(info)
            out.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED)
    book = read_workbook(full)
    assert [r.row for r in book.sheets[0].rows] == [1_048_576]
    assert book.sheets[0].rows[0].values[0] == "R-1"


def test_text_the_decision_workbook_stores_inline_reads_back_unchanged(tmp_path: Path) -> None:
    """Decision workbooks keep text inline (rows streamed to disk); Excel's `_xHHHH_`
    escape of such text is undone on reading, as for shared strings (section 3 round trip)."""
    texts = ["_x0041_", "_x005F_", "a_x_b", "plain"]
    rows: list[list[object]] = [
        [f"R-{i}", "Starter Trial", "100012340001", 5, "2027-01-04", text, "ops.analyst"]
        for i, text in enumerate(texts)
    ]
    path = write_table_book(tmp_path / "back.xlsx", [Table("Requests", REQUEST_HEADERS, rows)])
    with zipfile.ZipFile(path) as z:
        assert b't="inlineStr"' in z.read("xl/worksheets/sheet1.xml")
    book = read_workbook(path)
    reasons = [r.values[5] for r in book.sheets[0].rows]
    assert reasons == texts
