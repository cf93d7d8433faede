"""After approval: the console's vouchers as pure rules over plain values.

Three use cases decide rows of console exports against what the ledger holds:
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

from collections.abc import Iterable, Mapping, Sequence
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


def _refuse(
    sheet: str, row: int, column: str | None, value: object, code: Code, text: str
) -> RowDecision:
    return RowDecision(row, "Refused", [Problem(sheet, row, column, value, code, text)])


def _validity_problem(sheet: str, v: ConsoleVoucher) -> RowDecision | None:
    if v.effective_on and v.expires_on and v.expires_on < v.effective_on:
        return _refuse(
            sheet,
            v.row,
            "Expire Time",
            v.expires_on.isoformat(),
            Code.VALIDITY_ORDER,
            f"the voucher expires ({v.expires_on}) before it takes effect ({v.effective_on})",
        )
    return None


# ---- link -----------------------------------------------------------------------------------


@dataclass
class LinkOutcome:
    decisions: list[RowDecision]
    new_links: list[tuple[str, str]]  # (issuance_id, voucher_id)


def _matches(v: ConsoleVoucher, a: Approved) -> bool:
    return (
        a.customer_uin == v.customer_uin
        and a.amount == v.total
        and a.valid_from == v.effective_on
        and a.valid_until == v.expires_on
    )


def decide_links(
    sheet: str, rows: Sequence[ConsoleVoucher], approved: Sequence[Approved]
) -> LinkOutcome:
    """Link each voucher to one approved issuance; rows in sheet order (R8)."""
    by_issuance = {a.issuance_id: a for a in approved}
    linked_to = {a.voucher_id: a.issuance_id for a in approved if a.voucher_id}
    out = LinkOutcome([], [])
    for v in rows:
        decision = _validity_problem(sheet, v) or _link_one(sheet, v, by_issuance, linked_to)
        if decision.decision == LinkDecision.LINKED:
            assert decision.issuance_id is not None
            linked_to[v.voucher_id] = decision.issuance_id
            a = by_issuance[decision.issuance_id]
            by_issuance[a.issuance_id] = Approved(
                a.issuance_id, a.customer_uin, a.amount, a.valid_from, a.valid_until, v.voucher_id
            )
            out.new_links.append((decision.issuance_id, v.voucher_id))
        out.decisions.append(decision)
    return out


def _link_one(
    sheet: str, v: ConsoleVoucher, by_issuance: Mapping[str, Approved], linked_to: Mapping[str, str]
) -> RowDecision:
    current = linked_to.get(v.voucher_id)
    if v.issuance_id is not None:
        named = by_issuance.get(v.issuance_id)
        if named is None:
            return _refuse(
                sheet,
                v.row,
                "Issuance ID",
                v.issuance_id,
                Code.UNKNOWN_ISSUANCE,
                f"{v.issuance_id} is not an approved issuance of this ledger",
            )
        if current == named.issuance_id:
            return RowDecision(v.row, LinkDecision.UNCHANGED, issuance_id=current)
        if current is not None:
            return _conflict_voucher(sheet, v, current)
        if named.voucher_id is not None:
            return _refuse(
                sheet,
                v.row,
                "Voucher ID",
                v.voucher_id,
                Code.LINK_CONFLICT,
                f"{named.issuance_id} is already linked to voucher {named.voucher_id}; a link "
                "is recorded once",
            )
        return RowDecision(v.row, LinkDecision.LINKED, issuance_id=named.issuance_id)
    if current is not None:
        return RowDecision(v.row, LinkDecision.UNCHANGED, issuance_id=current)
    candidates = sorted(
        a.issuance_id for a in by_issuance.values() if a.voucher_id is None and _matches(v, a)
    )
    if len(candidates) > 1:
        return _refuse(
            sheet,
            v.row,
            "Voucher ID",
            v.voucher_id,
            Code.AMBIGUOUS_MATCH,
            f"voucher {v.voucher_id} matches {len(candidates)} approved issuances "
            f"({', '.join(candidates)}) by customer, amount and validity; name one in an "
            "Issuance ID column",
        )
    if not candidates:
        return RowDecision(
            v.row,
            LinkDecision.NO_MATCH,
            flags=["no approved, unlinked issuance has this customer, amount and validity"],
        )
    return RowDecision(v.row, LinkDecision.LINKED, issuance_id=candidates[0])


def _conflict_voucher(sheet: str, v: ConsoleVoucher, current: str) -> RowDecision:
    return _refuse(
        sheet,
        v.row,
        "Voucher ID",
        v.voucher_id,
        Code.LINK_CONFLICT,
        f"voucher {v.voucher_id} is already linked to {current}; a link is recorded once",
    )


# ---- sync -----------------------------------------------------------------------------------


@dataclass
class SyncOutcome:
    decisions: list[RowDecision]
    new_snapshots: list[Snapshot]


def snapshot_of(v: ConsoleVoucher) -> Snapshot:
    return Snapshot(
        v.voucher_id, v.customer_uin, v.status, v.total, v.remaining, v.effective_on, v.expires_on
    )


def differences(v: ConsoleVoucher, a: Approved) -> list[str]:
    """What the console says of a linked voucher that the ledger says otherwise."""
    found = []
    if v.customer_uin != a.customer_uin:
        found.append(f"customer {v.customer_uin}, the ledger has {a.customer_uin}")
    if v.total != a.amount:
        found.append(f"amount {v.total:,}, the ledger has {a.amount:,}")
    if v.effective_on != a.valid_from or v.expires_on != a.valid_until:
        found.append(
            f"validity {_day(v.effective_on)} to {_day(v.expires_on)}, the ledger has "
            f"{_day(a.valid_from)} to {_day(a.valid_until)}"
        )
    return found


def _day(d: date | None) -> str:
    return d.isoformat() if d else "-"


def decide_sync(
    sheet: str,
    rows: Sequence[ConsoleVoucher],
    latest: Mapping[str, Snapshot],
    linked: Mapping[str, Approved],
) -> SyncOutcome:
    """Decide each voucher row against its latest snapshot and its linked issuance."""
    latest = dict(latest)
    seen: dict[str, int] = {}
    out = SyncOutcome([], [])
    for v in rows:
        if v.voucher_id in seen:
            out.decisions.append(
                _refuse(
                    sheet,
                    v.row,
                    "Voucher ID",
                    v.voucher_id,
                    Code.DUPLICATE_IN_FILE,
                    f"voucher {v.voucher_id} is already on row {seen[v.voucher_id]} of this sheet",
                )
            )
            continue
        seen[v.voucher_id] = v.row
        decision = _validity_problem(sheet, v) or _sync_one(
            sheet, v, latest.get(v.voucher_id), linked.get(v.voucher_id)
        )
        if decision.decision in (SyncDecision.UPDATED, SyncDecision.UNKNOWN_VOUCHER):
            snap = snapshot_of(v)
            if latest.get(v.voucher_id) != snap:
                out.new_snapshots.append(snap)
                latest[v.voucher_id] = snap
        out.decisions.append(decision)
    return out


def _sync_one(
    sheet: str, v: ConsoleVoucher, last: Snapshot | None, issuance: Approved | None
) -> RowDecision:
    if v.remaining > v.total:
        return _refuse(
            sheet,
            v.row,
            "Remaining Amount",
            v.remaining,
            Code.REMAINING_ABOVE_TOTAL,
            f"the remaining amount {v.remaining:,} is more than the total {v.total:,}",
        )
    if last is not None and STATUS_RANK[v.status] < STATUS_RANK[last.status]:
        return _refuse(
            sheet,
            v.row,
            "Voucher Status",
            v.status.value,
            Code.STATUS_BACKWARDS,
            f"status {v.status.value} would move voucher {v.voucher_id} back from "
            f"{last.status.value}; a status only moves forward (Issued -> Used, Expired, "
            "Invalidated)",
        )
    if last is not None and last.status != v.status and STATUS_RANK[last.status] == 1:
        return _refuse(
            sheet,
            v.row,
            "Voucher Status",
            v.status.value,
            Code.STATUS_BACKWARDS,
            f"voucher {v.voucher_id} is already {last.status.value}, a final status",
        )
    flags = differences(v, issuance) if issuance is not None else []
    iss = issuance.issuance_id if issuance is not None else None
    if last == snapshot_of(v):
        return RowDecision(v.row, SyncDecision.UNCHANGED, flags=flags, issuance_id=iss)
    if issuance is None and last is None:
        flags = ["not issued through this ledger (no linked issuance); kept"]
        return RowDecision(v.row, SyncDecision.UNKNOWN_VOUCHER, flags=flags)
    if issuance is None:
        flags = ["not issued through this ledger (no linked issuance); kept"]
    return RowDecision(v.row, SyncDecision.UPDATED, flags=flags, issuance_id=iss)


# ---- usage ----------------------------------------------------------------------------------


@dataclass
class UsageOutcome:
    decisions: list[RowDecision]
    new_deals: list[Deal]


def decide_usage(
    sheet: str,
    rows: Sequence[Deal],
    recorded: Mapping[tuple[str, str], int],
    known_vouchers: Iterable[str],
) -> UsageOutcome:
    """Record each deal once by (VoucherId, BillId); the same key with another amount is
    refused."""
    amounts = dict(recorded)
    known = set(known_vouchers)
    out = UsageOutcome([], [])
    for d in rows:
        key = (d.voucher_id, d.bill_id)
        flags = (
            [] if d.voucher_id in known else [f"voucher {d.voucher_id} is not known to this ledger"]
        )
        if key in amounts:
            if amounts[key] == d.amount:
                out.decisions.append(RowDecision(d.row, UsageDecision.UNCHANGED, flags=flags))
            else:
                out.decisions.append(
                    _refuse(
                        sheet,
                        d.row,
                        "Amount",
                        d.amount,
                        Code.DEAL_CONFLICT,
                        f"bill {d.bill_id} of voucher {d.voucher_id} is recorded with amount "
                        f"{amounts[key]:,}, not {d.amount:,}; a deal is recorded once",
                    )
                )
            continue
        amounts[key] = d.amount
        out.new_deals.append(d)
        out.decisions.append(RowDecision(d.row, UsageDecision.RECORDED, flags=flags))
    return out


@dataclass(frozen=True)
class UsageCheck:
    """A voucher's used amount by its deals against what its latest sync says."""

    voucher_id: str
    deals_used: int
    console_used: (
        int | None
    )  # TotalAmount - RemainingAmount of the latest sync (None: never synced)

    @property
    def matches(self) -> bool:
        return self.console_used is not None and self.console_used == self.deals_used


