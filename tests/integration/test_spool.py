"""Rows kept in a file for a second process (`workbook.spool`): read back equal, of the
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


def test_a_file_changed_or_replaced_is_not_unpickled(tmp_path: Path) -> None:
    """Someone who can write to the temporary folder cannot make the reader run code: a
    chunk is unpickled only if it is, byte for byte, the chunk this run wrote."""
    import pickle

    path = tmp_path / "rows"
    spooled = spool_rows(_rows(3), path)
    size = path.stat().st_size
    planted = pickle.dumps([["x"] * 5] * 3).ljust(size, b".")[:size]  # as long as the chunk
    path.write_bytes(planted)
    with pytest.raises(OSError, match="not the file this run wrote"):
        spooled[0]
    original = spool_rows(_rows(3), tmp_path / "again")
    data = bytearray((tmp_path / "again").read_bytes())
    data[len(data) // 2] ^= 1  # one bit changed
    (tmp_path / "again").write_bytes(bytes(data))
    with pytest.raises(OSError, match="not the file this run wrote"):
        original[0]


def test_an_empty_table_and_an_existing_file(tmp_path: Path) -> None:
    spooled = spool_rows([], tmp_path / "rows")
    assert len(spooled) == 0 and list(spooled) == []
    with pytest.raises(FileExistsError):  # never written over
        spool_rows([["x"]], tmp_path / "rows")
    assert isinstance(spooled, SpooledRows)
