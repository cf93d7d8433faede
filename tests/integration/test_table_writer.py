"""The decision workbook's inline cell writing chooses what `write_value` chooses.

`write_table` writes the common values of a plain row inline; a row with a cell format of
its own goes through `write_value` cell by cell. A cell format of "" falls back to the
column's format, so the same rows written both ways must give the same sheet, byte for byte.
"""

from __future__ import annotations

import enum
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from voucher_batch.workbook.writer import CELL_MAX_CHARS, EXACT_LIMIT, Table, write_workbook


class Word(enum.StrEnum):
    ACCEPTED = "Accepted"
    NOTHING = ""


VALUES: list[object] = [
    None,
    "",
    "text",
    "two\nlines",
    "=HYPERLINK(1)",
    "x" * (CELL_MAX_CHARS + 5),
    0,
    -7,
    EXACT_LIMIT - 1,
    EXACT_LIMIT,
    -EXACT_LIMIT,
    True,
    1.5,
    float("nan"),
    float("inf"),
    date(2027, 1, 2),
    datetime(2027, 1, 2),
    datetime(2027, 1, 2, 3, 4, 5),
    Word.ACCEPTED,
    Word.NOTHING,
    Decimal("2.5"),
]


def _sheet_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as book:
        return {
            n: book.read(n)
            for n in book.namelist()
            if n.startswith(("xl/worksheets/", "xl/styles"))
        }


def test_plain_rows_are_written_as_write_value_writes_them(tmp_path: Path) -> None:
    width = 4
    # every value in every column, on untinted and tinted rows
    rows = [[VALUES[(i + c) % len(VALUES)] for c in range(width)] for i in range(2 * len(VALUES))]
    highlight = [i % 3 == 0 for i in range(len(rows))]
    formats: list[str | None] = [None, "0", "0.00", None]

    def table(cell_formats: dict[tuple[int, int], str]) -> Table:
        return Table(
            "Requests",
            [f"H{c}" for c in range(width)],
            rows,
            formats,
            highlight,
            cell_formats=cell_formats,
        )

    inline = write_workbook(tmp_path / "inline.xlsx", [table({})])
    by_cell = write_workbook(
        tmp_path / "by-cell.xlsx", [table({(i, 0): "" for i in range(len(rows))})]
    )
    assert _sheet_parts(inline) == _sheet_parts(by_cell)
