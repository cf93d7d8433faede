"""Review decisions (R3, R10, R11): approve or reject pending issuances, four eyes.

Pure: receives review rows (already read and checked) and the issuances they name, returns
one decision per row and the new status entries to record. Rows are matched by Issuance ID,
never by position. A rejection returns its amount to the quota at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from .issuance import Issuance
from .model import IssuanceStatus
from .problems import Code, Decided, Problem
from .quota import Balance
from .review_checks import (
    APPROVAL_CHECKS,
    DECISION_CHECKS,
    ISSUANCE_CHECKS,
    TAMPER_CHECKS,
    DecisionCase,
    ReviewCase,
    ReviewContext,
    ReviewRow,
    validity_of,
)
from .vocabulary import ReviewAction, ReviewVerdict

APPROVE, REJECT = ReviewAction.APPROVE, ReviewAction.REJECT
_STATUS: dict[str, IssuanceStatus] = {
    APPROVE: IssuanceStatus.APPROVED,
    REJECT: IssuanceStatus.REJECTED,
}


@dataclass(frozen=True)
class NewDecision:
    issuance_id: str
    status: IssuanceStatus
    decided_on: date
    reviewer: str
    comment: str
    valid_from: date | None
    valid_until: date | None


@dataclass(slots=True)
class ReviewDecision(Decided):
    issuance_id: str = ""


@dataclass
class ReviewOutcome:
    decisions: list[ReviewDecision] = field(default_factory=list)
    new: list[NewDecision] = field(default_factory=list)

    @property
    def refused(self) -> int:
        return sum(d.refused for d in self.decisions)


def _origin_problems(case: ReviewCase) -> list[Problem]:
    problems = list(case.row.problems)
    problems += [p for check in ISSUANCE_CHECKS for p in check(case)]
    if case.target is None:
        return problems
    for check in TAMPER_CHECKS:
        if problems:
            break
        problems += check(case)
    return problems


def _decided_balance(balance: Balance, status: IssuanceStatus, amount: int) -> Balance:
    """The balance once a pending `amount` is approved, or rejected (back to the quota)."""
    approved = amount if status is IssuanceStatus.APPROVED else 0
    return Balance(
        balance.quota,
        balance.pending - amount,
        balance.approved + approved,
        balance.rejected + amount - approved,
    )


def _decide_review(case: ReviewCase, out: ReviewOutcome, balance: Balance) -> Balance:
    row, target = case.row, case.target

    def decided(verdict: ReviewVerdict, problems: list[Problem], ident: str = "") -> Balance:
        out.decisions.append(ReviewDecision(row.sheet, row.row, verdict, problems, ident))
        return balance

    problems = _origin_problems(case)
    if problems or target is None:
        return decided(ReviewVerdict.REFUSED, problems)
    ident = target.issuance_id
    if row.decision is None:
        return decided(ReviewVerdict.NOT_REVIEWED, [], ident)
    wanted = _STATUS[row.decision]
    if target.status is not IssuanceStatus.PENDING:
        if target.status is wanted:
            return decided(ReviewVerdict.UNCHANGED, [], ident)
        problem = case.problem(
            "Decision",
            row.decision,
            Code.ALREADY_DECIDED,
            f"{ident} was already {target.status.value} on "
            f"{target.decided_on}; a decision cannot be changed (R10)",
        )
        return decided(ReviewVerdict.REFUSED, [problem], ident)
    judged = DecisionCase(row, target, case.ctx, wanted)
    problems = [p for check in DECISION_CHECKS for p in check(judged)]
    for check in APPROVAL_CHECKS:
        if problems:
            break
        problems += check(judged)
    if problems:
        return decided(ReviewVerdict.REFUSED, problems, ident)
    decided_on = judged.decided_on
    start = end = None
    if wanted is IssuanceStatus.APPROVED:
        start, end = validity_of(judged)
    balance = _decided_balance(balance, wanted, target.amount)
    target.status, target.decided_on = wanted, decided_on
    out.new.append(
        NewDecision(ident, wanted, decided_on, judged.reviewer, row.comment or "", start, end)
    )
    verdict = (
        ReviewVerdict.APPROVED if wanted is IssuanceStatus.APPROVED else ReviewVerdict.REJECTED
    )
    return decided(verdict, [], ident)


def decide_reviews(
    rows: Sequence[ReviewRow],
    issuances: dict[str, Issuance],
    balance: Balance,
    ctx: ReviewContext,
    secret: bytes | None = None,
    exported: frozenset[str] | None = None,
) -> tuple[ReviewOutcome, Balance]:
    """Decide every row by the check lists above; with `secret`, rows must carry a valid row
    check, and with `exported` (the signed manifest's issuance IDs) they must belong to that
    export."""
    out = ReviewOutcome()
    for row in rows:
        target = issuances.get(row.issuance_id) if row.issuance_id else None
        balance = _decide_review(ReviewCase(row, target, ctx, secret, exported), out, balance)
    return out, balance
