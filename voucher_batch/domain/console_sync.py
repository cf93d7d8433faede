"""Syncing console vouchers and recording their usage (pure): append-only snapshots whose
status only moves forward, deals recorded once by (VoucherId, BillId), and each voucher's
used amount by its deals against what its latest sync shows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from .problems import Code
from .vouchers import (
    STATUS_RANK,
    Approved,
    ConsoleVoucher,
    Deal,
    RowDecision,
    Snapshot,
    SyncDecision,
    UsageDecision,
    refuse,
    validity_problem,
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
                refuse(
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
        decision = validity_problem(sheet, v) or _sync_one(
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
        return refuse(
            sheet,
            v.row,
            "Remaining Amount",
            v.remaining,
            Code.REMAINING_ABOVE_TOTAL,
            f"the remaining amount {v.remaining:,} is more than the total {v.total:,}",
        )
    if last is not None and STATUS_RANK[v.status] < STATUS_RANK[last.status]:
        return refuse(
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
        return refuse(
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
    if issuance is None:  # first seen or changed since: kept and flagged, never "Updated"
        flags = ["not issued through this ledger (no linked issuance); kept"]
        return RowDecision(v.row, SyncDecision.UNKNOWN_VOUCHER, flags=flags)
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
                    refuse(
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
