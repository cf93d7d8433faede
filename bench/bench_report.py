"""`make bench`: the monthly report over a ledger of N issuances spread over four months,
half of them decided — timed against the floor of reading the report's facts from the
ledger in the same run.

Usage: python -m bench.bench_report [N]   (default 100000)
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.bench_ingest import make_input
from voucher_batch import services
from voucher_batch.domain.review import APPROVE, REJECT, ReviewRow
from voucher_batch.ledger import Ledger
from voucher_batch.services import review as reviews
from voucher_batch.services.monthly import report_monthly

MONTHS = [date(2026, 8, 3), date(2026, 9, 7), date(2026, 10, 5), date(2026, 11, 2)]


def build(root: Path, rows: int) -> Ledger:
    ledger = Ledger(str(root / "l.sqlite3"))
    ledger.init()
    per = rows // len(MONTHS)
    for n, day in enumerate(MONTHS):
        ctx = services.Context(ledger, "ops.lead", day)
        services.quota_change(ctx, "grant", per * 1100, "sales.rep", "", "")
        source = root / f"m{n}.xlsx"
        make_input(source, per, prefix=f"M{n}-")
        services.ingest(ctx, source, root / "out")
        pending = services.vouchers_list(ctx, status="pending")
        decide = [v for v in pending if v.request_id.startswith(f"M{n}-")][: per // 2]
        review_rows = [
            ReviewRow(
                "Review",
                i + 2,
                v.issuance_id,
                APPROVE if i % 4 else REJECT,
                None if i % 4 else "benchmark",
                "reviewer.one",
                None,
            )
            for i, v in enumerate(decide)
        ]
        later = services.Context(ledger, "ops.lead", day.replace(day=day.day + 3))
        reviews.apply_reviews(later, review_rows, "bench-review.xlsx", "0" * 64)
    return ledger


def main(argv: list[str]) -> None:
    rows = int(argv[0]) if argv else 100_000
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        ledger = build(root, rows)
        ctx = services.Context(ledger, "ops.lead", date(2026, 11, 20))
        began = time.perf_counter()
        with ledger.unit_of_work() as uow:
            _moves, facts = uow.report_facts()
        floor = time.perf_counter() - began
        began = time.perf_counter()
        result = report_monthly(ctx, "2026-11", root / "reports")
        seconds = time.perf_counter() - began
        assert result.report.figures.reconciles
    print("| issuances | step | seconds | ratio to floor |")
    print("|---:|---|---:|---:|")
    print(
        f"| {len(facts):,} | floor: read the report's facts from the ledger | {floor:.2f} | 1.00 |"
    )
    print(
        f"| {len(facts):,} | report monthly (facts, figures, 4 charts, HTML, xlsx) | "
        f"{seconds:.2f} | {seconds / floor:.2f} |"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
