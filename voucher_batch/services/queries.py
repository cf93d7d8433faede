"""Read-only listings: templates, vouchers, and `ledger verify`."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.choices import code_of
from ..domain.model import name_key
from ..domain.verify import verify
from ..domain.verify_records import Finding, FindingCode, Report
from ..ledger import VoucherRecord
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


def templates_list(
    ctx: Context,
    name: str | None = None,
    usage: str | None = None,
    payment_mode: str | None = None,
    locked: bool | None = None,
) -> list[TemplateListing]:
    with ctx.ledger.unit_of_work() as uow:
        states = uow.templates()
    out = []
    for state in sorted(states.values(), key=lambda s: s.template.key):
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
                tpl.name,
                tpl.usage.value,
                tpl.payment_mode.value,
                tpl.amount,
                str(tpl.validity),
                tpl.validity_start.label,
                state.locked,
                state.issued_count,
            )
        )
    return out


def vouchers_list(
    ctx: Context,
    status: str | None = None,
    customer: str | None = None,
    template: str | None = None,
) -> list[VoucherRecord]:
    with ctx.ledger.unit_of_work() as uow:
        return uow.vouchers(status, customer, name_key(template) if template else None)


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


def choice_code(column: str, text: str) -> str | None:
    """The API code of a dropdown value as people write it (`Product trial`, `ProductTrial`),
    or None when `text` is not one of the column's values."""
    return code_of(column, text)
