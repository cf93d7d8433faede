"""Review decisions (R3, R10, R11): approve or reject pending issuances, four eyes.

Pure: receives review rows (already read and checked) and the issuances they name, returns
one decision per row and the new status entries to record. Rows are matched by Issuance ID,
never by position. A rejection returns its amount to the quota at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from .model import IssuanceStatus, Template
from .problems import Code, Problem
from .quota import Balance
from .validity import valid_from, valid_until

APPROVE, REJECT = "approve", "reject"
APPROVED, REJECTED, NOT_REVIEWED, UNCHANGED, REFUSED = (
    "Approved",
    "Rejected",
    "Not reviewed",
    "Unchanged",
    "Refused",
)
REVIEW_DECISIONS = (APPROVED, REJECTED, NOT_REVIEWED, UNCHANGED, REFUSED)
_STATUS = {APPROVE: IssuanceStatus.APPROVED, REJECT: IssuanceStatus.REJECTED}


@dataclass
class ReviewRow:
    sheet: str
    row: int
    issuance_id: str | None
    decision: str | None  # APPROVE | REJECT | None (blank: not yet)
    comment: str | None
    reviewer: str | None
    decision_date: date | None
    problems: list[Problem] = field(default_factory=list)


@dataclass
class IssuanceUnderReview:
    issuance_id: str
    amount: int
    template: Template
    requested_by: str
    operator: str  # who ingested the request
    requested_on: date
    status: IssuanceStatus
    decided_on: date | None = None


@dataclass(frozen=True)
class ReviewContext:
    operator: str
    business_date: date
    reviewer: str | None = None  # --reviewer


@dataclass(frozen=True)
class NewDecision:
    issuance_id: str
    status: IssuanceStatus
    decided_on: date
    reviewer: str
    comment: str
    valid_from: date | None
    valid_until: date | None


@dataclass
class ReviewDecision:
    sheet: str
    row: int
    decision: str
    problems: list[Problem]
    issuance_id: str = ""

    @property
    def refused(self) -> bool:
        return self.decision == REFUSED

    @property
    def reason(self) -> str:
        return "; ".join(p.message for p in self.problems)


@dataclass
class ReviewOutcome:
    decisions: list[ReviewDecision] = field(default_factory=list)
    new: list[NewDecision] = field(default_factory=list)

    @property
    def refused(self) -> int:
        return sum(d.refused for d in self.decisions)


def _refuse(row: ReviewRow, column: str, value: object, code: Code, message: str) -> Problem:
    return Problem(row.sheet, row.row, column, value, code, message)


def decide_reviews(
    rows: Sequence[ReviewRow],
    issuances: dict[str, IssuanceUnderReview],
    balance: Balance,
    ctx: ReviewContext,
) -> tuple[ReviewOutcome, Balance]:
    out = ReviewOutcome()
    for row in rows:
        problems = list(row.problems)
        target = issuances.get(row.issuance_id) if row.issuance_id else None
        if row.issuance_id and target is None:
            problems.append(
                _refuse(
                    row,
                    "Issuance ID",
                    row.issuance_id,
                    Code.UNKNOWN_ISSUANCE,
                    f"no issuance {row.issuance_id} exists in this ledger (R10)",
                )
            )
        if problems or target is None:
            out.decisions.append(ReviewDecision(row.sheet, row.row, REFUSED, problems))
            continue
        ident = target.issuance_id
        if row.decision is None:
            out.decisions.append(ReviewDecision(row.sheet, row.row, NOT_REVIEWED, [], ident))
            continue
        wanted = _STATUS[row.decision]
        if target.status is not IssuanceStatus.PENDING:
            if target.status is wanted:
                out.decisions.append(ReviewDecision(row.sheet, row.row, UNCHANGED, [], ident))
            else:
                problems.append(
                    _refuse(
                        row,
                        "Decision",
                        row.decision,
                        Code.ALREADY_DECIDED,
                        f"{ident} was already {target.status.value} on "
                        f"{target.decided_on}; a decision cannot be changed (R10)",
                    )
                )
                out.decisions.append(ReviewDecision(row.sheet, row.row, REFUSED, problems, ident))
            continue
        reviewer = row.reviewer or ctx.reviewer or ctx.operator
        decided_on = row.decision_date or ctx.business_date
        if reviewer.casefold() in {target.requested_by.casefold(), target.operator.casefold()}:
            who = (
                "requested" if reviewer.casefold() == target.requested_by.casefold() else "ingested"
            )
            problems.append(
                _refuse(
                    row,
                    "Reviewer",
                    reviewer,
                    Code.FOUR_EYES,
                    f"{reviewer} {who} {ident} and cannot also review it (four eyes, R10)",
                )
            )
        if wanted is IssuanceStatus.REJECTED and not row.comment:
            problems.append(
                _refuse(
                    row,
                    "Review Comment",
                    row.comment,
                    Code.REJECT_NEEDS_COMMENT,
                    "a rejection needs a review comment (R10)",
                )
            )
        if decided_on < target.requested_on:
            problems.append(
                _refuse(
                    row,
                    "Decision Date",
                    decided_on,
                    Code.DECISION_DATE,
                    f"the decision date {decided_on} is before the request date "
                    f"{target.requested_on} (R10)",
                )
            )
        elif decided_on > ctx.business_date:
            problems.append(
                _refuse(
                    row,
                    "Decision Date",
                    decided_on,
                    Code.DECISION_DATE,
                    f"the decision date {decided_on} is after the processing date "
                    f"{ctx.business_date} (R10)",
                )
            )
        if problems:
            out.decisions.append(ReviewDecision(row.sheet, row.row, REFUSED, problems, ident))
            continue
        start = end = None
        if wanted is IssuanceStatus.APPROVED:
            start = valid_from(target.template.validity_start, decided_on, target.requested_on)
            end = valid_until(start, target.template.validity)
            balance = Balance(
                balance.quota,
                balance.pending - target.amount,
                balance.approved + target.amount,
                balance.rejected,
            )
        else:
            balance = Balance(
                balance.quota,
                balance.pending - target.amount,
                balance.approved,
                balance.rejected + target.amount,
            )
        target.status, target.decided_on = wanted, decided_on
        out.new.append(
            NewDecision(ident, wanted, decided_on, reviewer, row.comment or "", start, end)
        )
        verdict = APPROVED if wanted is IssuanceStatus.APPROVED else REJECTED
        out.decisions.append(ReviewDecision(row.sheet, row.row, verdict, [], ident))
    return out, balance
