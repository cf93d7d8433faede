"""`make bench`: an ingest of N request rows against the fastest pipeline for the same work.

The floor is what the fastest available parts cost for the same rows, measured in the same
run on the same machine, each in a fresh process:

- read: the same sheets read to Python values by python-calamine, and to Arrow columns by
  fastexcel (the faster of the two counts);
- write: the same rows with the appended decision columns written by xlsxwriter in
  constant_memory mode, with one number format per column;
- insert: the same rows inserted into SQLite with `executemany` in one transaction.

floor = fastest read + write + insert. The tool's figure is `services.ingest` end to end
(read, check, decide, record, decision workbook and HTML report) on a fresh SQLite ledger.
The ratio tool / floor means the same on a faster or slower (or busier) machine. openpyxl
reading the same file (read-only mode, values) is kept as a second reference. Peak RSS is
the child process's `ru_maxrss`, imports included; the memory of all the tool's processes
together (it writes a large decision workbook in a second and third process) is the
largest sum of their PSS, sampled every `SAMPLE_EVERY` seconds: each page counted once, a
page two processes share counted half in each.

Usage: python -m bench.bench_ingest [--docs PATH] [ROWS ...]   (default: 10000 100000;
BENCH_FULL=1 adds a full Excel sheet, 1,048,575 rows: long)
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path

import xlsxwriter

from bench.docs import machine, write_section
from voucher_batch.workbook.sheets import REQUESTS

AS_OF = date(2026, 11, 2)
HEADERS = [c.name for c in REQUESTS.columns]
CUSTOMERS = 500
FULL_SHEET = 1_048_575
SHEETS = ("Customers", "Templates", "Requests")
APPENDED = ["Row", "Decision", "Reason", "Issuance ID", "Amount", "Remaining Quota"]
LIBRARIES = ("python-calamine", "fastexcel", "xlsxwriter", "openpyxl", "pandas", "pandera")


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


# ---- the steps, each run in a child process ------------------------------------------------


def read_calamine(source: Path, work: Path, rows: int) -> None:
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(source))
    for name in SHEETS:
        book.get_sheet_by_name(name).to_python()


def read_fastexcel(source: Path, work: Path, rows: int) -> None:
    import fastexcel

    reader = fastexcel.read_excel(str(source))
    for name in SHEETS:
        reader.load_sheet(name)  # every cell into Arrow columns (no Python objects)


def read_openpyxl(source: Path, work: Path, rows: int) -> None:
    import openpyxl

    book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    for ws in book.worksheets:
        for _row in ws.iter_rows(values_only=True):
            pass
    book.close()


def write_xlsxwriter(source: Path, work: Path, rows: int) -> None:
    book = xlsxwriter.Workbook(str(work / "floor.xlsx"), {"constant_memory": True})
    amount = book.add_format({"num_format": "#,##0"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    formats = [None, None, None, amount, day, None, None, None, None, None, None, amount, amount]
    ws = book.add_worksheet("Requests")
    ws.write_row(0, 0, [*HEADERS, *APPENDED])
    for c, fmt in enumerate(formats):
        ws.set_column(c, c, 14, fmt)
    when = datetime(2027, 1, 1)
    for i in range(rows):
        r = i + 1
        ws.write_string(r, 0, f"B-{i:07d}")
        ws.write_string(r, 1, "Bench Trial")
        ws.write_string(r, 2, f"{100012340000 + i % CUSTOMERS}")
        ws.write_number(r, 3, 1000 + i % 97, amount)
        ws.write_datetime(r, 4, when, day)
        ws.write_string(r, 5, "Trial for the benchmark")
        ws.write_string(r, 6, "ops.analyst")
        ws.write_number(r, 7, r + 1)
        ws.write_string(r, 8, "Pending approval")
        ws.write_string(r, 10, f"ISS-{i + 1:06d}")
        ws.write_number(r, 11, 10, amount)
        ws.write_number(r, 12, rows * 10 - 10 * (i + 1), amount)
    book.close()


def insert_sqlite(source: Path, work: Path, rows: int) -> None:
    db = sqlite3.connect(work / f"floor-{time.perf_counter_ns()}.sqlite3")
    db.execute(
        "CREATE TABLE issuances (id INTEGER PRIMARY KEY, issuance_id TEXT UNIQUE, "
        "request_id TEXT UNIQUE, template TEXT, customer_uin TEXT, amount INTEGER, "
        "revenue INTEGER, conversion_date TEXT, reason TEXT, requested_by TEXT)"
    )
    with db:
        db.executemany(
            "INSERT INTO issuances VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    i + 1,
                    f"ISS-{i + 1:06d}",
                    f"B-{i:07d}",
                    "bench trial",
                    f"{100012340000 + i % CUSTOMERS}",
                    10,
                    1000 + i % 97,
                    "2027-01-01",
                    "Trial for the benchmark",
                    "ops.analyst",
                )
                for i in range(rows)
            ),
        )
    db.close()


def ingest_tool(source: Path, work: Path, rows: int) -> None:
    from voucher_batch import services
    from voucher_batch.ledger import Ledger

    ctx = services.Context(Ledger(str(work / "ledger.sqlite3")), "ops.lead", AS_OF)
    ctx.ledger.init()
    services.quota_change(ctx, "grant", rows * 10, "sales.rep", "", "")
    began, cpu = time.perf_counter(), _cpu()
    result = services.ingest(ctx, source, work / "out")
    elapsed, cpu = time.perf_counter() - began, _cpu() - cpu
    assert result.refused == 0 and result.recorded
    _report(elapsed, cpu)


STEPS: dict[str, Callable[[Path, Path, int], None]] = {
    "read: python-calamine": read_calamine,
    "read: fastexcel": read_fastexcel,
    "read: openpyxl read-only (reference)": read_openpyxl,
    "write: xlsxwriter constant_memory": write_xlsxwriter,
    "insert: sqlite3 executemany, one transaction": insert_sqlite,
    "tool: ingest end to end": ingest_tool,
}


def _cpu() -> float:
    """CPU seconds of this process and of the processes it started and waited for (the
    tool's second and third processes, which write a large batch's decision workbook)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _report(seconds: float, cpu: float) -> None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    figures = {"seconds": seconds, "cpu": cpu, "rss_mib": peak}
    print(json.dumps(figures), flush=True)
    sys.exit(0)


