"""One cell writer (R16, section 3): whatever the tool writes into a workbook reads back
through the tool's own reader and cell checks as the same value — in the decision workbook
and in the review workbook alike, so an untouched review row is never "changed"."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voucher_batch.domain.quota import SUM_MAX
from voucher_batch.workbook.reader import read_workbook
from voucher_batch.workbook.review_book import ReviewExport, write_review_export
from voucher_batch.workbook.sheets import REQUESTS, REVIEW
from voucher_batch.workbook.validation import check_sheet
from voucher_batch.workbook.writer import Table, write_workbook

# Text people type: any script, punctuation, look-alike digits and leading '=' or '+'; no
# control characters (refused as identifiers) and no surrounding spaces (trimmed on reading).
TEXT = st.text(
    st.characters(
        blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Zs", "Cf", "Co", "Cn"),
        blacklist_characters="\u00a0\ufeff",
    ),
    min_size=1,
    max_size=60,
)
# New revenue stays below SUM_MAX (R16); a ledger from before may hold any 64-bit value.
REVENUE = (
    st.integers(0, SUM_MAX)
    | st.integers(0, 2**63 - 1)
    | st.sampled_from([0, 2**53 - 1, 2**53, 2**53 + 1, 10**15 - 1, 10**15, 2**63 - 1])
)
DAYS = st.dates(date(2026, 11, 2), date(9999, 12, 31))
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(request_id=TEXT.filter(lambda t: len(t) <= 40), reason=TEXT, revenue=REVENUE, when=DAYS)
def test_a_decision_sheet_reads_back_as_written(
    request_id: str, reason: str, revenue: int, when: date
) -> None:
    headers = [c.name for c in REQUESTS.columns]
    row: dict[str, object] = {
        "Request ID": request_id,
        "Template Name": "Starter Trial",
        "Customer UIN": "100012340001",
        "Estimated Revenue": revenue,
        "Estimated Conversion Date": when,
        "Application Reason": reason,
        "Requested By": "ops.analyst",
    }
    with tempfile.TemporaryDirectory() as folder:
        path = write_workbook(
            Path(folder) / "book.xlsx", [Table("Requests", headers, [[row[h] for h in headers]])]
        )
        [sheet] = read_workbook(path).sheets
        [checked] = check_sheet(sheet)
    assert checked.problems == []
    assert checked.values == row


@SETTINGS
@given(revenue=REVENUE, reason=TEXT, requested_by=TEXT, when=DAYS)
def test_a_review_row_reads_back_as_exported(
    revenue: int, reason: str, requested_by: str, when: date
) -> None:
    values: dict[str, object] = {
        "Issuance ID": "ISS-000001",
        "Request ID": '=HYPERLINK("x")',
        "Template Name": "Starter Trial",
        "Customer UIN": "100012340001",
        "Customer Name": reason,
        "Amount": 1000,
        "Estimated Revenue": revenue,
        "Estimated Conversion Date": when,
        "Application Reason": reason,
        "Requested By": requested_by,
        "Requested On": date(2026, 11, 2),
        "Business Days Waiting": 3,
        "Decision": None,
        "Review Comment": None,
        "Reviewer": None,
        "Decision Date": None,
        "Voucher ID": None,
        "Row Check": "0" * 64,
    }
    export = ReviewExport(
        "EXP-1",
        datetime(2026, 11, 5, tzinfo=UTC),
        date(2026, 11, 5),
        "ops.lead",
        "Mon-Fri",
        [[values[c.name] for c in REVIEW.columns]],
        [False],
        [("export_id", "EXP-1")],
    )
    with tempfile.TemporaryDirectory() as folder:
        path = write_review_export(Path(folder) / "review.xlsx", export)
        [sheet] = read_workbook(path, (REVIEW,)).sheets
        [checked] = check_sheet(sheet)
    assert checked.problems == []
    for name, value in values.items():
        if name in checked.values:
            assert checked.values[name] == value, name
