"""The rules as lists of small named checks: one rule, one function, one entry.

For each list, every check has a case that only it refuses (with its code), and a sound case
that none refuses; a list that gains, loses or merges a check fails here until its case is
written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from typing import TypeVar

import pytest

from tests.unit.test_engine import CTX, req, tpl, view
from voucher_batch.domain import request_checks, review_checks
from voucher_batch.domain.batch import RequestRow
from voucher_batch.domain.identity import identity_key
from voucher_batch.domain.issuance import Issuance
from voucher_batch.domain.model import (
    ExistingRequest,
    IssuanceStatus,
    RequestContent,
    ValidityPeriod,
    name_key,
)
from voucher_batch.domain.problems import Code, Problem
from voucher_batch.domain.quota import SUM_MAX, Balance, Totals
from voucher_batch.domain.request_checks import RequestCase
from voucher_batch.domain.review import APPROVE, REJECT
from voucher_batch.domain.review_checks import DecisionCase, ReviewCase, ReviewContext, ReviewRow
from voucher_batch.domain.row_check import protected_cells, row_check

C = TypeVar("C")


REQUEST_LISTS = [
    request_checks.IDENTITY_CHECKS,
    request_checks.REQUEST_CHECKS,
    request_checks.FIT_CHECKS,
]
EVERY_REQUEST_CHECK = [check for checks in REQUEST_LISTS for check in checks]
ORIGIN_CHECKS = [*review_checks.ISSUANCE_CHECKS, *review_checks.TAMPER_CHECKS]


def request_case(
    row: RequestRow, first_row: dict[str, int] | None = None, **kw: object
) -> RequestCase:
    v = view()
    for name, value in kw.items():
        setattr(v, name, value)
    state = v.templates.get(name_key(row.template_name)) if row.template_name else None
    return RequestCase(row, v, CTX, first_row or {}, None, None, state)


REQUEST_CASES: dict[Callable[[RequestCase], list[Problem]], tuple[RequestCase, Code]] = {
    request_checks.duplicate_in_file: (
        request_case(req("R-1"), first_row={identity_key("r-1"): 1}),
        Code.DUPLICATE_IN_FILE,
    ),
    request_checks.known_customer: (request_case(req("R-1", uin="999999")), Code.UNKNOWN_CUSTOMER),
    request_checks.known_template: (
        request_case(req("R-1", template="Nope")),
        Code.UNKNOWN_TEMPLATE,
    ),
    request_checks.conversion_date_not_past: (
        request_case(req("R-1", estimated_conversion_date=date(2026, 11, 1))),
        Code.CONVERSION_DATE_PAST,
    ),
    request_checks.fits_quota: (
        request_case(req("R-1"), balance=Balance(999, 0, 0, 0)),
        Code.QUOTA_EXCEEDED,
    ),
    request_checks.revenue_sum_fits: (
        request_case(req("R-1"), totals=Totals(revenue=SUM_MAX - 99)),
        Code.SUM_LIMIT,
    ),
    request_checks.requested_sum_fits: (
        request_case(req("R-1"), totals=Totals(requested=SUM_MAX - 999)),
        Code.SUM_LIMIT,
    ),
}


def only_refuser(
    checks: Sequence[Callable[[C], list[Problem]]], case: C
) -> list[tuple[str, list[Code]]]:
    """(name, codes) of every check that refuses `case`."""
    return [(c.__name__, [p.code for p in c(case)]) for c in checks if c(case)]


def test_request_lists_hold_each_check_once() -> None:
    lists = [
        request_checks.IDENTITY_CHECKS,
        request_checks.REQUEST_CHECKS,
        request_checks.FIT_CHECKS,
    ]
    every = [check for checks in lists for check in checks]
    assert len(every) == len(set(every))
    assert set(every) == set(REQUEST_CASES)


@pytest.mark.parametrize("check", list(REQUEST_CASES), ids=lambda c: c.__name__)
def test_each_request_check_refuses_exactly_its_case(check: Callable[..., list[Problem]]) -> None:
    case, code = REQUEST_CASES[check]
    every = [
        *request_checks.IDENTITY_CHECKS,
        *request_checks.REQUEST_CHECKS,
        *request_checks.FIT_CHECKS,
    ]
    assert only_refuser(every, case) == [(check.__name__, [code])]


def test_a_sound_request_passes_every_check() -> None:
    case = request_case(req("R-1"))
    every = [
        *request_checks.IDENTITY_CHECKS,
        *request_checks.REQUEST_CHECKS,
        *request_checks.FIT_CHECKS,
    ]
    assert only_refuser(every, case) == []


def test_an_unbound_customer_is_the_customer_check() -> None:
    case = request_case(req("R-1", uin="100002"))
    every = [
        *request_checks.IDENTITY_CHECKS,
        *request_checks.REQUEST_CHECKS,
        *request_checks.FIT_CHECKS,
    ]
    assert only_refuser(every, case) == [("known_customer", [Code.CUSTOMER_UNBOUND])]


def test_a_resubmission_is_judged_by_its_own_check() -> None:
    row = req("R-1")
    content = RequestContent(
        name_key("Starter Trial"), "100001", 100, date(2027, 1, 1), "trial", "ops.lead"
    )
    existing = ExistingRequest("R-1", "ISS-000001", content, 1000, IssuanceStatus.PENDING)
    same = replace(request_case(row), content=content, existing=existing)
    assert request_checks.same_as_submitted(same) == []
    changed = replace(same, content=replace(content, estimated_revenue=101))
    assert [p.code for p in request_checks.same_as_submitted(changed)] == [Code.REQUEST_CONFLICT]


# --- review ---------------------------------------------------------------------------------

REVIEW_CTX = ReviewContext("ops.lead", date(2027, 1, 31))
REQUESTED = date(2027, 1, 29)
SECRET = b"test key"


def pending(validity: ValidityPeriod = ValidityPeriod(1, "months")) -> Issuance:
    return Issuance(
        issuance_id="ISS-000001",
        request_id="R-1",
        template=replace(tpl(), amount=1000, validity=validity),
        customer_uin="100001",
        amount=1000,
        status=IssuanceStatus.PENDING,
        requested_on=REQUESTED,
        requested_by="ops.analyst",
        operator="ops.lead",
        estimated_revenue=5000,
        estimated_conversion_date=REQUESTED,
        reason="pilot",
    )


def review_row(decision: str | None = APPROVE, **kw: object) -> ReviewRow:
    row = ReviewRow("Review", 2, "ISS-000001", decision, "ok", "reviewer.one", None)
    return replace(row, **kw)


def origin(
    row: ReviewRow | None = None,
    target: Issuance | None = None,
    secret: bytes | None = None,
    exported: frozenset[str] | None = None,
) -> ReviewCase:
    return ReviewCase(row or review_row(), target, REVIEW_CTX, secret, exported)


def sound_origin() -> ReviewCase:
    target = pending()
    return origin(
        review_row(shown=protected_cells(target), row_check=row_check(SECRET, target)),
        target,
        SECRET,
        frozenset({"ISS-000001"}),
    )


ORIGIN_CASES: dict[Callable[[ReviewCase], list[Problem]], tuple[ReviewCase, Code]] = {
    review_checks.known_issuance: (origin(target=None), Code.UNKNOWN_ISSUANCE),
    review_checks.in_this_export: (
        replace(sound_origin(), exported=frozenset({"ISS-000002"})),
        Code.ROW_CHECK,
    ),
    review_checks.protected_cells_unchanged: (
        replace(
            sound_origin(),
            row=replace(sound_origin().row, shown={**protected_cells(pending()), "Amount": 999}),
            secret=None,
        ),
        Code.ROW_CHECK,
    ),
    review_checks.row_check_matches: (
        replace(sound_origin(), row=replace(sound_origin().row, row_check="0" * 32)),
        Code.ROW_CHECK,
    ),
}


def decision(
    wanted: IssuanceStatus = IssuanceStatus.APPROVED,
    target: Issuance | None = None,
    **kw: object,
) -> DecisionCase:
    word = APPROVE if wanted is IssuanceStatus.APPROVED else REJECT
    return DecisionCase(review_row(word, **kw), target or pending(), REVIEW_CTX, wanted)


DECISION_CASES: dict[Callable[[DecisionCase], list[Problem]], tuple[DecisionCase, Code]] = {
    review_checks.four_eyes: (decision(reviewer="OPS.ANALYST"), Code.FOUR_EYES),
    review_checks.rejection_has_comment: (
        decision(IssuanceStatus.REJECTED, comment=None),
        Code.REJECT_NEEDS_COMMENT,
    ),
    review_checks.decision_date_in_range: (
        decision(decision_date=date(2027, 2, 1)),
        Code.DECISION_DATE,
    ),
    review_checks.validity_within_calendar: (
        decision(target=pending(ValidityPeriod(100_000, "months"))),
        Code.VALIDITY_PAST_CALENDAR,
    ),
}


def test_review_lists_hold_each_check_once() -> None:
    origin_checks = [*review_checks.ISSUANCE_CHECKS, *review_checks.TAMPER_CHECKS]
    decision_checks = [*review_checks.DECISION_CHECKS, *review_checks.APPROVAL_CHECKS]
    assert len(origin_checks) == len(set(origin_checks))
    assert len(decision_checks) == len(set(decision_checks))
    assert set(origin_checks) == set(ORIGIN_CASES)
    assert set(decision_checks) == set(DECISION_CASES)


@pytest.mark.parametrize("check", list(ORIGIN_CASES), ids=lambda c: c.__name__)
def test_each_origin_check_refuses_exactly_its_case(check: Callable[..., list[Problem]]) -> None:
    case, code = ORIGIN_CASES[check]
    every = [*review_checks.ISSUANCE_CHECKS, *review_checks.TAMPER_CHECKS]
    assert only_refuser(every, case) == [(check.__name__, [code])]


@pytest.mark.parametrize("check", list(DECISION_CASES), ids=lambda c: c.__name__)
def test_each_decision_check_refuses_exactly_its_case(check: Callable[..., list[Problem]]) -> None:
    case, code = DECISION_CASES[check]
    every = [*review_checks.DECISION_CHECKS, *review_checks.APPROVAL_CHECKS]
    assert only_refuser(every, case) == [(check.__name__, [code])]


def test_a_sound_review_passes_every_check() -> None:
    assert only_refuser(ORIGIN_CHECKS, sound_origin()) == []
    for wanted in (IssuanceStatus.APPROVED, IssuanceStatus.REJECTED):
        checks = [*review_checks.DECISION_CHECKS, *review_checks.APPROVAL_CHECKS]
        assert only_refuser(checks, decision(wanted)) == []


def test_a_decision_date_before_the_request_is_the_date_check() -> None:
    case = decision(decision_date=date(2027, 1, 28))
    checks = [*review_checks.DECISION_CHECKS, *review_checks.APPROVAL_CHECKS]
    assert only_refuser(checks, case) == [("decision_date_in_range", [Code.DECISION_DATE])]
