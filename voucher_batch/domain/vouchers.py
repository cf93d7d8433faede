"""After approval: the console's vouchers as plain values, and what every rule on them shares.

The rules live beside this module: `linking` (link, and a voucher named in the review
workbook) and `console_sync` (sync, usage). Three use cases decide rows of console exports
against what the ledger holds:
- **link** matches an approved, unlinked issuance to a voucher of a voucher-list export by
  customer UIN, amount and validity dates (or by the issuance the row names); a link is
  recorded once, an ambiguous match or a conflicting second link is refused;
- **sync** keeps an append-only snapshot of each voucher's status and remaining amount;
  status only moves forward (`Issued` -> `Used` | `Expired` | `Invalidated`); differences
  from the ledger (customer, amount, validity) are flagged, never corrected;
- **usage** records each deal once, keyed by (VoucherId, BillId); the used amount of a
  voucher is the sum of its deals, checked against TotalAmount - RemainingAmount.

Nothing here changes a quota figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from .problems import Code, Problem


class VoucherStatus(StrEnum):
    """The console's VoucherStatus codes (API 2022-09-28)."""

    ISSUED = "Issued"
    USED = "Used"
    EXPIRED = "Expired"
    INVALIDATED = "Invalidated"


# a status may only move to one of higher rank (Used, Expired, Invalidated are final)
STATUS_RANK = {
    VoucherStatus.ISSUED: 0,
    VoucherStatus.USED: 1,
    VoucherStatus.EXPIRED: 1,
    VoucherStatus.INVALIDATED: 1,
}


class LinkDecision(StrEnum):
    LINKED = "Linked"
    UNCHANGED = "Unchanged"
    NO_MATCH = "No match"
    REFUSED = "Refused"


class SyncDecision(StrEnum):
    UPDATED = "Updated"
    UNCHANGED = "Unchanged"
    UNKNOWN_VOUCHER = "Unknown voucher"
    REFUSED = "Refused"


class UsageDecision(StrEnum):
    RECORDED = "Recorded"
    UNCHANGED = "Unchanged"
    REFUSED = "Refused"


@dataclass(frozen=True)
class ConsoleVoucher:
    """One row of a voucher-list export, typed (None where the cell was refused)."""

    row: int
    voucher_id: str
    customer_uin: str
    status: VoucherStatus
    total: int
    remaining: int
    effective_on: date | None
    expires_on: date | None
    issuance_id: str | None = None  # the issuance a link file names for this voucher


@dataclass(frozen=True)
class Snapshot:
    """What the ledger last recorded of a voucher."""

    voucher_id: str
    customer_uin: str
    status: VoucherStatus
    total: int
    remaining: int
    effective_on: date | None
    expires_on: date | None


@dataclass(frozen=True)
class Approved:
    """An approved issuance, with the voucher linked to it (if any)."""

    issuance_id: str
    customer_uin: str
    amount: int
    valid_from: date | None
    valid_until: date | None
    voucher_id: str | None


@dataclass(frozen=True)
class Deal:
    """One row of a usage-details export."""

    row: int
    voucher_id: str
    bill_id: str
    deal_name: str
    amount: int
    pay_mode: str
    product_code: str
    product_name: str
    pay_time: datetime | None
    owner_uin: str


@dataclass
class RowDecision:
    """A row's decision, why (for a refusal), and what a person should look at (flags)."""

    row: int
    decision: str
    problems: list[Problem] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    issuance_id: str | None = None

    @property
    def refused(self) -> bool:
        return self.decision == "Refused"

    @property
    def reason(self) -> str:
        return "; ".join(p.message for p in self.problems)


def refuse(
    sheet: str, row: int, column: str | None, value: object, code: Code, text: str
) -> RowDecision:
    return RowDecision(row, "Refused", [Problem(sheet, row, column, value, code, text)])


def validity_problem(sheet: str, v: ConsoleVoucher) -> RowDecision | None:
    if v.effective_on and v.expires_on and v.expires_on < v.effective_on:
        return refuse(
            sheet,
            v.row,
            "Expire Time",
            v.expires_on.isoformat(),
            Code.VALIDITY_ORDER,
            f"the voucher expires ({v.expires_on}) before it takes effect ({v.effective_on})",
        )
    return None
