"""Rows kept in a file for a forked process (`workbook.spool`): read back equal, of the
same types, in order, from any first row; a file cut short is an error, never fewer rows."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.integration.test_table_writer import VALUES
from voucher_batch.workbook import spool
from voucher_batch.workbook.spool import SpooledRows, spool_rows


def _rows(n: int) -> list[list[object]]:
    return [[VALUES[(i + c) % len(VALUES)] for c in range(4)] + [i] for i in range(n)]


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("first", [0, 1, 6, 7, 23])
def test_rows_come_back_equal_and_of_the_same_types(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first: int
) -> None:
    monkeypatch.setattr(spool, "CHUNK_ROWS", 7)  # many chunks, rows on their edges
    rows = _rows(24)
    spooled = spool_rows(rows, tmp_path / "rows", first)
    assert len(spooled) == len(rows)
    for i in range(first, len(rows)):  # in order, as a sheet is written
        assert len(spooled[i]) == len(rows[i])
        assert all(_same(a, b) for a, b in zip(spooled[i], rows[i], strict=True)), i
    assert spooled[-1][-1] == len(rows) - 1
    if first == 0:
        assert [r[-1] for r in spooled] == list(range(len(rows)))
        assert spooled[3][-1] == 3  # read again, an earlier chunk
    else:
        assert spooled[first : first + 2] == rows[first : first + 2]


def test_rows_not_in_the_file_are_an_error(tmp_path: Path) -> None:
    spooled = spool_rows(_rows(10), tmp_path / "rows", 4)
    with pytest.raises(IndexError):
        spooled[3]
    with pytest.raises(IndexError):
        spooled[10]
    with pytest.raises(IndexError):
        iter(spooled).__next__()
    assert spooled[4][-1] == 4


def test_a_file_cut_short_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spool, "CHUNK_ROWS", 5)
    path = tmp_path / "rows"
    spooled = spool_rows(_rows(12), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 3])
    assert spooled[0][-1] == 0
    with pytest.raises(OSError, match="ends early"):
        spooled[11]


def test_an_empty_table_and_an_existing_file(tmp_path: Path) -> None:
    spooled = spool_rows([], tmp_path / "rows")
    assert len(spooled) == 0 and list(spooled) == []
    with pytest.raises(FileExistsError):  # never written over
        spool_rows([["x"]], tmp_path / "rows")
    assert isinstance(spooled, SpooledRows)
