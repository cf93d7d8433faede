"""The monthly quota report: figures by business date, reconciled, with breakdowns.

Pure: receives the ledger's quota moves and issuances as plain facts and a business
calendar, returns every figure the HTML, xlsx and JSON versions show. Months are by
business date (`--as-of` at the time of entry), never by the real time of recording.

Identity (checked, and shown in the report):
closing_remaining = opening_remaining + granted - reclaimed - requested + rejected.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from .business_days import BusinessCalendar
from .months import Month, month_bounds, month_of, previous_months
from .vocabulary import QuotaChangeKind, quota_delta


@dataclass(frozen=True)
class QuotaMove:
    day: date
    kind: str  # grant | reclaim
    amount: int


@dataclass(frozen=True)
class IssuanceFact:
    """An issuance as the monthly figures count it: flattened with its customer's name and
    its template's labels, and its final status and dates (a projection of `Issuance`
    joined with what the report shows beside it)."""

    issuance_id: str
    template: str
    usage: str
    payment_mode: str
    customer_uin: str
    customer_name: str
    amount: int
    estimated_revenue: int
    requested_on: date
    status: str  # final: pending | approved | rejected
    decided_on: date | None
    valid_until: date | None


@dataclass
class MonthFigures:
    month: str
    opening_quota: int
    granted: int
    reclaimed: int
    closing_quota: int
    requested: int
    approved: int
    rejected: int
    pending_end: int
    opening_remaining: int
    closing_remaining: int

    @property
    def reconciles(self) -> bool:
        return self.closing_remaining == (
            self.opening_remaining + self.granted - self.reclaimed - self.requested + self.rejected
        )


@dataclass
class Breakdown:
    key: str
    requests: int = 0
    requested: int = 0
    approved: int = 0
    rejected: int = 0
    estimated_revenue: int = 0

    @property
    def revenue_ratio(self) -> float | None:
        return self.estimated_revenue / self.requested if self.requested else None


class BurnPoint(NamedTuple):
    """One day of the burn-down: the remaining quota at its end, the quota granted and
    reclaimed that day."""

    day: date
    remaining: int
    granted: int
    reclaimed: int


class ExpiringVoucher(NamedTuple):
    """An approved voucher whose validity ends within the report's longest horizon."""

    valid_until: date
    customer_uin: str
    customer_name: str
    template: str
    amount: int
    issuance_id: str


EXPIRY_HORIZONS = (30, 60, 90)  # days after the cutoff


@dataclass
class MonthlyReport:
    figures: MonthFigures
    cutoff: date
    calendar: str
    overdue_pending: int
    overdue_pending_amount: int
    approval_rate: float | None
    median_review_days: float | None
    by_template: list[Breakdown]
    by_customer: list[Breakdown]
    by_usage: list[Breakdown]
    by_payment_mode: list[Breakdown]
    expiring: list[tuple[int, int, int]]  # (within days, vouchers, amount)
    trend: list[MonthFigures]
    burndown: list[BurnPoint]
    decided_count: int = 0
    # every voucher counted in `expiring`, soonest first
    expiring_vouchers: list[ExpiringVoucher] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        f = self.figures
        return {
            "month": f.month,
            "opening_quota": f.opening_quota,
            "granted": f.granted,
            "reclaimed": f.reclaimed,
            "closing_quota": f.closing_quota,
            "requested": f.requested,
            "approved": f.approved,
            "rejected": f.rejected,
            "pending_end": f.pending_end,
            "overdue_pending": self.overdue_pending,
            "overdue_pending_amount": self.overdue_pending_amount,
            "opening_remaining": f.opening_remaining,
            "closing_remaining": f.closing_remaining,
            "reconciled": f.reconciles,
            "approval_rate": self.approval_rate,
            "median_review_business_days": self.median_review_days,
            "calendar": self.calendar,
        }


