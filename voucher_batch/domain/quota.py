"""Quota arithmetic (R1-R3): the balance and the checks on grants, reclaims and reservations."""

from __future__ import annotations

from dataclasses import dataclass


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


class QuotaRuleError(ValueError):
    """A quota change that R1 forbids; the message is a sentence for the user."""


def check_change(balance: Balance, kind: str, amount: int) -> Balance:
    """Return the balance after a grant or reclaim, or raise if R1 forbids it."""
    if amount <= 0:
        raise QuotaRuleError(f"the amount must be a positive whole number, not {amount} (R1)")
    if kind == "grant":
        return Balance(balance.quota + amount, balance.pending, balance.approved, balance.rejected)
    if kind != "reclaim":
        raise QuotaRuleError(f"unknown quota change {kind!r}")
    if amount > balance.remaining:
        raise QuotaRuleError(
            f"cannot reclaim {amount:,}: only {balance.remaining:,} of the quota "
            f"{balance.quota:,} is not issued, and the quota may not go below what is "
            f"issued ({balance.issued:,}) (R1)"
        )
    return Balance(balance.quota - amount, balance.pending, balance.approved, balance.rejected)
