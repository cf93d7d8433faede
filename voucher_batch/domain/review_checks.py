"""The checks a review row must pass (R10, R11): small named functions over a `ReviewCase`
(does the row name an issuance of this ledger and export, unchanged?) or a `DecisionCase`
(may this reviewer decide it so?), kept in the lists `review.decide_reviews` runs.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from .identity import identity_key
from .issuance import Issuance
from .model import IssuanceStatus
from .problems import Code, Problem
from .row_check import canonical, protected_cells, row_check
from .validity import LAST_DAY, valid_from, valid_until


@dataclass(slots=True)
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


@dataclass(frozen=True)
class ReviewContext:
    operator: str
    business_date: date
    reviewer: str | None = None  # --reviewer


@dataclass(frozen=True)
class ReviewCase:
    """One review row with what the checks need: the issuance it names (None: no such
    issuance), the run, the ledger's row-check key and the export's issuance IDs (if any)."""

    row: ReviewRow
    target: Issuance | None
    ctx: ReviewContext
    secret: bytes | None = None
    exported: frozenset[str] | None = None

    def problem(self, column: str, value: object, code: Code, message: str) -> Problem:
        return Problem(self.row.sheet, self.row.row, column, value, code, message)


@dataclass(frozen=True)
class DecisionCase:
    """A review row that names a pending issuance and decides it."""

    row: ReviewRow
    target: Issuance
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
    for column, expected in protected_cells(target).items():
        if column not in row.shown:
            continue
        shown = row.shown[column]
        if canonical(shown) != canonical(expected):
            problems.append(
                case.problem(
                    column,
                    shown,
                    Code.ROW_CHECK,
                    f"{column} was changed (ledger: {canonical(expected)!r}, sheet: "
                    f"{canonical(shown)!r}); reviewers may only fill Decision, Review "
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
    start, end = validity_of(case)
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


def validity_of(case: DecisionCase) -> tuple[date, date | None]:
    start = valid_from(
        case.target.template.validity_start, case.decided_on, case.target.requested_on
    )
    return start, valid_until(start, case.target.template.validity)
