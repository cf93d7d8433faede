"""Following approved vouchers up: what `vouchers list` adds to each issuance, and the
after-approval figures and sheets of the monthly report (`domain.follow_up`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

from ..domain.follow_up import FollowUp, follow_up
from ..ledger import VoucherRecord
from ..ledger.vouchers import store_of
from ..workbook.writer import Table
from .context import Context


def follow_up_keys(
    ctx: Context,
    console_status: str | None = None,
    expires_within: int | None = None,
    as_of: date | None = None,
) -> Callable[[VoucherRecord], dict[str, object] | None]:
    """For one row of `vouchers list`: the keys it adds (`voucher_id`, `console_status`,
    `used_amount`, `remaining_amount`, `expires_on`), or None when the row does not pass the
    filters. `used_amount` is TotalAmount - RemainingAmount of the voucher's latest sync;
    `expires_on` is the console's expiry date, else the ledger's valid-until date.
    `expires_within` N keeps vouchers still usable (approved, not Used, Expired or
    Invalidated) whose expiry falls within N days from the as-of date. With `as_of`, the
    console as synced by the end of that business date. The linked vouchers are read once,
    here; rows are then taken one at a time (a listing may be streamed)."""
    with ctx.ledger.unit_of_work() as uow:
        states = store_of(uow).states(until=as_of)

    def keys(r: VoucherRecord) -> dict[str, object] | None:
        s = states.get(r.issuance_id)
        status = s.console_status if s else None
        expires = (s.expires_on if s else None) or r.valid_until
        if console_status is not None and status != console_status:
            return None
        if expires_within is not None and not _expires_within(
            r, status, expires, ctx, expires_within
        ):
            return None
        used = (
            s.total - s.remaining if s and s.total is not None and s.remaining is not None else None
        )
        return {
            "voucher_id": s.voucher_id if s else None,
            "console_status": status,
            "used_amount": used,
            "remaining_amount": s.remaining if s else None,
            "expires_on": expires.isoformat() if expires else None,
        }

    return keys


def _expires_within(
    r: VoucherRecord, status: str | None, expires: date | None, ctx: Context, days: int
) -> bool:
    if r.status != "approved" or status not in (None, "Issued") or expires is None:
        return False
    return ctx.business_date <= expires <= ctx.business_date + timedelta(days=days)


def report_follow_up(ctx: Context, cutoff: date) -> FollowUp:
    """The after-approval figures of the monthly report (`domain.follow_up`)."""
    with ctx.ledger.unit_of_work() as uow:
        facts = store_of(uow).follow_up_facts(until=cutoff)  # by business date, like the rest
    return follow_up(facts, cutoff)


# long on purpose: a layout, one table per sheet of the after-approval part
def follow_up_tables(fu: FollowUp) -> list[Table]:
    """The monthly workbook's after-approval sheets (the same figures as the HTML)."""
    util = ["Approved", "Used", "Utilisation"]
    tables = [
        Table(
            f"Utilisation by {what}",
            [what.capitalize(), *util],
            [[u.key, u.approved, u.used, u.ratio] for u in rows],
            formats=[None, None, None, "0.0%"],
        )
        for what, rows in (
            ("template", fu.by_template),
            ("customer", fu.by_customer),
            ("usage", fu.by_usage),
        )
    ]
    tables.append(
        Table(
            "Unused expiring",
            ["Within days", "Customer UIN", "Voucher ID", "Issuance ID", "Expires On", "Balance"],
            [
                [
                    e.within_days,
                    v.customer_uin,
                    v.voucher_id or "",
                    v.issuance_id,
                    v.expiry,
                    v.balance,
                ]
                for e in fu.expiring
                for v in e.vouchers
            ],
        )
    )
    tables.append(
        Table(
            "Expired unused",
            ["Issuance ID", "Voucher ID", "Customer UIN", "Console Status", "Amount"],
            [
                [v.issuance_id, v.voucher_id, v.customer_uin, v.console_status, v.amount]
                for v in fu.expired_unused
            ],
        )
    )
    tables.append(
        Table(
            "Conversion follow-up",
            [
                "Issuance ID",
                "Customer UIN",
                "Template",
                "Estimated Conversion Date",
                "Estimated Revenue",
                "Voucher Amount",
                "Used Amount",
                "Used",
            ],
            [
                [
                    v.issuance_id,
                    v.customer_uin,
                    v.template,
                    v.estimated_conversion_date,
                    v.estimated_revenue,
                    v.amount,
                    v.used,
                    "yes" if v.used else "no",
                ]
                for v in fu.conversion
            ],
        )
    )
    # set up to print like the report's other sheets: landscape A4, one page wide
    return [replace(t, printable=True) for t in tables]