def child(step: str, source: Path, work: Path, rows: int) -> None:
    began, cpu = time.perf_counter(), _cpu()
    STEPS[step](source, work, rows)
    _report(time.perf_counter() - began, _cpu() - cpu)  # the tool step reports its own


# wall seconds, CPU seconds, peak RSS MiB, peak memory MiB of all its processes together
Figures = tuple[float, float, float, float]

SAMPLE_EVERY = 0.25  # seconds between two looks at the memory of a step's processes


def _processes(root: int) -> list[int]:
    """`root` and every process it started that still runs."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue  # ended meanwhile
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _pss_mib(pid: int) -> float:
    """The proportional set size of a process: its own pages, and its share of the pages
    it shares (with a process it forked, say), so that a sum over processes counts each
    page once."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass  # ended meanwhile
    return 0.0


def _sampled_peak(process: subprocess.Popen[str]) -> float:
    """The largest sum of PSS over `process` and the processes it started, sampled until it
    ends (0 where /proc cannot tell)."""
    peak = 0.0
    while process.poll() is None:
        if os.path.exists(f"/proc/{process.pid}/smaps_rollup"):
            peak = max(peak, sum(_pss_mib(pid) for pid in _processes(process.pid)))
        time.sleep(SAMPLE_EVERY)
    return peak


def measure(step: str, source: Path, rows: int, repeat: int) -> Figures:
    """Median wall and CPU seconds and largest peak RSS (MiB) of `repeat` fresh processes,
    and the largest memory their processes held together (PSS summed, sampled)."""
    seconds, cpus, peaks, together = [], [], [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as work:
            command = [sys.executable, "-m", "bench.bench_ingest", "--child", step]
            process = subprocess.Popen(
                [*command, str(source), work, str(rows)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            with ThreadPoolExecutor(1) as pool:  # the pipes read while the memory is sampled
                output = pool.submit(process.communicate)
                peak_together = _sampled_peak(process)
                out, err = output.result()
        if process.returncode != 0:
            raise SystemExit(f"{step} failed at {rows:,} rows:\n{err}")
        figures = json.loads(out.strip().splitlines()[-1])
        seconds.append(figures["seconds"])
        cpus.append(figures["cpu"])
        peaks.append(figures["rss_mib"])
        together.append(max(peak_together, figures["rss_mib"]) if peak_together else 0.0)
    return statistics.median(seconds), statistics.median(cpus), max(peaks), max(together)


def run(rows: int) -> dict[str, Figures]:
    repeat = 3 if rows <= 20_000 else 1
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "bench.xlsx"
        make_input(source, rows)
        figures = {}
        for step in STEPS:
            figures[step] = measure(step, source, rows, repeat)
            print(f"  {rows:,} {step}: {figures[step][0]:.2f} s", file=sys.stderr, flush=True)
        return figures


def _floor(figures: dict[str, Figures], at: int) -> float:
    read = min(figures["read: python-calamine"][at], figures["read: fastexcel"][at])
    return (
        read
        + figures["write: xlsxwriter constant_memory"][at]
        + figures["insert: sqlite3 executemany, one transaction"][at]
    )


def tables(results: dict[int, dict[str, Figures]]) -> str:
    lines = [
        "| rows | tool s | floor s | ratio | CPU ratio | tool peak RSS MiB "
        "| all its processes' peak MiB | tool rows/s | floor rows/s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    parts = [
        "| rows | step | seconds | CPU seconds | peak RSS MiB | share of floor |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for rows, figures in results.items():
        floor, floor_cpu = _floor(figures, 0), _floor(figures, 1)
        tool, tool_cpu, peak, together = figures["tool: ingest end to end"]
        lines.append(
            f"| {rows:,} | {tool:.2f} | {floor:.2f} | {tool / floor:.2f} "
            f"| {tool_cpu / floor_cpu:.2f} | {peak:,.0f} | {together:,.0f} | {rows / tool:,.0f} "
            f"| {rows / floor:,.0f} |"
        )
        for step, (seconds, cpu, rss, _together) in figures.items():
            parts.append(
                f"| {rows:,} | {step} | {seconds:.2f} | {cpu:.2f} | {rss:,.0f} "
                f"| {seconds / floor:.2f} |"
            )
    return "\n".join(lines) + "\n\nEach part, in the same run:\n\n" + "\n".join(parts)


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        step, source, work, rows = argv[1:5]
        child(step, Path(source), Path(work), int(rows))
        return
    docs = None
    if argv[:1] == ["--docs"]:
        docs, argv = Path(argv[1]), argv[2:]
    sizes = [int(a) for a in argv] or [10_000, 100_000]
    if os.environ.get("BENCH_FULL") == "1" and FULL_SHEET not in sizes:
        sizes.append(FULL_SHEET)
    results = {rows: run(rows) for rows in sizes}
    text = f"### Ingest: {machine(LIBRARIES)}\n\n{tables(results)}"
    print(text)
    if docs is not None:
        write_section(docs, "ingest", text)


if __name__ == "__main__":
    main(sys.argv[1:])
