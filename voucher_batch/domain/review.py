"""Review decisions (R3, R10, R11): approve or reject pending issuances, four eyes.

Pure: receives review rows (already read and checked) and the issuances they name, returns
one decision per row and the new status entries to record. Rows are matched by Issuance ID,
never by position. A rejection returns its amount to the quota at once.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from .identity import identity_key
from .model import IssuanceStatus, Template
from .problems import Code, Decided, Problem
from .quota import Balance
from .validity import LAST_DAY, valid_from, valid_until
from .vocabulary import ReviewVerdict

APPROVE, REJECT = "approve", "reject"
_STATUS = {APPROVE: IssuanceStatus.APPROVED, REJECT: IssuanceStatus.REJECTED}


# The columns a reviewer must not change, in the order the row check covers them.
PROTECTED = (
    "Request ID",
    "Template Name",
    "Customer UIN",
    "Amount",
    "Estimated Revenue",
    "Estimated Conversion Date",
    "Application Reason",
    "Requested By",
    "Requested On",
)


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
    # from a review workbook: the protected cells as read (None: not from a workbook)
    shown: dict[str, object] | None = None
    row_check: str | None = None


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
    request_id: str = ""
    customer_uin: str = ""
    estimated_revenue: int = 0
    estimated_conversion_date: date | None = None
    reason: str = ""

    def protected(self) -> dict[str, object]:
        values: tuple[object, ...] = (
            self.request_id,
            self.template.name,
            self.customer_uin,
            self.amount,
            self.estimated_revenue,
            self.estimated_conversion_date,
            self.reason,
            self.requested_by,
            self.requested_on,
        )
        return dict(zip(PROTECTED, values, strict=True))


def row_check(secret: bytes, issuance: IssuanceUnderReview) -> str:
    """A keyed digest over what the reviewer must not change; the key never leaves the
    ledger, so a row check cannot be forged, and one copied from another row fails."""
    parts = [issuance.issuance_id] + [_canonical(v) for v in issuance.protected().values()]
    digest = hmac.new(secret, "\x1f".join(parts).encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:32]


def sign(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()


def _canonical(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _tampering(row: ReviewRow, target: IssuanceUnderReview, secret: bytes | None) -> list[Problem]:
    """Protected cells that differ from the ledger, and a row check that does not match."""
    problems = []
    if row.shown is not None:
        for column, expected in target.protected().items():
            if column not in row.shown:
                continue
            shown = row.shown[column]
            if _canonical(shown) != _canonical(expected):
                problems.append(
                    _refuse(
                        row,
                        column,
                        shown,
                        Code.ROW_CHECK,
                        f"{column} was changed (ledger: {_canonical(expected)!r}, sheet: "
                        f"{_canonical(shown)!r}); reviewers may only fill Decision, Review "
                        "Comment, Reviewer and Decision Date (R10)",
                    )
                )
    if secret is not None and not problems:
        expected_check = row_check(secret, target)
        if not row.row_check or not hmac.compare_digest(row.row_check, expected_check):
            what = "is blank" if not row.row_check else "does not match this issuance"
            problems.append(
                _refuse(
                    row,
                    "Row Check",
                    row.row_check,
                    Code.ROW_CHECK,
                    f"the row check {what} (edited, copied from another row, or exported "
                    "by another ledger); export a fresh review workbook (R10)",
                )
            )
    return problems


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
class ReviewDecision(Decided):
    issuance_id: str = ""


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
    secret: bytes | None = None,
    exported: frozenset[str] | None = None,
) -> tuple[ReviewOutcome, Balance]:
    """Decide every row; with `secret`, rows must carry a valid row check, and with
    `exported` (the signed manifest's issuance IDs) they must belong to that export."""
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
        elif target is not None and exported is not None and target.issuance_id not in exported:
            problems.append(
                _refuse(
                    row,
                    "Issuance ID",
                    row.issuance_id,
                    Code.ROW_CHECK,
                    f"{row.issuance_id} is not part of this export (a row added by hand?); "
                    "export a fresh review workbook (R10)",
                )
            )
        if target is not None and not problems:
            problems.extend(_tampering(row, target, secret))
        if problems or target is None:
            out.decisions.append(
                ReviewDecision(row.sheet, row.row, ReviewVerdict.REFUSED, problems)
            )
            continue
        ident = target.issuance_id
        if row.decision is None:
            out.decisions.append(
                ReviewDecision(row.sheet, row.row, ReviewVerdict.NOT_REVIEWED, [], ident)
            )
            continue
        wanted = _STATUS[row.decision]
        if target.status is not IssuanceStatus.PENDING:
            if target.status is wanted:
                out.decisions.append(
                    ReviewDecision(row.sheet, row.row, ReviewVerdict.UNCHANGED, [], ident)
                )
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
                out.decisions.append(
                    ReviewDecision(row.sheet, row.row, ReviewVerdict.REFUSED, problems, ident)
                )
            continue
        reviewer = row.reviewer or ctx.reviewer or ctx.operator
        decided_on = row.decision_date or ctx.business_date
        who_key = identity_key(reviewer)
        if who_key in {identity_key(target.requested_by), identity_key(target.operator)}:
            who = "requested" if who_key == identity_key(target.requested_by) else "ingested"
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
            out.decisions.append(
                ReviewDecision(row.sheet, row.row, ReviewVerdict.REFUSED, problems, ident)
            )
            continue
        start = end = None
        if wanted is IssuanceStatus.APPROVED:
            start = valid_from(target.template.validity_start, decided_on, target.requested_on)
            end = valid_until(start, target.template.validity)
            if end is None:
                problems.append(
                    _refuse(
                        row,
                        "Decision",
                        row.decision,
                        Code.VALIDITY_PAST_CALENDAR,
                        f"approving {ident} would make it valid from {start} for "
                        f"{target.template.validity}, past {LAST_DAY}, the last date the "
                        "ledger can hold; reject it or approve it from a template with a "
                        "shorter validity (R11)",
                    )
                )
                out.decisions.append(
                    ReviewDecision(row.sheet, row.row, ReviewVerdict.REFUSED, problems, ident)
                )
                continue
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
        verdict = (
            ReviewVerdict.APPROVED if wanted is IssuanceStatus.APPROVED else ReviewVerdict.REJECTED
        )
        out.decisions.append(ReviewDecision(row.sheet, row.row, verdict, [], ident))
    return out, balance
