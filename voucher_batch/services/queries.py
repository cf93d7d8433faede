"""Read-only listings - templates, vouchers, customers, the quota's history - as of a business
date, the labels people read for their codes, and `ledger verify`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from ..domain.model import name_key
from ..domain.verify import verify
from ..domain.verify_records import Finding, FindingCode, Report
from ..ledger import QuotaHistoryEntry, VoucherQuery
from ..ledger import VoucherRecord as VoucherRecord  # the command line names its fields
from .context import Context


@dataclass(frozen=True)
class TemplateListing:
    name: str
    usage: str
    payment_mode: str
    amount: int
    validity_period: str
    validity_start: str
    locked: bool
    issued_count: int


@dataclass(frozen=True)
class CustomerListing:
    customer_uin: str
    customer_name: str
    bound_since: date | None
    status: str


def templates_list(
    ctx: Context,
    name: str | None = None,
    usage: str | None = None,
    payment_mode: str | None = None,
    locked: bool | None = None,
    as_of: date | None = None,
) -> list[TemplateListing]:
    """Templates as last recorded by `as_of` (None: as they stand), with their lock state."""
    with ctx.ledger.unit_of_work() as uow:
        states = uow.template_listing(as_of)
    out = []
    for state in states:
        tpl = state.template
        if name and name_key(name) not in tpl.key:
            continue
        if usage and tpl.usage.value != usage:
            continue
        if payment_mode and tpl.payment_mode.value != payment_mode:
            continue
        if locked is not None and state.locked != locked:
            continue
        out.append(
            TemplateListing(
                name=tpl.name,
                usage=tpl.usage.value,
                payment_mode=tpl.payment_mode.value,
                amount=tpl.amount,
                validity_period=str(tpl.validity),
                validity_start=tpl.validity_start.label,
                locked=state.locked,
                issued_count=state.issued_count,
            )
        )
    return out


def vouchers_list(
    ctx: Context,
    status: str | None = None,
    customer: str | None = None,
    template: str | None = None,
    *,
    requested: tuple[date | None, date | None] = (None, None),
    decided: tuple[date | None, date | None] = (None, None),
    as_of: date | None = None,
) -> list[VoucherRecord]:
    """Issuances with their status at the end of `as_of` (None: as they stand), requested and
    decided within the given (from, to) dates, both inclusive (None: open)."""
    query = _voucher_query(status, customer, template, requested, decided, as_of)
    with ctx.ledger.unit_of_work() as uow:
        return uow.voucher_listing(query)


def vouchers_stream(
    ctx: Context,
    status: str | None = None,
    customer: str | None = None,
    template: str | None = None,
    *,
    requested: tuple[date | None, date | None] = (None, None),
    decided: tuple[date | None, date | None] = (None, None),
    as_of: date | None = None,
) -> Iterator[VoucherRecord]:
    """`vouchers_list` row by row, read in chunks inside one read transaction that stays open
    until the last row is taken (or the iterator is closed): for listings of any size."""
    query = _voucher_query(status, customer, template, requested, decided, as_of)
    with ctx.ledger.unit_of_work() as uow:
        yield from uow.voucher_rows(query)


def _voucher_query(
    status: str | None,
    customer: str | None,
    template: str | None,
    requested: tuple[date | None, date | None],
    decided: tuple[date | None, date | None],
    as_of: date | None,
) -> VoucherQuery:
    return VoucherQuery(
        status=status,
        customer=customer,
        template_key=name_key(template) if template else None,
        requested_from=requested[0],
        requested_to=requested[1],
        decided_from=decided[0],
        decided_to=decided[1],
        as_of=as_of,
    )


def customers_list(ctx: Context, as_of: date | None = None) -> list[CustomerListing]:
    """Customers as last recorded by `as_of` (None: as they stand), by UIN."""
    with ctx.ledger.unit_of_work() as uow:
        customers = uow.customer_listing(as_of)
    return [CustomerListing(c.uin, c.name, c.bound_since, c.status.value) for c in customers]


def quota_history(ctx: Context, as_of: date | None = None) -> list[QuotaHistoryEntry]:
    """Every grant and reclaim dated by `as_of` (None: all), by business date (R1)."""
    with ctx.ledger.unit_of_work() as uow:
        return uow.quota_history(as_of)


def ledger_verify(ctx: Context) -> Report:
    """Recompute every balance and status from the entries and check the invariants."""
    with ctx.ledger.unit_of_work() as uow:
        entries = uow.entries_for_verify()
        shown = uow.balance()
    report = verify(**entries)
    if report.balance != shown:
        report.findings.append(
            Finding(
                FindingCode.BALANCE_DIFFERS,
                f"the balance the ledger reports {shown.as_dict()} differs from the "
                f"recomputation {report.balance.as_dict()}",
            )
        )
    return report
