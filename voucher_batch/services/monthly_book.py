"""The monthly report's workbook: one sheet per part of the report, the figures under the
same human labels as the HTML report (never the JSON keys), amounts with thousands
separators, rates as percentages, each sheet set up to print (landscape, one page wide,
its header row repeated on every page). A new section of the report is one more table here
and one more block in `monthly_report.html.j2`.
"""

from __future__ import annotations

from datetime import date

from ..domain.report import Breakdown, MonthlyReport
from ..workbook.writer import DATE_FORMAT, Table

PERCENT = "0.0%"
RATIO = "0.00"
HTML_LIST_LIMIT = 1_000  # rows of a list shown in the HTML; the workbook holds them all

# the report's figures in words, keyed as in `MonthlyReport.as_json` (contract section 4)
FIGURE_LABELS: dict[str, str] = {
    "month": "Month",
    "opening_quota": "Opening quota",
    "granted": "Granted",
    "reclaimed": "Reclaimed",
    "closing_quota": "Closing quota",
    "requested": "Requested",
    "approved": "Approved",
    "rejected": "Rejected (returned)",
    "pending_end": "Pending at month end",
    "overdue_pending": "Overdue pending (requests)",
    "overdue_pending_amount": "Overdue pending amount",
    "opening_remaining": "Opening remaining",
    "closing_remaining": "Closing remaining",
    "reconciled": "Reconciles",
    "approval_rate": "Approval rate",
    "median_review_business_days": "Median review time (business days)",
    "calendar": "Business days",
}
IDENTITY = (
    "Closing remaining = opening remaining + granted − reclaimed − requested + rejected (returned)"
)
BREAKDOWN_HEADERS = [
    "Requests",
    "Requested",
    "Approved",
    "Rejected",
    "Est. revenue",
    "Revenue / amount",
]
TREND_HEADERS = [
    "Month",
    "Opening quota",
    "Granted",
    "Reclaimed",
    "Closing quota",
    "Requested",
    "Approved",
    "Rejected (returned)",
    "Pending at month end",
    "Opening remaining",
    "Closing remaining",
]


def _summary(report: MonthlyReport, as_of: date, ledger: str) -> Table:
    rows: list[list[object]] = []
    formats: dict[tuple[int, int], str] = {}
    for key, value in report.as_json().items():
        if key == "reconciled":
            value = "yes" if value else "NO"
        elif key == "approval_rate":
            formats[(len(rows), 1)] = PERCENT
        rows.append([FIGURE_LABELS[key], value])
    rows += [
        ["Identity", IDENTITY],
        ["As of", as_of],
        ["Overdue counted at", report.cutoff],
        ["Ledger", ledger],
    ]
    return Table("Summary", ["Figure", "Value"], rows, cell_formats=formats, printable=True)


def _breakdown(title: str, first: str, rows: list[Breakdown]) -> Table:
    return Table(
        title,
        [first, *BREAKDOWN_HEADERS],
        [
            [
                b.key,
                b.requests,
                b.requested,
                b.approved,
                b.rejected,
                b.estimated_revenue,
                b.revenue_ratio,
            ]
            for b in rows
        ],
        [None, None, None, None, None, None, RATIO],
        printable=True,
    )


# long on purpose: a layout, one table per sheet in the order the workbook shows them
def monthly_tables(report: MonthlyReport, as_of: date, ledger: str) -> list[Table]:
    """The workbook's sheets, in the order it shows them."""
    tables = [_summary(report, as_of, ledger)]
    for title, first, rows in (
        ("By template", "Template", report.by_template),
        ("By customer", "Customer", report.by_customer),
        ("By usage", "Usage", report.by_usage),
        ("By payment mode", "Payment mode", report.by_payment_mode),
    ):
        tables.append(_breakdown(title, first, rows))
    tables.append(
        Table(
            "Expiring",
            ["Within days", "Vouchers", "Amount"],
            [list(e) for e in report.expiring],
            printable=True,
        )
    )
    tables.append(
        Table(
            "Expiring vouchers",
            ["Valid until", "Customer UIN", "Customer", "Template", "Amount", "Issuance ID"],
            [list(v) for v in report.expiring_vouchers],
            [DATE_FORMAT, None, None, None, None, None],
            printable=True,
        )
    )
    tables.append(
        Table(
            "Trend",
            TREND_HEADERS,
            [
                [
                    m.month,
                    m.opening_quota,
                    m.granted,
                    m.reclaimed,
                    m.closing_quota,
                    m.requested,
                    m.approved,
                    m.rejected,
                    m.pending_end,
                    m.opening_remaining,
                    m.closing_remaining,
                ]
                for m in report.trend
            ],
            printable=True,
        )
    )
    tables.append(
        Table(
            "Burn-down",
            ["Day", "Remaining", "Granted", "Reclaimed"],
            [list(p) for p in report.burndown],
            printable=True,
        )
    )
    return tables
