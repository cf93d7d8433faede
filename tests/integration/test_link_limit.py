"""A sheet with more problems than Excel holds links keeps every `Cell` text."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from voucher_batch.workbook.writer import MAX_LINKS, Table, cell_location, write_workbook


@pytest.mark.slow  # a scale run: 65,535 linked cells written and read back
def test_cells_past_excels_link_limit_keep_their_text(tmp_path: Path) -> None:
    n = MAX_LINKS + 5
    rows: list[list[object]] = [[f"A{i + 2}"] for i in range(n)]
    table = Table(
        "Errors",
        ["Cell"],
        rows,
        links={(i, 0): cell_location("Req's", 0, i + 2) for i in range(n)},
    )
    path = write_workbook(tmp_path / "many.xlsx", [Table("Req's", ["X"], []), table])
    ws = openpyxl.load_workbook(path)["Errors"]
    cells = [row[0] for row in ws.iter_rows(min_row=2)]
    assert [c.value for c in cells] == [r[0] for r in rows]
    linked = [c for c in cells if c.hyperlink is not None]
    assert len(linked) == MAX_LINKS
    assert linked[0].hyperlink.location == "'Req''s'!A2"
    assert cells[-1].hyperlink is None
