"""`make bench`: time an ingest of N request rows against floors measured in the same run.

Floors are what the libraries themselves cost on this machine for the same rows: openpyxl
loading and iterating the input (the reader the tool uses), and xlsxwriter writing a sheet
of the same size (the writer the tool uses). Figures are reported as ratios to those
floors so that they mean the same on a faster or slower machine.

Usage: python bench/bench_ingest.py [ROWS ...]   (default: 10000 100000)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import xlsxwriter

from voucher_batch import services
from voucher_batch.ledger import Ledger
from voucher_batch.workbook.reader import read_workbook
from voucher_batch.workbook.sheets import REQUESTS
from voucher_batch.workbook.validation import check_sheet

AS_OF = date(2026, 11, 2)
HEADERS = [c.name for c in REQUESTS.columns]
CUSTOMERS = 500


def make_input(path: Path, rows: int, prefix: str = "B-") -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    ws = book.add_worksheet("Customers")
    ws.write_row(0, 0, ["Customer UIN", "Customer Name", "Status"])
    for i in range(CUSTOMERS):
        ws.write_row(i + 1, 0, [f"{100012340000 + i}", f"Customer {i}", "Bound"])
    ws = book.add_worksheet("Templates")
    ws.write_row(
        0,
        0,
        ["Template Name", "Usage", "Payment Mode", "Amount", "Validity Period", "Validity Start"],
    )
    ws.write_row(
        1, 0, ["Bench Trial", "Product trial", "All", 10, "30 days", "From the issuance date"]
    )
    ws = book.add_worksheet("Requests")
    ws.write_row(0, 0, HEADERS)
    for i in range(rows):
        ws.write_string(i + 1, 0, f"{prefix}{i:07d}")
        ws.write_string(i + 1, 1, "Bench Trial")
        ws.write_string(i + 1, 2, f"{100012340000 + i % CUSTOMERS}")
        ws.write_number(i + 1, 3, 1000 + i % 97)
        ws.write_datetime(i + 1, 4, date(2027, 1, 1 + i % 28), date_fmt)  # type: ignore[arg-type]
        ws.write_string(i + 1, 5, "Trial for the benchmark")
        ws.write_string(i + 1, 6, "ops.analyst")
    book.close()


def floor_read(path: Path) -> None:
    wb = openpyxl.load_workbook(path, data_only=True)
    for ws in wb.worksheets:
        for _row in ws.iter_rows(values_only=True):
            pass


def floor_write(path: Path, rows: int) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet("Requests")
    for i in range(rows + 1):
        ws.write_row(
            i,
            0,
            [
                f"B-{i:07d}",
                "Bench Trial",
                "100012340000",
                1000,
                "2027-01-01",
                "Trial for the benchmark",
                "ops.analyst",
                i,
                "Pending approval",
                "",
                f"ISS-{i:06d}",
                10,
                0,
            ],
        )
    book.close()


def timed(fn: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def run(rows: int, repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        source = root / "bench.xlsx"
        make_input(source, rows)
        figures = {
            "floor: openpyxl read": timed(lambda: floor_read(source), repeat),
            "floor: xlsxwriter write": timed(lambda: floor_write(root / "w.xlsx", rows), repeat),
        }
        book = read_workbook(source)
        figures["read_workbook"] = timed(lambda: read_workbook(source), repeat)
        figures["check sheets"] = timed(lambda: [check_sheet(s) for s in book.sheets], repeat)

        def ingest_fresh() -> None:
            ledger_path = root / f"l-{time.perf_counter_ns()}.sqlite3"
            ctx = services.Context(Ledger(str(ledger_path)), "ops.lead", AS_OF)
            ctx.ledger.init()
            services.quota_change(ctx, "grant", rows * 10, "sales.rep", "", "")
            result = services.ingest(ctx, source, root / "out")
            assert result.refused == 0 and result.recorded

        figures["ingest end to end"] = timed(ingest_fresh, repeat)
        return figures


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [10_000, 100_000]
    print("| rows | step | seconds | ratio to floor (read + write) |")
    print("|---:|---|---:|---:|")
    for rows in sizes:
        repeat = 3 if rows <= 20_000 else 1
        figures = run(rows, repeat)
        floor = figures["floor: openpyxl read"] + figures["floor: xlsxwriter write"]
        for step, seconds in figures.items():
            print(f"| {rows:,} | {step} | {seconds:.2f} | {seconds / floor:.2f} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
