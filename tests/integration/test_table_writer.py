"""The decision workbook's inline cell writing chooses what `write_value` chooses.

`write_table` writes the common values of a plain row inline; a row with a cell format of
its own goes through `write_value` cell by cell. A cell format of "" falls back to the
column's format, so the same rows written both ways must give the same sheet, byte for byte.
"""

from __future__ import annotations

import dataclasses
import enum
import os
import signal
import tempfile
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

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


def _all_parts(path: Path) -> dict[str, bytes]:
    """Every part of a workbook but its creation time."""
    with zipfile.ZipFile(path) as book:
        return {n: book.read(n) for n in book.namelist() if n != "docProps/core.xml"}


def _tables(rows: int) -> list[Table]:
    """A small sheet, a large one with every kind of value, tints, notes (some past the
    last row) and rows longer than the header, then a sheet with links."""
    width = 5
    big = [[VALUES[(i * 7 + c) % len(VALUES)] for c in range(width)] for i in range(rows)]
    for i in range(0, rows, 97):
        big[i] = [*big[i], "beyond the header"]  # a row longer than the header
    big[-1] = [None] * width  # a last row with no cell
    notes = {(i, i % width): f"note {i}" for i in range(3, rows, 41)}
    notes[(rows + 2, 1)] = "a note below the rows"
    return [
        Table("Small", ["A", "B"], [["x", 1], ["y", 2.5]], [None, "0"], [False, True]),
        Table(
            "Requests",
            [f"H{c}" for c in range(width)],
            big,
            [None, "0", "0.00", None, None],
            [i % 5 == 0 for i in range(rows)],
            notes,
            appended_from=3,
        ),
        Table("Errors", ["Cell"], [["A1"], ["B2"]], links={(0, 0): "'Small'!A1"}),
    ]


@pytest.fixture
def parts(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every shared sheet a write starts (None: it shares none), sheets of 1,000 rows on."""
    from voucher_batch.workbook import writer

    started: list[Any] = []
    real = writer._start_part

    def spy(tables: list[Table], scratch: Path) -> object:
        started.append(real(tables, scratch))
        return started[-1]

    monkeypatch.setattr(writer, "_start_part", spy)
    monkeypatch.setattr(writer, "SPLIT_ROWS", 1_000)
    return started


def _alone(path: Path, tables: list[Table], monkeypatch: pytest.MonkeyPatch) -> Path:
    """`tables` written by this process alone (no sheet shared)."""
    from voucher_batch.workbook import writer

    with monkeypatch.context() as alone:
        alone.setattr(writer, "SPLIT_ROWS", 10**9)
        return write_workbook(path, tables)


def test_a_large_sheet_written_by_two_processes_is_the_file_one_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parts: list[Any]
) -> None:
    from voucher_batch.workbook import writer

    tables = _tables(3_000)
    alone = _alone(tmp_path / "alone.xlsx", tables, monkeypatch)
    for share in (0.0, 0.37, 0.999):  # the other process writes all, some, one of the rows
        monkeypatch.setattr(writer, "SPLIT_SHARE", share)
        shared = write_workbook(tmp_path / f"shared-{share}.xlsx", tables)
        assert parts[-1] is not None and parts[-1].index == 1
        assert parts[-1].used  # its rows, not rows written again here
        assert not parts[-1].folder.exists()  # its row files are removed
        assert _all_parts(shared) == _all_parts(alone)
    # the large sheet first (a Requests-only ingest, a review import), and a temporary
    # folder whose path holds what a line of text cannot
    monkeypatch.setattr(writer, "SPLIT_SHARE", 0.5)
    first = _alone(tmp_path / "first-alone.xlsx", tables[1:], monkeypatch)
    spaced = tmp_path / "my temp\nfolder \udcff"  # a space, a newline, a byte not UTF-8
    spaced.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spaced))
    shared = write_workbook(tmp_path / "first-shared.xlsx", tables[1:])
    assert parts[-1] is not None and parts[-1].index == 0 and parts[-1].used
    assert _all_parts(shared) == _all_parts(first)


class Owned(list[Any]):
    """A list that only the process that made it may read: another process that walks it
    (and so copies the memory its items lie on) fails."""

    def __init__(self, items: Any) -> None:
        super().__init__(items)
        self.owner = os.getpid()

    def _mine(self) -> None:
        if os.getpid() != self.owner:
            raise RuntimeError("another process walked the rows of the process that made them")

    def __getitem__(self, index: Any) -> Any:
        self._mine()
        return super().__getitem__(index)

    def __iter__(self) -> Any:
        self._mine()
        return super().__iter__()


def test_the_other_process_reads_its_rows_from_a_file_not_from_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parts: list[Any]
) -> None:
    tables = _tables(3_000)
    alone = _alone(tmp_path / "alone.xlsx", tables, monkeypatch)
    tables[1] = dataclasses.replace(tables[1], rows=Owned(tables[1].rows))
    shared = write_workbook(tmp_path / "shared.xlsx", tables)
    assert parts[-1] is not None and parts[-1].index == 1
    assert parts[-1].used, parts[-1].process.error  # written there, from the file
    assert _all_parts(shared) == _all_parts(alone)


# the other process's work in place of `writer._write_part` (a fresh interpreter imports
# this module to run them)


def _part_raises(*_args: object) -> None:
    raise OSError(28, "No space left on device")


def _part_killed(*_args: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize("failing", [_part_raises, _part_killed], ids=["raises", "killed"])
def test_rows_the_other_process_could_not_write_are_written_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parts: list[Any], failing: Any
) -> None:
    from voucher_batch.workbook import writer

    tables = _tables(2_000)
    alone = _alone(tmp_path / "alone.xlsx", tables, monkeypatch)
    monkeypatch.setattr(writer, "_write_part", failing)
    written = write_workbook(tmp_path / "failed.xlsx", tables)
    assert parts[-1] is not None and not parts[-1].used  # it started, and failed
    assert parts[-1].process.wait() != 0
    assert _all_parts(written) == _all_parts(alone)


def test_a_write_stopped_midway_leaves_no_row_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parts: list[Any]
) -> None:
    """Ctrl-C while the first process writes its rows: the other one is stopped and every
    row file (xlsxwriter's and the other process's) is removed with the write's folder."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    def interrupted(rows: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_workbook(tmp_path / "stopped.xlsx", _tables(3_000), advance=interrupted)
    part = parts[-1]
    assert part is not None and not part.process.running
    assert list(scratch.iterdir()) == [] and not (tmp_path / "stopped.xlsx").exists()
