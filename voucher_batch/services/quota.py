"""Quota grants, reclaims and the balance (R1, R14, R16)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import TYPE_CHECKING

from ..domain.identity import unsafe_identity_message
from ..domain.quota import SUM_MAX, SUM_MAX_TEXT, Balance, QuotaRuleError, check_change, limit_from
from ..domain.vocabulary import QuotaChangeKind as QuotaChangeKind
from ..errors import RuleError
from . import after_commit
from .context import Context

__all__ = [
    "SUM_MAX",
    "SUM_MAX_TEXT",
    "Balance",
    "QuotaOutcome",
    "quota_apply",
    "quota_change",
    "quota_show",
]

if TYPE_CHECKING:  # the reading and checking stack (pandas, pandera) loads only when used
    pass


def quota_show(ctx: Context, as_of: date | None = None) -> Balance:
    """The balance as it stands, or at the end of the business date `as_of` (R2, R14)."""
    with ctx.ledger.unit_of_work() as uow:
        return uow.balance() if as_of is None else uow.balance_as_of(as_of)


@dataclass(frozen=True)
class QuotaOutcome:
    balance: Balance
    already_recorded: bool  # the same change was recorded before under the same --ref (R16)


def quota_change(ctx: Context, kind: str, amount: int, by: str, ref: str, note: str) -> Balance:
    return quota_apply(ctx, kind, amount, by, ref, note).balance


def quota_apply(ctx: Context, kind: str, amount: int, by: str, ref: str, note: str) -> QuotaOutcome:
    """Record a grant or reclaim, checked at its business date and every later one (R1, R14);
    a `ref` already recorded makes a retry safe (R16)."""
    for what, text in (("--by", by), ("--ref", ref)):
        message = unsafe_identity_message(what, text)
        if message:
            raise RuleError(f"quota {kind} refused: {message}")
    with ctx.ledger.unit_of_work(write=True) as uow:
        balance = uow.balance()
        earlier = uow.quota_entry_by_ref(ref) if ref.strip() else None
        if earlier is not None:
            if earlier.kind == kind and earlier.amount == amount:
                return QuotaOutcome(balance, already_recorded=True)
            raise RuleError(
                f"quota {kind} refused: the reference '{ref}' is already recorded for a "
                f"{earlier.kind} of {earlier.amount:,} on {earlier.business_date.isoformat()}; "
                "use a new --ref for a new change (R16)"
            )
        try:
            after = check_change(
                balance,
                kind,
                amount,
                limit_from(uow.remaining_deltas(), ctx.business_date),
                uow.totals(),
                ctx.business_date,
            )
        except QuotaRuleError as exc:
            raise RuleError(f"quota {kind} refused: {exc}") from None
        uow.add_quota_entry(kind, amount, by, ref, note, ctx.operator, ctx.business_date)
        # marked once the database has committed: a later failure (even printing the
        # balance) must say the change WAS recorded (R18)
        uow.on_commit.append(
            partial(
                after_commit.mark,
                after_commit.Committed(
                    f"quota {kind}",
                    0,
                    ledger_options=after_commit.ledger_options(ctx.ledger.name),
                    summary=f"the quota {kind} of {amount:,} (business date "
                    f"{ctx.business_date.isoformat()})",
                ),
            )
        )
        uow.commit()
    return QuotaOutcome(after, already_recorded=False)