class _Totals:
    """Amounts per month key, and sums over every month up to one."""

    def __init__(self) -> None:
        self.by_month: dict[Month, int] = defaultdict(int)

    def add(self, month: Month, amount: int) -> None:
        self.by_month[month] += amount

    def upto(self, month: Month) -> int:
        return sum(v for k, v in self.by_month.items() if k <= month)

    def at(self, month: Month) -> int:
        return self.by_month.get(month, 0)


def _figures(
    month: Month,
    granted: _Totals,
    reclaimed: _Totals,
    requested: _Totals,
    approved: _Totals,
    rejected: _Totals,
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


def _breakdown(facts: Iterable[IssuanceFact], key: str, first: date, last: date) -> list[Breakdown]:
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


def _month_totals(
    moves: Sequence[QuotaMove], facts: Sequence[IssuanceFact]
) -> tuple[_Totals, _Totals, _Totals, _Totals, _Totals]:
    """Granted, reclaimed, requested, approved and rejected amounts by business month."""
    granted, reclaimed, requested, approved, rejected = (_Totals() for _ in range(5))
    for m in moves:
        (granted if m.kind == QuotaChangeKind.GRANT else reclaimed).add(month_of(m.day), m.amount)
    for f in facts:
        requested.add(month_of(f.requested_on), f.amount)
        if f.decided_on is not None and f.status == "approved":
            approved.add(month_of(f.decided_on), f.amount)
        if f.decided_on is not None and f.status == "rejected":
            rejected.add(month_of(f.decided_on), f.amount)
    return granted, reclaimed, requested, approved, rejected


def _expiring(facts: Sequence[IssuanceFact], cutoff: date) -> list[tuple[int, int, int]]:
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


def monthly_report(
    month: Month,
    as_of: date,
    moves: Sequence[QuotaMove],
    facts: Sequence[IssuanceFact],
    cal: BusinessCalendar,
) -> MonthlyReport:
    first, last = month_bounds(month)
    cutoff = min(last, as_of)
    totals = _month_totals(moves, facts)
    figures = _figures(month, *totals)
    trend = [_figures(m, *totals) for m in previous_months(month, 12)]

    overdue_count = overdue_amount = 0
    review_days: list[int] = []
    decided = approved_count = 0
    expiring = {within: [0, 0] for within in EXPIRY_HORIZONS}
    expiring_vouchers: list[ExpiringVoucher] = []
    for f in facts:
        pending_at_cutoff = f.requested_on <= cutoff and (
            f.decided_on is None or f.decided_on > cutoff
        )
        if pending_at_cutoff and cal.overdue(f.requested_on, cutoff):
            overdue_count += 1
            overdue_amount += f.amount
        if f.decided_on is not None and first <= f.decided_on <= last:
            decided += 1
            approved_count += f.status == "approved"
            review_days.append(cal.days_between(f.requested_on, f.decided_on))
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
            if cutoff < f.valid_until <= cutoff + timedelta(days=max(EXPIRY_HORIZONS)):
                expiring_vouchers.append(
                    ExpiringVoucher(
                        f.valid_until,
                        f.customer_uin,
                        f.customer_name,
                        f.template,
                        f.amount,
                        f.issuance_id,
                    )
                )

    burndown = _burndown(first, last, figures.opening_remaining, moves, facts)
    report = MonthlyReport(
        figures=figures,
        cutoff=cutoff,
        calendar=cal.name,
        overdue_pending=overdue_count,
        overdue_pending_amount=overdue_amount,
        approval_rate=approved_count / decided if decided else None,
        median_review_days=statistics.median(review_days) if review_days else None,
        by_template=_breakdown(facts, "template", first, last),
        by_customer=_breakdown(facts, "customer_uin", first, last),
        by_usage=_breakdown(facts, "usage", first, last),
        by_payment_mode=_breakdown(facts, "payment_mode", first, last),
        expiring=_expiring(facts, cutoff),
        trend=trend,
        burndown=burndown,
        decided_count=decided,
        expiring_vouchers=sorted(expiring_vouchers),
    )
    if not figures.reconciles:  # cannot happen when the facts are consistent
        report.notes.append("the month does not reconcile; run 'ledger verify'")
    return report


def _burndown(
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
