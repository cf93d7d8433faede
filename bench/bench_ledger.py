"""`make bench`: the read commands on a ledger of N issuances, each against its floor.

A SQLite ledger of N issuances is built quickly: the tool itself creates it (`init`, the
schema's migrations), records a quota grant and ingests a small workbook of customers and
templates; then the issuance batches are appended straight to its tables with
`sqlite3.executemany`, each batch as the tool records one (the batch with its counts, the
rows it keeps, its issuances and their pending entries; each review batch with its
decisions), so `ledger verify` finds nothing wrong. Twenty ingests, one every nine days
from 2026-06-01, each but the last two reviewed two days later (three approvals to one
rejection): N/10 issuances stay pending, the rest are decided, over six months. Five
templates (10 to 1,000, valid 30 to 180 days), 2,000 customers; estimated conversion dates
170 to 260 days after the request, so few are due by the report's month.

Each command then runs in a fresh process (`voucher-batch --ledger ...`, imports included);
wall seconds, CPU seconds (user + system) and peak RSS (`ru_maxrss` from `wait4`) are the
child's. Floors, measured in the same run, each in a fresh process:

- `review export`: the pending rows read with plain sqlite3 (one query, the template's name
  joined, the customers' names read once) and written by xlsxwriter in constant_memory mode,
  the same 18 cells per row as the review sheet (the row check's HMAC included, the
  reviewer's blank cells unlocked) and the manifest's row per issuance;
- `report monthly`: the report's facts (every issuance with its current status, template and
  customer) read with plain sqlite3, the report workbook's cells (the same values and types
  on the same sheets, taken from the tool's workbook beforehand) written by xlsxwriter in
  constant_memory mode, and the tool's HTML bytes written;
- `vouchers list --json --status pending`: the same rows read with plain sqlite3 and printed
  as the same JSON text to a pipe.

Each floor's files reach the disk (fsync) as the tool's outputs do.

`vouchers list` also gets its time to first byte and its peak RSS on a ledger ten times
smaller: a streamed listing keeps RSS flat as the ledger grows.

Usage: python -m bench.bench_ledger [--docs PATH] [--keep DIR] [N]   (default 1000000)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import xlsxwriter

from bench.docs import machine, write_section

LIBRARIES = ("SQLAlchemy", "xlsxwriter", "openpyxl", "matplotlib")
INGESTS = 20
UNREVIEWED = 2  # the last ingests stay pending: N/10 of the issuances
FIRST_DAY = date(2026, 6, 1)
EVERY = 9  # days between ingests
REVIEW_AFTER = 2  # days from an ingest to its review
AS_OF = date(2026, 11, 27)
MONTH = "2026-11"
CUSTOMERS = 2_000
# name, usage, payment mode, amount, validity period, validity start (days, for simplicity)
TEMPLATES = [
    ("Bench Trial", "Product trial", "All", 10, 30, "From the issuance date"),
    ("Bench Offer", "Customer offer", "Prepaid", 50, 60, "From the validity date"),
    ("Bench Starter", "Product trial", "Postpaid", 100, 90, "From the issuance date"),
    ("Bench Growth", "Customer offer", "All", 500, 120, "From the validity date"),
    ("Bench Scale", "Customer offer", "Prepaid", 1000, 180, "From the validity date"),
]
CODES = {
    "Product trial": "ProductTrial",
    "Customer offer": "CustomerOffer",
    "All": "AllPayment",
    "Prepaid": "Prepaid",
    "Postpaid": "Postpaid",
}
REVIEW_HEADERS = ["Issuance ID", "Decision", "Review Comment", "Reviewer", "Decision Date"]
REQUEST_HEADERS = [
    "Request ID",
    "Template Name",
    "Customer UIN",
    "Estimated Revenue",
    "Estimated Conversion Date",
    "Application Reason",
    "Requested By",
]


# ---- building the ledger -------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy stores DateTime in SQLite


def _base(folder: Path, ledger: Path, rows: int) -> None:
    """The tool creates the ledger, grants the quota, records customers and templates."""
    from voucher_batch import services
    from voucher_batch.ledger import Ledger

    source = folder / "base.xlsx"
    book = xlsxwriter.Workbook(str(source))
    ws = book.add_worksheet("Customers")
    ws.write_row(0, 0, ["Customer UIN", "Customer Name", "Status"])
    for n in range(CUSTOMERS):
        ws.write_row(n + 1, 0, [f"{100012340000 + n}", f"Customer {n}", "Bound"])
    ws = book.add_worksheet("Templates")
    ws.write_row(
        0,
        0,
        ["Template Name", "Usage", "Payment Mode", "Amount", "Validity Period", "Validity Start"],
    )
    for n, (name, usage, mode, amount, days, start) in enumerate(TEMPLATES):
        ws.write_row(n + 1, 0, [name, usage, mode, amount, f"{days} days", start])
    book.close()
    ctx = services.Context(Ledger(str(ledger)), "ops.lead", FIRST_DAY - timedelta(days=1))
    ctx.ledger.init()
    services.quota_change(ctx, "grant", rows * 1000, "sales.rep", "BENCH-1", "")
    result = services.ingest(ctx, source, folder / "out")
    assert result.refused == 0 and result.recorded


@dataclass
class _State:
    quota: int
    pending: int = 0
    approved: int = 0
    rejected: int = 0
    seq: int = 0
    batch: int = 0
    issuance: int = 0
    event: int = 0
    moves: bool = False  # the ledger keeps the balance per batch (schema 7)

    def balance(self) -> list[int]:
        return [self.quota, self.pending, self.approved, self.rejected]


def _batch(
    db: sqlite3.Connection,
    st: _State,
    kind: str,
    name: str,
    day: date,
    at: str,
    counts: dict[str, dict[str, int]],
    before: list[int],
    sheet: tuple[str, list[str]],
) -> int:
    st.batch += 1
    st.seq += 1
    flat = {f"{s}: {d}": n for s, by in counts.items() for d, n in by.items()}
    db.execute(
        "INSERT INTO batches (id, kind, file_name, file_sha256, operator, business_date,"
        " recorded_at, counts, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            st.batch,
            kind,
            name,
            hashlib.sha256(name.encode()).hexdigest(),
            "ops.lead",
            day.isoformat(),
            at,
            json.dumps(flat, sort_keys=True),
            st.seq,
        ),
    )
    db.execute(
        "INSERT INTO batch_facts VALUES (?, ?, ?, '[]', ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            st.batch,
            "Ingest" if kind == "ingest" else "Review import",
            json.dumps(counts),
            *before,
            *st.balance(),
        ),
    )
    if st.moves:  # schema 7: what the batch moved, as the tool records it
        moved = [after - was for after, was in zip(st.balance()[1:], before[1:], strict=True)]
        db.execute("INSERT INTO balance_moves VALUES (?, ?, ?, ?)", (st.batch, *moved))
    title, headers = sheet
    db.execute(
        "INSERT INTO batch_sheets (batch_id, sheet_no, title, kind, header_row, headers,"
        " header_columns, mapping) VALUES (?, 0, ?, ?, 1, ?, ?, ?)",
        (
            st.batch,
            title,
            title,
            json.dumps(headers),
            json.dumps(list(range(1, len(headers) + 1))),
            json.dumps({h: n for n, h in enumerate(headers)}),
        ),
    )
    return st.batch


def _ingest(
    db: sqlite3.Connection, st: _State, k: int, size: int, versions: list[tuple[int, str, int]]
) -> list[tuple[int, int, str, int]]:
    """One ingest batch of `size` requests; returns (pk, amount, template, its days)."""
    day = FIRST_DAY + timedelta(days=EVERY * k)
    at = _stamp(datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=k))
    before = st.balance()
    first = st.issuance + 1
    made, issuances, events, kept = [], [], [], []
    remaining = st.quota - st.pending - st.approved
    for n in range(size):
        pk = first + n
        version, key, amount = versions[pk % len(versions)]
        uin = f"{100012340000 + pk % CUSTOMERS}"
        request = f"REQ-{pk:08d}"
        revenue = 1000 + pk % 997
        converts = (day + timedelta(days=170 + pk % 90)).isoformat()  # mostly after the month
        remaining -= amount
        issuance_id = f"ISS-{pk:06d}"
        issuances.append(
            (
                pk,
                issuance_id,
                request,
                request.lower(),
                version,
                key,
                uin,
                amount,
                revenue,
                converts,
                "Trial for the benchmark",
                "sales.rep",
                "ops.lead",
                day.isoformat(),
                0,
                at,
            )
        )
        events.append((pk, "pending", 0, at))
        cells = [
            request,
            key.title(),
            uin,
            revenue,
            {"d": converts},
            "Trial for the benchmark",
            "sales.rep",
        ]
        kept.append(
            (
                0,
                n + 2,
                json.dumps(cells, separators=(",", ":")),
                "Pending approval",
                "",
                "[]",
                issuance_id,
                amount,
                remaining,
            )
        )
        made.append((pk, amount, key, 0))
        st.pending += amount
    st.issuance += size
    counts = {"Requests": {"Pending approval": size, "Already submitted": 0, "Refused": 0}}
    batch = _batch(
        db,
        st,
        "ingest",
        f"requests-{k:02d}.xlsx",
        day,
        at,
        counts,
        before,
        ("Requests", REQUEST_HEADERS),
    )
    db.executemany(
        "INSERT INTO issuances (id, issuance_id, request_id, request_key, template_version_id,"
        " template_key, customer_uin, amount, estimated_revenue, estimated_conversion_date,"
        " reason, requested_by, operator, requested_on, batch_id, recorded_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*r[:14], batch, *r[15:]) for r in issuances],
    )
    db.executemany(
        "INSERT INTO issuance_events (issuance, status, batch_id, recorded_at) VALUES (?, ?, ?, ?)",
        [(pk, status, batch, when) for pk, status, _, when in events],
    )
    db.executemany(
        "INSERT INTO batch_rows (batch_id, sheet_no, excel_row, cells, decision, reason,"
        " problems, issuance_id, amount, remaining) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(batch, *r) for r in kept],
    )
    return made


def _review(
    db: sqlite3.Connection,
    st: _State,
    k: int,
    made: list[tuple[int, int, str, int]],
    rules: dict[str, tuple[int, bool]],
) -> None:
    """The review of ingest `k`: three approvals to one rejection."""
    requested_on = FIRST_DAY + timedelta(days=EVERY * k)
    day = requested_on + timedelta(days=REVIEW_AFTER)
    at = _stamp(datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=k, milliseconds=500))
    before = st.balance()
    events, kept = [], []
    approved = rejected = 0
    for n, (pk, amount, key, _) in enumerate(made):
        days, from_issuance = rules[key]
        issuance_id = f"ISS-{pk:06d}"
        if n % 4:
            start = requested_on if from_issuance else day
            until = start + timedelta(days=days - 1)
            events.append(
                (pk, "approved", day.isoformat(), None, start.isoformat(), until.isoformat())
            )
            cells = [issuance_id, "approve", None, "reviewer.one", None]
            approved += 1
            st.approved += amount
        else:
            events.append((pk, "rejected", day.isoformat(), "benchmark", None, None))
            cells = [issuance_id, "reject", "benchmark", "reviewer.one", None]
            rejected += 1
            st.rejected += amount
        st.pending -= amount
        decision = "Approved" if n % 4 else "Rejected"
        kept.append((0, n + 2, json.dumps(cells), decision, "", "[]", issuance_id, None, None))
    counts = {
        "Review": {
            "Approved": approved,
            "Rejected": rejected,
            "Not reviewed": 0,
            "Unchanged": 0,
            "Refused": 0,
        }
    }
    batch = _batch(
        db,
        st,
        "review",
        f"review-{k:02d}.xlsx",
        day,
        at,
        counts,
        before,
        ("Review", REVIEW_HEADERS),
    )
    db.executemany(
        "INSERT INTO issuance_events (issuance, status, decided_on, reviewer, comment,"
        " valid_from, valid_until, batch_id, recorded_at)"
        " VALUES (?, ?, ?, 'reviewer.one', ?, ?, ?, ?, ?)",
        [(*e, batch, at) for e in events],
    )
    db.executemany(
        "INSERT INTO batch_rows (batch_id, sheet_no, excel_row, cells, decision, reason,"
        " problems, issuance_id, amount, remaining) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(batch, *r) for r in kept],
    )


def build(folder: Path, rows: int) -> Path:
    """A ledger of `rows` issuances the tool accepts (see the module's docstring)."""
    ledger = folder / f"ledger-{rows}.sqlite3"
    _base(folder, ledger, rows)
    db = sqlite3.connect(ledger, isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    quota = db.execute("SELECT sum(amount) FROM quota_entries").fetchone()[0]
    seq = max(
        db.execute(f"SELECT max(seq) FROM {t}").fetchone()[0] or 0
        for t in ("batches", "quota_entries")
    )
    st = _State(quota=quota, seq=seq, batch=db.execute("SELECT max(id) FROM batches").fetchone()[0])
    versions = db.execute("SELECT id, key, amount FROM template_versions ORDER BY id").fetchall()
    st.moves = bool(
        db.execute("SELECT 1 FROM sqlite_master WHERE name = 'balance_moves'").fetchone()
    )
    rules = {
        name.lower(): (days, start == "From the issuance date")
        for name, _u, _m, _a, days, start in TEMPLATES
    }
    per = rows // INGESTS
    for k in range(INGESTS):
        size = per if k < INGESTS - 1 else rows - per * (INGESTS - 1)
        made = _ingest(db, st, k, size, versions)
        if k < INGESTS - UNREVIEWED:
            _review(db, st, k, made, rules)
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()
    return ledger


# ---- the floors, each run in a child process ------------------------------------------------

PENDING_ROWS = """
SELECT i.issuance_id, i.request_id, tv.name, i.customer_uin, i.amount,
       i.estimated_revenue, i.estimated_conversion_date, i.reason, i.requested_by,
       i.requested_on
FROM issuances i
JOIN (SELECT issuance, max(id) AS event_id FROM issuance_events GROUP BY issuance) l
  ON l.issuance = i.id
JOIN issuance_events e ON e.id = l.event_id
JOIN template_versions tv ON tv.id = i.template_version_id
WHERE e.status = 'pending'
ORDER BY i.id
"""

FACT_ROWS = """
SELECT i.issuance_id, tv.name, tv.usage, tv.payment_mode, i.customer_uin, i.amount,
       i.estimated_revenue, i.requested_on, e.status, e.decided_on, e.valid_until
FROM issuances i
JOIN (SELECT issuance, max(id) AS event_id FROM issuance_events GROUP BY issuance) l
  ON l.issuance = i.id
JOIN issuance_events e ON e.id = l.event_id
JOIN template_versions tv ON tv.id = i.template_version_id
"""


def _names(db: sqlite3.Connection) -> dict[str, str]:
    """Each customer's name as last recorded (later versions overwrite earlier ones)."""
    return dict(db.execute("SELECT uin, name FROM customer_versions ORDER BY id").fetchall())


def floor_review(ledger: Path, work: Path) -> None:
    db = sqlite3.connect(ledger)
    book = xlsxwriter.Workbook(str(work / "floor-review.xlsx"), {"constant_memory": True})
    ws = book.add_worksheet("Review")
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    amount = book.add_format({"num_format": "#,##0"})
    secret = b"k" * 32
    names = _names(db)
    editable = book.add_format({"locked": False})
    ids: list[str] = []
    for r, row in enumerate(db.execute(PENDING_ROWS), start=4):
        iid, rid, tname, uin, amt, rev, conv, reason, by, on = row
        conv_d, on_d = date.fromisoformat(conv), date.fromisoformat(on)
        check = hmac.new(
            secret,
            "\x1f".join([iid, rid, tname, uin, str(amt), str(rev), conv, reason, by, on]).encode(),
            hashlib.sha256,
        ).hexdigest()[:32]
        ws.write_string(r, 0, iid)
        ws.write_string(r, 1, rid)
        ws.write_string(r, 2, tname)
        ws.write_string(r, 3, uin)
        ws.write_string(r, 4, names.get(uin, ""))
        ws.write_number(r, 5, amt, amount)
        ws.write_number(r, 6, rev, amount)
        ws.write_datetime(r, 7, datetime.combine(conv_d, datetime.min.time()), day)
        ws.write_string(r, 8, reason)
        ws.write_string(r, 9, by)
        ws.write_datetime(r, 10, datetime.combine(on_d, datetime.min.time()), day)
        ws.write_number(r, 11, (AS_OF - on_d).days)
        for c in range(12, 17):  # the reviewer's cells: blank, unlocked (a format each)
            ws.write_blank(r, c, None, editable)
        ws.write_string(r, 17, check)
        ids.append(iid)
    manifest = book.add_worksheet("Manifest")  # one row per issuance, as the tool's
    for r, iid in enumerate(ids):
        manifest.write_string(r, 0, "issuance")
        manifest.write_string(r, 1, iid)
    book.close()
    _durable(work / "floor-review.xlsx")


def floor_report(ledger: Path, work: Path) -> None:
    """The facts read, and the report's outputs written: the same cells (values and types)
    as the tool's workbook by xlsxwriter in constant_memory mode, the same HTML bytes.
    Loading those cells and bytes is prepared work: its seconds are printed, to be left out."""
    began, cpu = time.perf_counter(), _cpu()
    sheets = pickle.loads((work / "report-cells.pickle").read_bytes())
    html = (work / "report.html").read_bytes()
    print(json.dumps({"excluded": time.perf_counter() - began, "excluded_cpu": _cpu() - cpu}))
    db = sqlite3.connect(ledger)
    names = _names(db)
    facts = [(*f, names.get(f[4], "")) for f in db.execute(FACT_ROWS)]
    assert facts
    book = xlsxwriter.Workbook(str(work / "floor-report.xlsx"), {"constant_memory": True})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for title, rows in sheets.items():
        ws = book.add_worksheet(title)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, str):
                    if value:
                        ws.write_string(r, c, value)
                elif isinstance(value, datetime):
                    ws.write_datetime(r, c, value, day)
                elif isinstance(value, date):
                    ws.write_datetime(r, c, datetime.combine(value, datetime.min.time()), day)
                elif isinstance(value, int | float):
                    ws.write_number(r, c, value)
    book.close()
    (work / "floor-report.html").write_bytes(html)
    for name in ("floor-report.xlsx", "floor-report.html"):
        _durable(work / name)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


LIST_ROWS = """
SELECT i.issuance_id, i.request_id, tv.name, i.customer_uin, i.amount, e.status,
       i.requested_on, e.decided_on, e.valid_from, e.valid_until
FROM issuances i
JOIN issuance_events e
  ON e.id = (SELECT max(x.id) FROM issuance_events x WHERE x.issuance = i.id)
JOIN template_versions tv ON tv.id = i.template_version_id
WHERE e.status = 'pending'
ORDER BY i.id
"""
LIST_KEYS = (
    "issuance_id",
    "request_id",
    "template_name",
    "customer_uin",
    "amount",
    "status",
    "requested_on",
    "decided_on",
    "valid_from",
    "valid_until",
)
NO_VOUCHER = {
    "voucher_id": None,
    "console_status": None,
    "used_amount": None,
    "remaining_amount": None,
    "expires_on": None,
}


def floor_list(ledger: Path, work: Path) -> None:
    """The same rows and the same JSON text as the listing (no voucher is linked here)."""
    db = sqlite3.connect(ledger)
    out = sys.stdout
    out.write("[")
    for n, row in enumerate(db.execute(LIST_ROWS)):
        item = {**dict(zip(LIST_KEYS, row, strict=True)), **NO_VOUCHER}
        out.write(("" if n == 0 else ", ") + json.dumps(item, ensure_ascii=False))
    out.write("]\n")


def _durable(path: Path) -> None:
    """On disk, as the tool leaves each output it writes."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


FLOORS: dict[str, Callable[[Path, Path], None]] = {
    "review": floor_review,
    "report": floor_report,
    "list": floor_list,
}


# ---- measuring -----------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    cpu: float
    rss_mib: float
    first_byte: float | None = None
    output: bytes = b""


def measure(argv: list[str], keep_output: bool = False) -> Run:
    """Run `argv` in a fresh process; its wall and CPU seconds, peak RSS, time to first
    byte on stdout."""
    began = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None
    first = child.stdout.read(1)
    first_byte = time.perf_counter() - began if first else None
    kept = bytearray(first)
    size = len(first)
    while chunk := child.stdout.read(1 << 16):
        size += len(chunk)
        if keep_output:
            kept += chunk
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - began
    assert child.stderr is not None
    error = child.stderr.read()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(argv)} exited {code}: {error.decode(errors='replace')}")
    return Run(
        seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, first_byte, bytes(kept)
    )


def tool(ledger: Path, *args: str, dated: bool = True) -> list[str]:
    """The command line; `dated` gives the business date (read-only commands then show the
    ledger as of that day, which reads every entry: `quota show` and `vouchers list` are
    measured as they stand, undated)."""
    as_of = ["--as-of", AS_OF.isoformat()] if dated else []
    return [
        sys.executable,
        "-m",
        "voucher_batch",
        "--ledger",
        str(ledger),
        *as_of,
        "--operator",
        "ops.lead",
        *args,
    ]


def floor(name: str, ledger: Path, work: Path) -> list[str]:
    return [sys.executable, "-m", "bench.bench_ledger", "--floor", name, str(ledger), str(work)]


def _report_cells(folder: Path, work: Path) -> None:
    """The cells of the tool's report workbook (python-calamine) and its HTML, for the floor."""
    import python_calamine

    [path] = sorted(folder.glob("quota-*.xlsx"))
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    sheets = {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}
    (work / "report-cells.pickle").write_bytes(pickle.dumps(sheets))
    [html] = sorted(folder.glob("quota-*.html"))
    (work / "report.html").write_bytes(html.read_bytes())


def run(ledger: Path, small: Path, work: Path, rows: int) -> list[tuple[str, str, Run, Run | None]]:
    """(command, floor's name, the tool's run, the floor's run or None)."""
    out: list[tuple[str, str, Run, Run | None]] = []
    # a ledger kept from an earlier version is upgraded first (`init` is idempotent)
    init = measure(tool(ledger, "init"), keep_output=True)
    measure(tool(small, "init"))
    out.append((f"init ({init.output.decode().split(': ', 1)[-1].strip()})", "", init, None))
    out.append(
        ("quota show", "", measure(tool(ledger, "quota", "show", "--json", dated=False)), None)
    )
    dated = measure(tool(ledger, "quota", "show", "--json"))
    out.append((f"quota show --as-of {AS_OF.isoformat()}", "", dated, None))
    listed = ("vouchers", "list", "--json", "--status", "pending")
    listing = measure(tool(ledger, *listed, dated=False))
    out.append(
        (
            "vouchers list --json --status pending",
            "sqlite3 read + the same JSON to a pipe",
            listing,
            measure(floor("list", ledger, work)),
        )
    )
    smaller = measure(tool(small, *listed, dated=False))
    out.append(
        (f"vouchers list --json --status pending, {rows // 10:,} issuances", "", smaller, None)
    )
    review_dir = work / "review"
    export = measure(tool(ledger, "review", "export", "--out-dir", str(review_dir)))
    out.append(
        (
            "review export",
            "sqlite3 read + xlsxwriter constant_memory",
            export,
            measure(floor("review", ledger, work)),
        )
    )
    report_dir = work / "report"
    report = measure(
        tool(ledger, "report", "monthly", "--month", MONTH, "--out-dir", str(report_dir))
    )
    # read in a child: the parent stays small, so no child's peak RSS includes its memory
    cells = [sys.executable, "-m", "bench.bench_ledger", "--cells", str(report_dir), str(work)]
    subprocess.run(cells, check=True)
    report_floor = measure(floor("report", ledger, work), keep_output=True)
    prepared = json.loads(report_floor.output)
    report_floor.seconds -= prepared["excluded"]
    report_floor.cpu -= prepared["excluded_cpu"]
    out.append(
        (
            "report monthly",
            "sqlite3 read of the facts + xlsxwriter of the same cells + the same HTML",
            report,
            report_floor,
        )
    )
    out.append(("ledger verify", "", measure(tool(ledger, "ledger", "verify")), None))
    return out


def table(rows: int, results: list[tuple[str, str, Run, Run | None]]) -> str:
    lines = [
        f"Ledger of {rows:,} issuances ({rows // 10:,} pending):",
        "",
        "| command | s | CPU s | peak RSS MiB | first byte s | floor | floor s | ratio "
        "| CPU ratio |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for command, floor_name, got, base in results:
        first = f"{got.first_byte:.2f}" if got.first_byte is not None else ""
        if base is None:
            tail = "| | | | |"
        else:
            tail = (
                f"| {floor_name} | {base.seconds:.2f} | {got.seconds / base.seconds:.2f} "
                f"| {got.cpu / base.cpu:.2f} |"
            )
        lines.append(
            f"| {command} | {got.seconds:.2f} | {got.cpu:.2f} | {got.rss_mib:.0f} | {first} {tail}"
        )
    return "\n".join(lines)


def _ledgers(folder: Path, rows: int) -> Iterator[Path]:
    for n in (rows, rows // 10):
        path = folder / f"ledger-{n}.sqlite3"
        if not path.exists():
            # built in a child: a fork of a big parent would count the parent's memory in
            # each measured command's peak RSS
            began = time.perf_counter()
            argv = [sys.executable, "-m", "bench.bench_ledger", "--build", str(folder), str(n)]
            subprocess.run(argv, check=True)
            print(f"built {path} in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        yield path


def main(argv: list[str]) -> None:
    if argv[:1] == ["--floor"]:
        FLOORS[argv[1]](Path(argv[2]), Path(argv[3]))
        return
    if argv[:1] == ["--cells"]:
        _report_cells(Path(argv[1]), Path(argv[2]))
        return
    if argv[:1] == ["--build"]:
        build(Path(argv[1]), int(argv[2]))
        return
    docs = keep = None
    while argv[:1] in (["--docs"], ["--keep"]):
        if argv[0] == "--docs":
            docs = Path(argv[1])
        else:
            keep = Path(argv[1])
        argv = argv[2:]
    rows = int(argv[0]) if argv else 1_000_000
    with tempfile.TemporaryDirectory() as scratch:
        folder = keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        ledger, small = _ledgers(folder, rows)
        with tempfile.TemporaryDirectory() as work:
            results = run(ledger, small, Path(work), rows)
    text = f"### Ledger: {machine(LIBRARIES)}\n\n{table(rows, results)}"
    print(text)
    if docs is not None:
        write_section(docs, "ledger", text)


if __name__ == "__main__":
    main(sys.argv[1:])
