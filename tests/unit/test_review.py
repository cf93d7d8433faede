"""R3, R10, R11 in the pure review engine."""

from __future__ import annotations

from datetime import date

from tests.unit.test_engine import tpl
from voucher_batch.domain.issuance import Issuance
from voucher_batch.domain.model import IssuanceStatus, ValidityPeriod, ValidityStart
from voucher_batch.domain.problems import Code
from voucher_batch.domain.quota import Balance
from voucher_batch.domain.review import APPROVE, REJECT, decide_reviews
from voucher_batch.domain.review_checks import ReviewContext, ReviewRow

REQUESTED = date(2027, 1, 29)
CTX = ReviewContext("ops.lead", date(2027, 1, 31))


def issuance(ident: str, start: ValidityStart = ValidityStart.VALIDITY_DATE) -> Issuance:
    template = tpl()
    template = type(template)(
        template.name,
        template.usage,
        template.payment_mode,
        1000,
        ValidityPeriod(1, "months"),
        start,
        "",
    )
    return Issuance(
        issuance_id=ident,
        request_id=f"R-{ident}",
        template=template,
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


def row(
    ident: str | None,
    decision: str | None,
    comment: str | None = None,
    reviewer: str | None = "reviewer.one",
    when: date | None = None,
) -> ReviewRow:
    return ReviewRow("Review", 2, ident, decision, comment, reviewer, when)


def test_approve_reject_blank_and_quota_return() -> None:
    pool = {i: issuance(i) for i in ("A", "B", "C")}
    pool["C"] = issuance("C", ValidityStart.ISSUANCE_DATE)
    out, balance = decide_reviews(
        [row("A", APPROVE), row("B", REJECT, "no budget"), row("C", APPROVE), row("D", None)],
        pool,
        Balance(5000, 3000, 0, 0),
        CTX,
    )
    assert [d.decision for d in out.decisions] == ["Approved", "Rejected", "Approved", "Refused"]
    assert balance == Balance(5000, 0, 2000, 1000)
    a, b, c = out.new
    assert (a.valid_from, a.valid_until) == (date(2027, 1, 31), date(2027, 2, 27))
    assert (c.valid_from, c.valid_until) == (REQUESTED, date(2027, 2, 27))
    assert b.valid_from is None and b.comment == "no budget"


def test_reject_needs_comment_and_four_eyes() -> None:
    pool = {"A": issuance("A"), "B": issuance("B")}
    out, balance = decide_reviews(
        [
            row("A", REJECT),
            row("B", APPROVE, reviewer="OPS.ANALYST"),
            row("B", APPROVE, reviewer=None),
        ],
        pool,
        Balance(5000, 2000, 0, 0),
        CTX,
    )
    codes = [[p.code for p in d.problems] for d in out.decisions]
    assert codes == [[Code.REJECT_NEEDS_COMMENT], [Code.FOUR_EYES], [Code.FOUR_EYES]]
    assert balance == Balance(5000, 2000, 0, 0) and out.new == []


def test_same_decision_again_is_unchanged_other_is_refused() -> None:
    pool = {"A": issuance("A")}
    decide_reviews([row("A", APPROVE)], pool, Balance(5000, 1000, 0, 0), CTX)
    out, _ = decide_reviews(
        [row("A", APPROVE, when=date(2027, 1, 30)), row("A", REJECT, "late"), row("A", None)],
        pool,
        Balance(5000, 0, 1000, 0),
        CTX,
    )
    assert [d.decision for d in out.decisions] == ["Unchanged", "Refused", "Not reviewed"]
    assert out.decisions[1].problems[0].code is Code.ALREADY_DECIDED


def test_decision_dates_outside_the_request_and_processing_dates_are_refused() -> None:
    pool = {"A": issuance("A"), "B": issuance("B")}
    out, _ = decide_reviews(
        [row("A", APPROVE, when=date(2027, 1, 28)), row("B", APPROVE, when=date(2027, 2, 1))],
        pool,
        Balance(5000, 2000, 0, 0),
        CTX,
    )
    assert all(d.problems[0].code is Code.DECISION_DATE for d in out.decisions)
