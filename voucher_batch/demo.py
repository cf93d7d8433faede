"""`voucher-batch demo`: the whole flow on the sample sheets against a fresh ledger.

The demo uses a fixed business date so that its sample requests (whose estimated
conversion dates lie in 2027) decide the same way whenever it runs; `--as-of` overrides it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

from . import services
from .ledger import Ledger
from .monthly import report_monthly
from .reviews import review_export, review_import

DEMO_DATE = date(2026, 11, 2)
SAMPLE = "partner-ops-batch.xlsx"
DEMO_QUOTA = 110_000


def sample_workbook(name: str = SAMPLE) -> Path:
    """The sample workbook: packaged in a wheel, or beside the package in a checkout."""
    packaged = resources.files("voucher_batch") / "sample_sheets" / name
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[1] / "sample_sheets" / name


def run_demo(
    directory: Path, operator: str, as_of: date | None, echo: Callable[[str], None]
) -> int:
    directory = directory.expanduser().resolve()
    directory.mkdir(parents=True, exist_ok=True)
    ledger_path = directory / "voucher-ledger.sqlite3"
    for stale in directory.glob("voucher-ledger.sqlite3*"):
        stale.unlink()
    shutil.rmtree(directory / "reports", ignore_errors=True)

    ctx = services.Context(Ledger(str(ledger_path)), operator, as_of or DEMO_DATE)
    try:
        _run_steps(ctx, directory, ledger_path, operator, echo)
    finally:
        ctx.ledger.dispose()  # the demo ledger is complete on disk when the command ends
    return 0


def _run_steps(
    ctx: services.Context,
    directory: Path,
    ledger_path: Path,
    operator: str,
    echo: Callable[[str], None],
) -> None:
    echo(f"1. ledger {ctx.ledger.init()}: {ledger_path}")
    balance = services.quota_change(
        ctx, "grant", DEMO_QUOTA, "sales.rep", "QUOTA-2026-11", "demo quota"
    )
    echo(f"2. quota granted by sales.rep: {balance.quota:,}")
    workbook = sample_workbook()
    first = services.ingest(ctx, workbook, directory / "reports")
    echo(f"3. ingested {workbook.name} as of {ctx.business_date}: {_counts(first.counts)}")
    echo(f"   remaining quota {first.before.remaining:,} -> {first.after.remaining:,}")
    again = services.ingest(ctx, workbook, directory / "reports" / "replay")
    echo(
        f"4. re-ingested the same workbook: {_counts(again.counts)} "
        f"(remaining still {again.after.remaining:,})"
    )
    review_day = services.Context(ctx.ledger, operator, ctx.business_date + timedelta(days=3))
    exported = review_export(review_day, directory / "reports")
    filled = _fill_review(exported.path, directory / "reports" / "review-filled.xlsx")
    reviewed = review_import(review_day, filled, directory / "reports", reviewer="reviewer.one")
    echo(
        f"5. reviewed {exported.rows} pending issuances as reviewer.one: "
        + ", ".join(f"{n} {d.lower()}" for d, n in reviewed.counts.items() if n)
        + f" (remaining quota {reviewed.after.remaining:,})"
    )
    month_end = services.Context(ctx.ledger, operator, ctx.business_date.replace(day=30))
    monthly = report_monthly(month_end, f"{ctx.business_date:%Y-%m}", directory / "reports")
    f = monthly.report.figures
    echo(
        f"6. monthly report {f.month}: requested {f.requested:,}, approved {f.approved:,}, "
        f"rejected {f.rejected:,}, closing remaining {f.closing_remaining:,}"
    )
    templates = services.templates_list(ctx)
    locked = sum(t.locked for t in templates)
    echo(f"7. templates: {len(templates)} ({locked} locked by issuances)")
    pending = services.vouchers_list(ctx, status="pending")
    echo(f"8. vouchers still pending: {len(pending)}, {sum(v.amount for v in pending):,} reserved")
    echo("outputs:")
    echo(f"  ledger:     {ledger_path}")
    echo(f"  decisions:  {first.decisions_path}")
    echo(f"  report:     {first.report_path}")
    echo(f"  replay:     {again.decisions_path}")
    echo(f"  review:     {exported.path} -> {reviewed.decisions_path}")
    echo(f"  monthly:    {monthly.html_path}")
    echo(f"              {monthly.xlsx_path}")


def _fill_review(exported: Path, filled: Path) -> Path:
    """What a reviewer does: approve most, reject a few with a reason, leave some open."""
    import openpyxl

    wb = openpyxl.load_workbook(exported)
    ws = wb["Review"]
    header = [c.value for c in ws[4]]
    decision, comment = header.index("Decision") + 1, header.index("Review Comment") + 1
    for n, row in enumerate(range(5, ws.max_row + 1)):
        if n % 7 == 3:
            ws.cell(row, decision).value = "Reject"
            ws.cell(row, comment).value = "Revenue estimate not credible yet"
        elif n % 7 != 6:
            ws.cell(row, decision).value = "Approve"
    wb.save(filled)
    return filled


def _counts(counts: dict[str, dict[str, int]]) -> str:
    return "; ".join(
        f"{sheet} " + ", ".join(f"{n} {d.lower()}" for d, n in by.items() if n)
        for sheet, by in counts.items()
    )
