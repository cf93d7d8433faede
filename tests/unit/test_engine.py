"""The pure domain engine: R4-R9 decisions without any I/O."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from voucher_batch.domain.batch import (
    BatchContext,
    BatchOutcome,
    CustomerRow,
    LedgerView,
    RequestRow,
    TemplateRow,
    format_issuance_id,
)
from voucher_batch.domain.engine import decide_batch
from voucher_batch.domain.model import (
    Customer,
    CustomerStatus,
    PaymentMode,
    Template,
    TemplateState,
    Usage,
    ValidityPeriod,
    ValidityStart,
)
from voucher_batch.domain.problems import Code
from voucher_batch.domain.quota import Balance

TODAY = date(2026, 11, 2)
CTX = BatchContext("ops.lead", TODAY)


def tpl(name: str = "Starter Trial", amount: int = 1000) -> Template:
    return Template(
        name,
        Usage.PRODUCT_TRIAL,
        PaymentMode.ALL,
        amount,
        ValidityPeriod(30, "days"),
        ValidityStart.ISSUANCE_DATE,
        "",
    )


def view(quota: int = 10_000, issued: int = 0, used: int = 0) -> LedgerView:
    t = tpl()
    return LedgerView(
        Balance(quota, issued, 0, 0),
        {
            "100001": Customer("100001", "A", None, CustomerStatus.BOUND),
            "100002": Customer("100002", "B", None, CustomerStatus.UNBOUND),
        },
        {t.key: TemplateState(t, used)},
        {},
    )


def req(rid: str, template: str = "Starter Trial", uin: str = "100001", **kw: object) -> RequestRow:
    fields: dict[str, object] = {
        "estimated_revenue": 100,
        "estimated_conversion_date": date(2027, 1, 1),
        "reason": "trial",
        "requested_by": None,
    }
    fields.update(kw)
    return RequestRow("Requests", 2, rid, template, uin, **fields)  # type: ignore[arg-type]


def ids() -> Callable[[], str]:
    counter = iter(range(1, 10_000))
    return lambda: format_issuance_id(next(counter))


def decide(requests: list[RequestRow], v: LedgerView | None = None) -> BatchOutcome:
    return decide_batch([], [], requests, v or view(), CTX, ids())


def test_first_fit_in_sheet_order() -> None:
    v = view(quota=2500)
    v.templates["small"] = TemplateState(tpl("Small", 500), 0)
    out = decide([req("a"), req("b"), req("c"), req("d", template="small")], v)
    assert [d.decision for d in out.decisions] == [
        "Pending approval",
        "Pending approval",
        "Refused",
        "Pending approval",
    ]
    assert out.decisions[2].problems[0].code is Code.QUOTA_EXCEEDED
    assert [d.remaining for d in out.decisions] == [1500, 500, 500, 0]
    assert v.balance.issued == 2500 == sum(i.amount for i in out.issuances)


def test_same_request_twice_is_already_submitted_and_conflict_is_refused() -> None:
    v = view()
    first = decide([req("a")], v)
    assert first.decisions[0].decision == "Pending approval"
    again = decide([req("a"), req("a", estimated_revenue=101)], v)
    assert [d.decision for d in again.decisions] == ["Already submitted", "Refused"]
    assert again.decisions[0].issuance_id == first.decisions[0].issuance_id
    assert again.decisions[1].problems[0].code is Code.REQUEST_CONFLICT
    assert "Estimated Revenue" in again.decisions[1].reason
    assert v.balance.issued == 1000


def test_requested_by_blank_matches_the_recorded_requester() -> None:
    v = view()
    decide([req("a", requested_by="ops.analyst")], v)
    again = decide([req("a", requested_by=None)], v)
    assert again.decisions[0].decision == "Already submitted"
    other = decide([req("a", requested_by="someone.else")], v)
    assert other.decisions[0].decision == "Refused"


def test_template_name_is_matched_case_insensitively_with_spaces_collapsed() -> None:
    out = decide([req("a", template="  STARTER    trial ")])
    assert out.decisions[0].decision == "Pending approval"


def test_unknown_and_unbound_customers_unknown_template_past_date() -> None:
    out = decide(
        [
            req("a", uin="999999"),
            req("b", uin="100002"),
            req("c", template="Gold Plan"),
            req("d", estimated_conversion_date=date(2026, 11, 1)),
            req("e", estimated_conversion_date=TODAY),
        ]
    )
    codes = [[p.code for p in d.problems] for d in out.decisions]
    assert codes == [
        [Code.UNKNOWN_CUSTOMER],
        [Code.CUSTOMER_UNBOUND],
        [Code.UNKNOWN_TEMPLATE],
        [Code.CONVERSION_DATE_PAST],
        [],
    ]


def test_template_lock_after_an_issuance() -> None:
    v = view()
    decide([req("a")], v)
    changed = TemplateRow("Templates", 2, tpl(amount=2000))
    same = TemplateRow("Templates", 3, tpl("starter  TRIAL"))
    out = decide_batch([], [changed, same], [], v, CTX, ids())
    assert [d.decision for d in out.decisions] == ["Refused", "Unchanged"]
    assert out.decisions[0].problems[0].code is Code.TEMPLATE_LOCKED
    assert "new template" in out.decisions[0].reason


def test_unused_template_updates_and_creates() -> None:
    v = view()
    rows = [TemplateRow("Templates", 2, tpl(amount=2000)), TemplateRow("Templates", 3, tpl("New"))]
    out = decide_batch([], rows, [], v, CTX, ids())
    assert [d.decision for d in out.decisions] == ["Updated", "Created"]
    assert len(out.templates) == 2


def test_customers_added_updated_unchanged_and_blank_keeps_current() -> None:
    v = view()
    rows = [
        CustomerRow("Customers", 2, "100001", "A", None, None),
        CustomerRow("Customers", 3, "100001", None, None, CustomerStatus.UNBOUND),
        CustomerRow("Customers", 4, "100003", "C", None, None),
    ]
    out = decide_batch(rows, [], [], v, CTX, ids())
    assert [d.decision for d in out.decisions] == ["Unchanged", "Updated", "Added"]
    assert v.customers["100001"] == Customer("100001", "A", None, CustomerStatus.UNBOUND)
    assert v.customers["100003"].status is CustomerStatus.BOUND


def test_rows_with_cell_problems_are_refused_and_reserve_nothing() -> None:
    from voucher_batch.domain.problems import Problem

    bad = req("a")
    bad.problems.append(
        Problem("Requests", 2, "Estimated Revenue", 1.5, Code.NOT_WHOLE_NUMBER, "x")
    )
    out = decide([bad])
    assert out.decisions[0].decision == "Refused"
    assert out.issuances == []
