"""Review decisions (R3, R10, R11): approve or reject pending issuances, four eyes.

Pure: receives review rows (already read and checked) and the issuances they name, returns
one decision per row and the new status entries to record. Rows are matched by Issuance ID,
never by position. A rejection returns its amount to the quota at once.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
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
    voucher_id: str | None = None  # the console voucher of an approved row (optional)


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


@dataclass(frozen=True)
class ReviewCase:
    """One review row with what the checks need: the issuance it names (None: no such
    issuance), the run, the ledger's row-check key and the export's issuance IDs (if any)."""

    row: ReviewRow
    target: IssuanceUnderReview | None
    ctx: ReviewContext
    secret: bytes | None = None
    exported: frozenset[str] | None = None

    def problem(self, column: str, value: object, code: Code, message: str) -> Problem:
        return Problem(self.row.sheet, self.row.row, column, value, code, message)


@dataclass(frozen=True)
class DecisionCase:
    """A review row that names a pending issuance and decides it."""

    row: ReviewRow
    target: IssuanceUnderReview
    ctx: ReviewContext
    wanted: IssuanceStatus  # approved | rejected

    @property
    def reviewer(self) -> str:
        return self.row.reviewer or self.ctx.reviewer or self.ctx.operator

    @property
    def decided_on(self) -> date:
        return self.row.decision_date or self.ctx.business_date

    def problem(self, column: str, value: object, code: Code, message: str) -> Problem:
        return Problem(self.row.sheet, self.row.row, column, value, code, message)


OriginCheck = Callable[[ReviewCase], list[Problem]]
DecisionCheck = Callable[[DecisionCase], list[Problem]]


def known_issuance(case: ReviewCase) -> list[Problem]:
    """R10: the Issuance ID names an issuance of this ledger."""
    ident = case.row.issuance_id
    if not ident or case.target is not None:
        return []
    return [
        case.problem(
            "Issuance ID",
            ident,
            Code.UNKNOWN_ISSUANCE,
            f"no issuance {ident} exists in this ledger (R10)",
        )
    ]


def in_this_export(case: ReviewCase) -> list[Problem]:
    """R10: with a signed export, the row belongs to it."""
    if case.target is None or case.exported is None:
        return []
    if case.target.issuance_id in case.exported:
        return []
    return [
        case.problem(
            "Issuance ID",
            case.row.issuance_id,
            Code.ROW_CHECK,
            f"{case.row.issuance_id} is not part of this export (a row added by hand?); "
            "export a fresh review workbook (R10)",
        )
    ]


def protected_cells_unchanged(case: ReviewCase) -> list[Problem]:
    """R10: the cells a reviewer must not change still show what the ledger has."""
    row, target = case.row, case.target
    if row.shown is None or target is None:
        return []
    problems = []
    for column, expected in target.protected().items():
        if column not in row.shown:
            continue
        shown = row.shown[column]
        if _canonical(shown) != _canonical(expected):
            problems.append(
                case.problem(
                    column,
                    shown,
                    Code.ROW_CHECK,
                    f"{column} was changed (ledger: {_canonical(expected)!r}, sheet: "
                    f"{_canonical(shown)!r}); reviewers may only fill Decision, Review "
                    "Comment, Reviewer and Decision Date (R10)",
                )
            )
    return problems


def row_check_matches(case: ReviewCase) -> list[Problem]:
    """R10: with the ledger's key, the row carries the row check of its issuance."""
    row, target = case.row, case.target
    if case.secret is None or target is None:
        return []
    expected_check = row_check(case.secret, target)
    if row.row_check and hmac.compare_digest(row.row_check, expected_check):
        return []
    what = "is blank" if not row.row_check else "does not match this issuance"
    return [
        case.problem(
            "Row Check",
            row.row_check,
            Code.ROW_CHECK,
            f"the row check {what} (edited, copied from another row, or exported "
            "by another ledger); export a fresh review workbook (R10)",
        )
    ]


def four_eyes(case: DecisionCase) -> list[Problem]:
    """R10: nobody reviews an issuance they requested or ingested."""
    target, reviewer = case.target, case.reviewer
    who_key = identity_key(reviewer)
    if who_key not in {identity_key(target.requested_by), identity_key(target.operator)}:
        return []
    who = "requested" if who_key == identity_key(target.requested_by) else "ingested"
    return [
        case.problem(
            "Reviewer",
            reviewer,
            Code.FOUR_EYES,
            f"{reviewer} {who} {target.issuance_id} and cannot also review it (four eyes, R10)",
        )
    ]


def rejection_has_comment(case: DecisionCase) -> list[Problem]:
    """R10: a rejection says why."""
    if case.wanted is not IssuanceStatus.REJECTED or case.row.comment:
        return []
    return [
        case.problem(
            "Review Comment",
            case.row.comment,
            Code.REJECT_NEEDS_COMMENT,
            "a rejection needs a review comment (R10)",
        )
    ]


def decision_date_in_range(case: DecisionCase) -> list[Problem]:
    """R10: decided on or after the request date and not after the processing date."""
    decided_on, target = case.decided_on, case.target
    if decided_on < target.requested_on:
        why = f"before the request date {target.requested_on}"
    elif decided_on > case.ctx.business_date:
        why = f"after the processing date {case.ctx.business_date}"
    else:
        return []
    return [
        case.problem(
            "Decision Date",
            decided_on,
            Code.DECISION_DATE,
            f"the decision date {decided_on} is {why} (R10)",
        )
    ]


def validity_within_calendar(case: DecisionCase) -> list[Problem]:
    """R11: an approval's validity ends on a date the ledger can hold."""
    if case.wanted is not IssuanceStatus.APPROVED:
        return []
    start, end = _validity(case)
    if end is not None:
        return []
    target = case.target
    return [
        case.problem(
            "Decision",
            case.row.decision,
            Code.VALIDITY_PAST_CALENDAR,
            f"approving {target.issuance_id} would make it valid from {start} for "
            f"{target.template.validity}, past {LAST_DAY}, the last date the "
            "ledger can hold; reject it or approve it from a template with a "
            "shorter validity (R11)",
        )
    ]


# R10: the row names an issuance of this ledger (and of this export); every problem is reported.
ISSUANCE_CHECKS: tuple[OriginCheck, ...] = (known_issuance, in_this_export)
# R10: judged only for a row found sound so far; the first that fails is reported.
TAMPER_CHECKS: tuple[OriginCheck, ...] = (protected_cells_unchanged, row_check_matches)
# R10: a decision on a pending issuance; every problem is reported.
DECISION_CHECKS: tuple[DecisionCheck, ...] = (
    four_eyes,
    rejection_has_comment,
    decision_date_in_range,
)
# R11: judged only for a decision found sound so far.
APPROVAL_CHECKS: tuple[DecisionCheck, ...] = (validity_within_calendar,)


def _validity(case: DecisionCase) -> tuple[date, date | None]:
    start = valid_from(
        case.target.template.validity_start, case.decided_on, case.target.requested_on
    )
    return start, valid_until(start, case.target.template.validity)


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
        start, end = _validity(judged)
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
        NewDecision(ident, wanted, decided_on, judged.reviewer, row.comment or "", start, end)
    )
    verdict = (
        ReviewVerdict.APPROVED if wanted is IssuanceStatus.APPROVED else ReviewVerdict.REJECTED
    )
    return decided(verdict, [], ident)


def decide_reviews(
    rows: Sequence[ReviewRow],
    issuances: dict[str, IssuanceUnderReview],
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