def usage_checks(
    deals: Mapping[str, int], latest: Mapping[str, Snapshot], vouchers: Iterable[str]
) -> list[UsageCheck]:
    """For each of `vouchers`: the sum of its deals and the used amount its latest sync shows."""
    out = []
    for vid in sorted(set(vouchers)):
        snap = latest.get(vid)
        console = snap.total - snap.remaining if snap is not None else None
        out.append(UsageCheck(vid, deals.get(vid, 0), console))
    return out


# ---- a voucher named in the review workbook ---------------------------------------------------


@dataclass(frozen=True)
class ReviewLinkRow:
    """What a Review row says of its voucher."""

    sheet: str
    row: int
    issuance_id: str | None
    approve: bool  # the row's Decision is Approve
    voucher_id: str | None


def review_link_problems(
    rows: Sequence[ReviewLinkRow],
    linked_voucher: Mapping[str, str],  # issuance id -> its linked voucher
    linked_issuance: Mapping[str, str],  # voucher id -> its linked issuance
) -> dict[int, Problem]:
    """Excel row -> why its Voucher ID cannot be linked (the row is then refused): only an
    approved row names a voucher, and a link is recorded once (one voucher per issuance, one
    issuance per voucher, in the ledger and in the file)."""
    found: dict[int, Problem] = {}
    taken: dict[str, str] = {}
    for r in rows:
        vid, iid = r.voucher_id, r.issuance_id
        if not vid or not iid:
            continue
        text = None
        code = Code.LINK_CONFLICT
        if not r.approve:
            text, code = (
                "a Voucher ID is given only with the Decision Approve",
                Code.NOT_ALLOWED_VALUE,
            )
        elif len(vid) > 64:
            text, code = "the Voucher ID must be 1-64 characters", Code.TOO_LONG
        elif linked_issuance.get(vid, iid) != iid:
            text = f"voucher {vid} is already linked to {linked_issuance[vid]}; a link is made once"
        elif linked_voucher.get(iid, vid) != vid:
            text = (
                f"{iid} is already linked to voucher {linked_voucher[iid]}; a link is recorded once"
            )
        elif taken.get(vid, iid) != iid:
            text = f"voucher {vid} is also named for {taken[vid]} in this sheet"
        if text is not None:
            found[r.row] = Problem(r.sheet, r.row, "Voucher ID", vid, code, f"{text} (R10)")
        else:
            taken[vid] = iid
    return found


def review_links(
    rows: Sequence[ReviewLinkRow], approved_rows: Iterable[int], linked_voucher: Mapping[str, str]
) -> list[tuple[str, str]]:
    """(issuance id, voucher id) to record for the approved rows that name a new voucher."""
    approved = set(approved_rows)
    return [
        (r.issuance_id, r.voucher_id)
        for r in rows
        if r.row in approved
        and r.voucher_id
        and r.issuance_id
        and r.issuance_id not in linked_voucher
    ]
