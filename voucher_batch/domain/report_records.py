"""The shapes of the monthly quota report: the plain facts it is computed from (quota moves,
issuances as the figures count them) and every figure it returns (the month reconciled,
breakdowns, the burn-down, vouchers about to expire), with the JSON the report prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple


@dataclass(frozen=True)
class QuotaMove:
    day: date
    kind: str  # grant | reclaim
    amount: int


class IssuanceFact(NamedTuple):
    """An issuance as the monthly figures count it: flattened with its customer's name and
    its template's labels, and its final status and dates (a projection of `Issuance`
    joined with what the report shows beside it). A named tuple: a report reads one per
    issuance of the ledger, and a tuple is made several times faster than a frozen
    dataclass."""

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
