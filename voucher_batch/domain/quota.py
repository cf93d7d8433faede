"""Quota arithmetic (R1-R3, R14, R16): the balance, the checks on grants and reclaims, the
business-date order of the quota, and the ceiling on every stored sum.

R14: the remaining quota is a function of the business date. Each entry changes it from its
own date on (a grant or reclaim from its date, a request from its requested-on date, a
rejection from its decision date), so an entry dated before others must leave the remaining
quota at or above zero on its own date and on every later recorded date. `DayLimit` is the
smallest remaining quota from a date on and the day that sets it.

R16: every stored sum (granted, reclaimed, requested amounts, estimated revenue) stays at or
below `SUM_MAX`, far inside what SQLite and PostgreSQL integers hold, so no total can overflow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .vocabulary import QuotaChangeKind

SUM_MAX = 10**15  # R16: the ceiling on every stored sum
SUM_MAX_TEXT = "10^15 (1,000,000,000,000,000)"


@dataclass(frozen=True)
class Balance:
    """Quota and what is issued against it; rejected is informational (R2, R3)."""

    quota: int
    pending: int
    approved: int
    rejected: int

    @property
    def issued(self) -> int:
        return self.pending + self.approved

    @property
    def remaining(self) -> int:
        return self.quota - self.issued

    def as_dict(self) -> dict[str, int]:
        return {
            "quota": self.quota,
            "pending": self.pending,
            "approved": self.approved,
            "rejected": self.rejected,
            "issued": self.issued,
            "remaining": self.remaining,
        }


@dataclass(frozen=True)
class Totals:
    """The ledger's stored sums that R16 caps."""

    granted: int = 0
    reclaimed: int = 0
    requested: int = 0  # every issuance's amount, rejected ones included
    revenue: int = 0  # every issuance's estimated revenue


@dataclass(frozen=True)
class DayLimit:
    """The smallest remaining quota on a business date or any later recorded date (R14)."""

    available: int
    day: date  # the first day on which the remaining quota is `available`
    on_date: int  # the remaining quota on the business date itself

    def after(self, amount: int) -> DayLimit:
        """The limit once `amount` more is reserved from the business date on."""
        return DayLimit(self.available - amount, self.day, self.on_date - amount)

    def shortfall(self, business_date: date) -> str:
        """Why `available` is smaller than it may look, for refusal messages."""
        when = business_date.isoformat()
        if self.day == business_date:
            return (
                f"the remaining quota on {when} is {self.available:,} (quota granted or "
                f"returned after {when} does not count before its date)"
            )
        return (
            f"the remaining quota on {self.day.isoformat()} is {self.available:,} "
            f"(on {when} it is {self.on_date:,}; entries dated after {when} already use the rest)"
        )


def limit_from(deltas: Iterable[tuple[date, int]], day: date) -> DayLimit:
    """The R14 limit on `day`, from the remaining quota's changes by business date.

    `deltas` holds (business date, change of the remaining quota) pairs in any order.
    """
    by_day: dict[date, int] = {}
    for when, delta in deltas:
        by_day[when] = by_day.get(when, 0) + delta
    on_date = sum(delta for when, delta in by_day.items() if when <= day)
    best, best_day, running = on_date, day, on_date
    for when in sorted(d for d in by_day if d > day):
        running += by_day[when]
        if running < best:
            best, best_day = running, when
    return DayLimit(best, best_day, on_date)


def negative_days(deltas: Iterable[tuple[date, int]]) -> list[tuple[date, int]]:
    """The business dates on which the remaining quota would be below zero (R2, R14)."""
    by_day: dict[date, int] = {}
    for when, delta in deltas:
        by_day[when] = by_day.get(when, 0) + delta
    out, running = [], 0
    for when in sorted(by_day):
        running += by_day[when]
        if running < 0:
            out.append((when, running))
    return out


class QuotaRuleError(ValueError):
    """A quota change that R1, R14 or R16 forbids; the message is a sentence for the user."""


def check_change(
    balance: Balance,
    kind: str,
    amount: int,
    limit: DayLimit | None = None,
    totals: Totals | None = None,
    business_date: date | None = None,
) -> Balance:
    """Return the balance after a grant or reclaim, or raise if R1, R14 or R16 forbids it.

    `limit` is the R14 limit on the change's business date (None: the current balance only).
    """
    if amount <= 0:
        raise QuotaRuleError(f"the amount must be a positive whole number, not {amount} (R1)")
    totals = totals or Totals()
    if kind == QuotaChangeKind.GRANT:
        if totals.granted + amount > SUM_MAX:
            raise QuotaRuleError(
                f"cannot grant {amount:,}: the quota ever granted would pass {SUM_MAX_TEXT}, "
                "the most the ledger holds (R16)"
            )
        return Balance(balance.quota + amount, balance.pending, balance.approved, balance.rejected)
    if kind != QuotaChangeKind.RECLAIM:
        raise QuotaRuleError(f"unknown quota change {kind!r}")
    if amount > balance.remaining:
        raise QuotaRuleError(
            f"cannot reclaim {amount:,}: only {balance.remaining:,} of the quota "
            f"{balance.quota:,} is not issued, and the quota may not go below what is "
            f"issued ({balance.issued:,}) (R1)"
        )
    if limit is not None and business_date is not None and amount > limit.available:
        raise QuotaRuleError(
            f"cannot reclaim {amount:,} on {business_date.isoformat()}: "
            f"{limit.shortfall(business_date)}, and the quota may not go below what is issued "
            "on any day (R1, R14)"
        )
    return Balance(balance.quota - amount, balance.pending, balance.approved, balance.rejected)
