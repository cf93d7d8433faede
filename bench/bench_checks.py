"""`make bench`: checking a Requests sheet of N rows against the floor of its output.

The sheet is the one `bench_ingest` generates, read once by the tool's reader; then, in the
same process, each figure is the least CPU time of a few runs:

- tool: `check_sheet`, every cell typed and checked, the sheet model run;
- floor: the same rows handed over with nothing read or checked: the raw values taken
  column by column and put back into one `CheckedRow` a row (what any checking must build);
- per-cell reference: every cell through the per-cell reading alone (`cells.read_cell`
  behind the blank test), no model: what typing the sheet cell by cell costs.

The ratio tool / floor means the same on a faster or slower (or busier) machine.

Usage: python -m bench.bench_checks [ROWS]   (default 100000)
"""

from __future__ import annotations

import contextlib
import gc
import sys
import tempfile
import time
from collections.abc import Callable
from itertools import repeat
from pathlib import Path

from bench.bench_ingest import make_input
from voucher_batch.workbook import cells
from voucher_batch.workbook.reader import RawSheet, read_workbook
from voucher_batch.workbook.validation import CheckedRow, check_sheet

RUNS = 5


def _least_cpu(work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(RUNS):
        began = time.process_time()
        work()
        best = min(best, time.process_time() - began)
        gc.collect()
    return best


def _floor(sheet: RawSheet) -> list[CheckedRow]:
    names = [c.name for c in sheet.spec.columns]
    gc.disable()  # as check_sheet builds its rows
    try:
        columns = list(zip(*(r.values for r in sheet.rows), strict=True))
        typed = [columns[p] for p in (sheet.position(n) for n in names) if p is not None]
        rows = map(dict, map(zip, repeat(names), zip(*typed, strict=True)))
        return list(map(CheckedRow, [r.row for r in sheet.rows], rows))
    finally:
        gc.enable()


def _per_cell(sheet: RawSheet) -> None:
    columns = [(c, sheet.position(c.name)) for c in sheet.spec.columns]
    for raw in sheet.rows:
        for column, pos in columns:
            value = raw.values[pos] if pos is not None else None
            if cells.is_blank(value):
                continue
            with contextlib.suppress(cells.CellProblem):
                cells.read_cell(column.name, column.kind, value)


def main(rows: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "bench.xlsx"
        make_input(source, rows)
        sheet = next(s for s in read_workbook(source).sheets if s.spec.name == "Requests")
    assert not any(r.problems for r in check_sheet(sheet))
    tool = _least_cpu(lambda: check_sheet(sheet))
    floor = _least_cpu(lambda: _floor(sheet))
    per_cell = _least_cpu(lambda: _per_cell(sheet))
    print(f"check_sheet, {rows:,} request rows (least CPU seconds of {RUNS} runs)")
    print(f"  tool: check_sheet        {tool:7.3f} s")
    print(f"  floor: rows handed over  {floor:7.3f} s   ratio tool / floor {tool / floor:5.1f}")
    print(f"  per-cell reading alone   {per_cell:7.3f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
