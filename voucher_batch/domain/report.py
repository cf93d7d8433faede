"""The monthly quota report: figures by business date, reconciled, with breakdowns.

Pure: receives the ledger's quota moves and issuances as plain facts and a business
calendar, returns every figure the HTML, xlsx and JSON versions show. Months are by
business date (`--as-of` at the time of entry), never by the real time of recording.

Identity (checked, and shown in the report):
closing_remaining = opening_remaining + granted - reclaimed - requested + rejected.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from .business_days import BusinessCalendar
from .months import Month, month_bounds, previous_months
from .report_figures import breakdown, burndown, expiring, figures, month_totals
from .report_records import (
    EXPIRY_HORIZONS,
    Breakdown,
    BurnPoint,
    ExpiringVoucher,
    IssuanceFact,
    MonthFigures,
    MonthlyReport,
    QuotaMove,
)

__all__ = [
    "Breakdown",
    "BurnPoint",
    "ExpiringVoucher",
    "IssuanceFact",
    "MonthFigures",
    "MonthlyReport",
    "QuotaMove",
    "monthly_report",
]


@dataclass
class _Reviews:
    """What the month's reviews and the pending requests add up to at the cutoff."""

    overdue_count: int = 0
    overdue_amount: int = 0
    decided: int = 0
    approved: int = 0
    days: list[int] = field(default_factory=list)


def _reviews(
    facts: Sequence[IssuanceFact], first: date, last: date, cutoff: date, cal: BusinessCalendar
) -> _Reviews:
    out = _Reviews()
    # business days are counted once per date (pair): a ledger has many requests a day
    overdue: dict[date, bool] = {}
    between: dict[tuple[date, date], int] = {}
    for f in facts:
        pending_at_cutoff = f.requested_on <= cutoff and (
            f.decided_on is None or f.decided_on > cutoff
        )
        if pending_at_cutoff:
            late = overdue.get(f.requested_on)
            if late is None:
                late = overdue[f.requested_on] = cal.overdue(f.requested_on, cutoff)
            if late:
                out.overdue_count += 1
                out.overdue_amount += f.amount
        if f.decided_on is not None and first <= f.decided_on <= last:
            out.decided += 1
            out.approved += f.status == "approved"
            pair = (f.requested_on, f.decided_on)
            days = between.get(pair)
            if days is None:
                days = between[pair] = cal.days_between(*pair)
            out.days.append(days)
    return out


def _expiring_vouchers(facts: Sequence[IssuanceFact], cutoff: date) -> list[ExpiringVoucher]:
    """Approved vouchers (decided by the cutoff) whose validity ends within the longest
    horizon after it, soonest first."""
    return sorted(
        ExpiringVoucher(
            f.valid_until, f.customer_uin, f.customer_name, f.template, f.amount, f.issuance_id
        )
        for f in facts
        if f.status == "approved"
        and f.valid_until is not None
        and f.decided_on is not None
        and f.decided_on <= cutoff
        # the horizon only once a voucher is valid past the cutoff: in the calendar's last
        # months it is past 9999-12-31 and cannot be computed
        and cutoff < f.valid_until <= cutoff + timedelta(days=max(EXPIRY_HORIZONS))
    )


def monthly_report(
    month: Month,
    as_of: date,
    moves: Sequence[QuotaMove],
    facts: Sequence[IssuanceFact],
    cal: BusinessCalendar,
) -> MonthlyReport:
    first, last = month_bounds(month)
    cutoff = min(last, as_of)
    totals = month_totals(moves, facts)
    month_figures = figures(month, *totals)
    reviews = _reviews(facts, first, last, cutoff, cal)
    report = MonthlyReport(
        figures=month_figures,
        cutoff=cutoff,
        calendar=cal.name,
        overdue_pending=reviews.overdue_count,
        overdue_pending_amount=reviews.overdue_amount,
        approval_rate=reviews.approved / reviews.decided if reviews.decided else None,
        median_review_days=statistics.median(reviews.days) if reviews.days else None,
        by_template=breakdown(facts, "template", first, last),
        by_customer=breakdown(facts, "customer_uin", first, last),
        by_usage=breakdown(facts, "usage", first, last),
        by_payment_mode=breakdown(facts, "payment_mode", first, last),
        expiring=expiring(facts, cutoff),
        trend=[figures(m, *totals) for m in previous_months(month, 12)],
        burndown=burndown(first, last, month_figures.opening_remaining, moves, facts),
        decided_count=reviews.decided,
        expiring_vouchers=_expiring_vouchers(facts, cutoff),
    )
    if not month_figures.reconciles:  # cannot happen when the facts are consistent
        report.notes.append("the month does not reconcile; run 'ledger verify'")
    return report
