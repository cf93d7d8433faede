"""`make bench`: the review loop at scale — export N pending issuances, fill every
Decision, import — timed against floors measured in the same run (openpyxl reading the
review workbook; xlsxwriter writing a sheet of the same size).

Usage: python bench/bench_review.py [N]   (default 10000)
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import openpyxl

from bench.bench_ingest import floor_read, floor_write, make_input
from voucher_batch import services
from voucher_batch.ledger import Ledger
from voucher_batch.services import review as reviews
from voucher_batch.services.review_export import review_export


def run(rows: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        source = root / "bench.xlsx"
        make_input(source, rows)
        ctx = services.Context(Ledger(str(root / "l.sqlite3")), "ops.lead", date(2026, 11, 2))
        ctx.ledger.init()
        services.quota_change(ctx, "grant", rows * 10, "sales.rep", "", "")
        services.ingest(ctx, source, root / "out")
        later = services.Context(ctx.ledger, "ops.lead", date(2026, 11, 9))
        figures: dict[str, float] = {}
        began = time.perf_counter()
        exported = review_export(later, root / "out")
        figures["review export"] = time.perf_counter() - began
        assert exported.rows == rows
        began = time.perf_counter()
        floor_read(exported.path)
        figures["floor: openpyxl read"] = time.perf_counter() - began
        began = time.perf_counter()
        floor_write(root / "w.xlsx", rows)
        figures["floor: xlsxwriter write"] = time.perf_counter() - began
        wb = openpyxl.load_workbook(exported.path)
        ws = wb["Review"]
        header = [c.value for c in ws[4]]
        col = header.index("Decision") + 1
        for r in range(5, 5 + rows):
            ws.cell(r, col).value = "Approve" if r % 3 else "Reject"
            ws.cell(r, col + 1).value = "benchmark"
        filled = root / "filled.xlsx"
        wb.save(filled)
        began = time.perf_counter()
        result = reviews.review_import(later, filled, root / "out", "reviewer.one")
        figures["review import"] = time.perf_counter() - began
        assert result.refused == 0, result.counts
        return figures


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [10_000]
    print("| rows | step | seconds | ratio to floor (read + write) |")
    print("|---:|---|---:|---:|")
    for rows in sizes:
        figures = run(rows)
        floor = figures["floor: openpyxl read"] + figures["floor: xlsxwriter write"]
        for step, seconds in figures.items():
            print(f"| {rows:,} | {step} | {seconds:.2f} | {seconds / floor:.2f} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
