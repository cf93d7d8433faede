"""The figures of a monthly report, each from the plain facts: amounts by business month
and the month's reconciled figures, the breakdowns by template, customer, usage and payment
mode, vouchers expiring after the cutoff and the day-by-day burn-down of the remaining quota.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from .months import Month, month_of, previous_months
from .report_records import Breakdown, BurnPoint, IssuanceFact, MonthFigures, QuotaMove
from .vocabulary import QuotaChangeKind, quota_delta


class Totals:
    """Amounts per month key, and sums over every month up to one."""

    def __init__(self) -> None:
        self.by_month: dict[Month, int] = defaultdict(int)

    def add(self, month: Month, amount: int) -> None:
        self.by_month[month] += amount

    def upto(self, month: Month) -> int:
        return sum(v for k, v in self.by_month.items() if k <= month)

    def at(self, month: Month) -> int:
        return self.by_month.get(month, 0)


def figures(
    month: Month,
    granted: Totals,
    reclaimed: Totals,
    requested: Totals,
    approved: Totals,
    rejected: Totals,
) -> MonthFigures:
    before = previous_months(month, 2)[0]
    quota_before = granted.upto(before) - reclaimed.upto(before)
    quota_end = granted.upto(month) - reclaimed.upto(month)
    issued_before = requested.upto(before) - rejected.upto(before)
    issued_end = requested.upto(month) - rejected.upto(month)
    decided_end = approved.upto(month) + rejected.upto(month)
    return MonthFigures(
        month=f"{month[0]:04d}-{month[1]:02d}",
        opening_quota=quota_before,
        granted=granted.at(month),
        reclaimed=reclaimed.at(month),
        closing_quota=quota_end,
        requested=requested.at(month),
        approved=approved.at(month),
        rejected=rejected.at(month),
        pending_end=requested.upto(month) - decided_end,
        opening_remaining=quota_before - issued_before,
        closing_remaining=quota_end - issued_end,
    )


def breakdown(facts: Iterable[IssuanceFact], key: str, first: date, last: date) -> list[Breakdown]:
    rows: dict[str, Breakdown] = {}
    for f in facts:
        name = str(getattr(f, key))
        if key == "customer_uin" and f.customer_name:
            name = f"{f.customer_name} ({f.customer_uin})"
        in_month = first <= f.requested_on <= last
        decided = f.decided_on is not None and first <= f.decided_on <= last
        if not (in_month or decided):
            continue
        row = rows.setdefault(name, Breakdown(name))
        if in_month:
            row.requests += 1
            row.requested += f.amount
            row.estimated_revenue += f.estimated_revenue
        if decided and f.status == "approved":
            row.approved += f.amount
        if decided and f.status == "rejected":
            row.rejected += f.amount
    return sorted(rows.values(), key=lambda r: (-r.requested, -r.approved, r.key))


def month_totals(
    moves: Sequence[QuotaMove], facts: Sequence[IssuanceFact]
) -> tuple[Totals, Totals, Totals, Totals, Totals]:
    """Granted, reclaimed, requested, approved and rejected amounts by business month."""
    granted, reclaimed, requested, approved, rejected = (Totals() for _ in range(5))
    for m in moves:
        (granted if m.kind == QuotaChangeKind.GRANT else reclaimed).add(month_of(m.day), m.amount)
    for f in facts:
        requested.add(month_of(f.requested_on), f.amount)
        if f.decided_on is not None and f.status == "approved":
            approved.add(month_of(f.decided_on), f.amount)
        if f.decided_on is not None and f.status == "rejected":
            rejected.add(month_of(f.decided_on), f.amount)
    return granted, reclaimed, requested, approved, rejected


def expiring(facts: Sequence[IssuanceFact], cutoff: date) -> list[tuple[int, int, int]]:
    """(days, count, amount): approved vouchers whose validity ends within 30, 60, 90 days."""
    expiring = {30: [0, 0], 60: [0, 0], 90: [0, 0]}
    for f in facts:
        if (
            f.status == "approved"
            and f.valid_until is not None
            and f.decided_on is not None
            and f.decided_on <= cutoff
        ):
            for within, bucket in expiring.items():
                if cutoff < f.valid_until <= cutoff + timedelta(days=within):
                    bucket[0] += 1
                    bucket[1] += f.amount
    return [(d, v[0], v[1]) for d, v in expiring.items()]


def burndown(
    first: date,
    last: date,
    opening_remaining: int,
    moves: Sequence[QuotaMove],
    facts: Sequence[IssuanceFact],
) -> list[BurnPoint]:
    delta: dict[date, int] = defaultdict(int)
    grants: dict[date, int] = defaultdict(int)
    reclaims: dict[date, int] = defaultdict(int)
    for m in moves:
        if first <= m.day <= last:
            delta[m.day] += quota_delta(m.kind, m.amount)
            (grants if m.kind == QuotaChangeKind.GRANT else reclaims)[m.day] += m.amount
    for f in facts:
        if first <= f.requested_on <= last:
            delta[f.requested_on] -= f.amount
        if f.status == "rejected" and f.decided_on and first <= f.decided_on <= last:
            delta[f.decided_on] += f.amount
    points, remaining = [], opening_remaining
    for n in range((last - first).days + 1):  # no date past `last`: 9999-12-31 is the end
        day = first + timedelta(days=n)
        remaining += delta.get(day, 0)
        points.append(BurnPoint(day, remaining, grants.get(day, 0), reclaims.get(day, 0)))
    return points
