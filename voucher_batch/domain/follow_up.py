"""After approval, in the monthly report: how approved vouchers are used, what is about to
expire unused, what expired unused, and which approved requests should have converted.

Pure: receives one `VoucherFact` per approved issuance (with what the console last said of
its voucher by the cutoff: syncs and deals of later business dates are left out) and the
report's cutoff date (the month's last day or the as-of date, whichever is earlier);
returns every figure the HTML, xlsx and JSON versions show.

- used: TotalAmount - RemainingAmount of the voucher's latest sync; a voucher never synced
  counts the sum of its recorded deals (0 without any).
- balance: RemainingAmount of the latest sync, else the approved amount less what is used.
- utilisation = used / approved amount, by template, customer and usage.
- expiring within 30/60/90 days (cumulative): vouchers still usable (not Used, Expired or
  Invalidated) with a balance, whose expiry falls after the cutoff and within the window.
- expired or invalidated unused: console status Expired or Invalidated with nothing used.
- conversion follow-up: approved requests whose estimated conversion date is on or before
  the cutoff, worst first (unused before used, then the larger estimated revenue, then the
  older date).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from operator import attrgetter
from typing import NamedTuple

WINDOWS = (30, 60, 90)
FINAL = frozenset({"Used", "Expired", "Invalidated"})


class VoucherFact(NamedTuple):
    """An approved issuance and what the console last said of its voucher (one per approved
    issuance: a named tuple, made several times faster than a frozen dataclass)."""

    issuance_id: str
    template: str
    usage: str
    customer_uin: str
    customer_name: str
    amount: int  # approved
    estimated_revenue: int
    estimated_conversion_date: date
    decided_on: date | None
    valid_until: date | None
    voucher_id: str | None
    console_status: str | None
    total: int | None  # as last synced
    remaining: int | None
    expires_on: date | None  # the console's, when synced
    deals_used: int

    @property
    def used(self) -> int:
        if self.total is not None and self.remaining is not None:
            return self.total - self.remaining
        return self.deals_used

    @property
    def balance(self) -> int:
        return self.remaining if self.remaining is not None else max(self.amount - self.used, 0)

    @property
    def expiry(self) -> date | None:
        return self.expires_on or self.valid_until


@dataclass(frozen=True)
class Utilisation:
    key: str
    approved: int
    used: int

    @property
    def ratio(self) -> float | None:
        return self.used / self.approved if self.approved else None

    # long on purpose: the JSON document, one key a line
    def as_json(self) -> dict[str, object]:
        ratio = self.ratio
        return {
            "key": self.key,
            "approved": self.approved,
            "used": self.used,
            "utilisation": None if ratio is None else round(ratio, 4),
        }


@dataclass(frozen=True)
class Expiring:
    within_days: int
    amount: int
    by_customer: list[tuple[str, int]]  # (customer uin, balance), largest first
    vouchers: list[VoucherFact]  # soonest first


@dataclass(frozen=True)
class FollowUp:
    cutoff: date
    approved: int
    used: int
    by_template: list[Utilisation]
    by_customer: list[Utilisation]
    by_usage: list[Utilisation]
    expiring: list[Expiring]
    expired_unused: list[VoucherFact]
    conversion: list[VoucherFact]

    def as_json(self) -> dict[str, object]:
        """The keys `report monthly --json` adds to the contract keys."""
        return {
            "approved_amount": self.approved,
            "used_amount": self.used,
            "utilisation": round(self.used / self.approved, 4) if self.approved else None,
            "utilisation_by_template": [u.as_json() for u in self.by_template],
            "utilisation_by_customer": [u.as_json() for u in self.by_customer],
            "utilisation_by_usage": [u.as_json() for u in self.by_usage],
            "unused_expiring": [
                {
                    "within_days": e.within_days,
                    "amount": e.amount,
                    "by_customer": [{"customer_uin": c, "amount": a} for c, a in e.by_customer],
                    "vouchers": [
                        {
                            "issuance_id": v.issuance_id,
                            "voucher_id": v.voucher_id,
                            "customer_uin": v.customer_uin,
                            "expires_on": _iso(v.expiry),
                            "balance": v.balance,
                        }
                        for v in e.vouchers
                    ],
                }
                for e in self.expiring
            ],
            "expired_unused": [
                {
                    "issuance_id": v.issuance_id,
                    "voucher_id": v.voucher_id,
                    "customer_uin": v.customer_uin,
                    "console_status": v.console_status,
                    "amount": v.amount,
                }
                for v in self.expired_unused
            ],
            "conversion_follow_up": [
                {
                    "issuance_id": v.issuance_id,
                    "customer_uin": v.customer_uin,
                    "template": v.template,
                    "estimated_conversion_date": v.estimated_conversion_date.isoformat(),
                    "estimated_revenue": v.estimated_revenue,
                    "voucher_amount": v.amount,
                    "used_amount": v.used,
                    "used": v.used > 0,
                }
                for v in self.conversion
            ],
        }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _utilisation(facts: Sequence[VoucherFact], field: str) -> list[Utilisation]:
    approved: dict[str, int] = defaultdict(int)
    used: dict[str, int] = defaultdict(int)
    get = attrgetter(field)
    for f in facts:
        key = get(f)
        key = key if type(key) is str else str(key)
        approved[key] += f.amount
        used[key] += f.used
    rows = [Utilisation(k, approved[k], used[k]) for k in approved]
    return sorted(rows, key=lambda u: (-u.approved, u.key))


def _expiring(facts: Sequence[VoucherFact], cutoff: date, within: int) -> Expiring:
    end = cutoff + timedelta(days=within)
    found = [  # the date first: most vouchers expire outside the window
        f
        for f in facts
        if (expiry := f.expiry) is not None
        and cutoff < expiry <= end
        and f.console_status not in FINAL
        and f.balance > 0
    ]
    found.sort(key=lambda f: (f.expiry or end, f.issuance_id))
    by_customer: dict[str, int] = defaultdict(int)
    for f in found:
        by_customer[f.customer_uin] += f.balance
    ranked = sorted(by_customer.items(), key=lambda kv: (-kv[1], kv[0]))
    return Expiring(within, sum(f.balance for f in found), ranked, found)


def follow_up(facts: Sequence[VoucherFact], cutoff: date) -> FollowUp:
    """Every after-approval figure of the report, for issuances approved by `cutoff`."""
    approved = [f for f in facts if f.decided_on is not None and f.decided_on <= cutoff]
    expired = [
        f for f in approved if f.console_status in ("Expired", "Invalidated") and f.used == 0
    ]
    due = [f for f in approved if f.estimated_conversion_date <= cutoff]
    due.sort(key=lambda f: (f.used > 0, -f.estimated_revenue, f.estimated_conversion_date))
    widest = _expiring(approved, cutoff, max(WINDOWS)).vouchers
    return FollowUp(
        cutoff=cutoff,
        approved=sum(f.amount for f in approved),
        used=sum(f.used for f in approved),
        by_template=_utilisation(approved, "template"),
        by_customer=_utilisation(approved, "customer_uin"),
        by_usage=_utilisation(approved, "usage"),
        # the windows are nested: the widest one's vouchers are found once, the others
        # are among them
        expiring=[_expiring(widest, cutoff, w) for w in WINDOWS],
        expired_unused=sorted(expired, key=lambda f: (-f.amount, f.issuance_id)),
        conversion=due,
    )
