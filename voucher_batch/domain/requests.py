"""The Requests sheet (R2, R7-R9, R14, R16): each row is judged by the check lists of
`request_checks`, in sheet order; an accepted row becomes a pending `Issuance` and the next
row sees the quota it took.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .batch import BatchContext, BatchOutcome, LedgerView, RequestRow, RowDecision
from .identity import identity_key
from .issuance import Issuance
from .model import ExistingRequest, IssuanceStatus, RequestContent, TemplateState, name_key
from .problems import Problem
from .quota import Balance, Totals
from .request_checks import (
    FIT_CHECKS,
    IDENTITY_CHECKS,
    REQUEST_CHECKS,
    RequestCase,
    every_problem,
    first_problems,
    same_as_submitted,
)
from .vocabulary import RequestDecision


def _request_case(
    row: RequestRow, view: LedgerView, ctx: BatchContext, first_row: dict[str, int]
) -> RequestCase:
    request_key = identity_key(row.request_id) if row.request_id is not None else None
    template_key = name_key(row.template_name) if row.template_name is not None else None
    content = None
    if (
        not row.problems
        and template_key is not None
        and row.customer_uin is not None
        and row.estimated_revenue is not None
        and row.estimated_conversion_date is not None
        and row.reason is not None
    ):
        content = RequestContent(
            template_key,
            row.customer_uin,
            row.estimated_revenue,
            row.estimated_conversion_date,
            row.reason,
            row.requested_by or ctx.operator,
        )
    existing = (
        view.requests.get(request_key) if request_key is not None and row.request_id else None
    )
    state = view.templates.get(template_key) if template_key is not None else None
    return RequestCase(row, view, ctx, first_row, content, existing, state, request_key)


def _decide_request(
    case: RequestCase, out: BatchOutcome, next_issuance_id: Callable[[], str]
) -> RowDecision:
    row, view = case.row, case.view
    remaining = view.balance.remaining

    def refused(problems: list[Problem], amount: int | None = None) -> RowDecision:
        return RowDecision(
            row.sheet, row.row, RequestDecision.REFUSED, problems, "", amount, remaining
        )

    if problems := every_problem(IDENTITY_CHECKS, case):
        return refused([*row.problems, *problems])
    if case.request_key is not None:
        case.first_row[case.request_key] = row.row
    # R9: a Request ID already recorded is judged only against what it recorded
    if case.existing is not None and case.content is not None:
        if problems := same_as_submitted(case):
            return refused(problems)
        existing = case.existing
        return RowDecision(
            row.sheet,
            row.row,
            RequestDecision.ALREADY_SUBMITTED,
            row.problems,  # none (the row has content): the row's empty list, not a new one
            existing.issuance_id,
            existing.amount,
            remaining,
        )
    problems = [*row.problems, *every_problem(REQUEST_CHECKS, case)]
    state, content = case.state, case.content
    amount = state.template.amount if state is not None else None
    if problems or content is None or state is None or amount is None:
        return refused(problems, amount)
    if problems := first_problems(FIT_CHECKS, case):
        return refused(problems, amount)
    # guaranteed by the cell checks
    assert row.request_id is not None and case.request_key is not None
    issuance = _new_issuance(case, row.request_id, state, content, next_issuance_id())
    _take(view, issuance, content, case.request_key)
    out.issuances.append(issuance)
    return RowDecision(
        row.sheet,
        row.row,
        RequestDecision.PENDING_APPROVAL,
        row.problems,  # none: the row's empty list, not one more list a row
        issuance.issuance_id,
        issuance.amount,
        view.balance.remaining,
    )


def _new_issuance(
    case: RequestCase,
    request_id: str,
    state: TemplateState,
    content: RequestContent,
    issuance_id: str,
) -> Issuance:
    """The pending issuance an accepted row becomes."""
    return Issuance(
        issuance_id=issuance_id,
        request_id=request_id,
        template=state.template,
        customer_uin=content.customer_uin,
        amount=state.template.amount,
        status=IssuanceStatus.PENDING,
        requested_on=case.ctx.business_date,
        requested_by=content.requested_by,
        operator=case.ctx.operator,
        estimated_revenue=content.estimated_revenue,
        estimated_conversion_date=content.estimated_conversion_date,
        reason=content.reason,
    )


def _take(view: LedgerView, issuance: Issuance, content: RequestContent, request_key: str) -> None:
    """What the rows after see once `issuance` is accepted: its amount pending, its template
    used, its Request ID (as compared: `request_key`) submitted with its `content`, the day
    limits and the ledger's totals moved."""
    amount, balance, template = issuance.amount, view.balance, issuance.template
    totals = view.totals
    view.balance = Balance(
        balance.quota, balance.pending + amount, balance.approved, balance.rejected
    )
    issued = view.templates[template.key].issued_count
    view.templates[template.key] = TemplateState(template, issued + 1)
    view.requests[request_key] = ExistingRequest(
        issuance.request_id, issuance.issuance_id, content, amount, issuance.status
    )
    if view.limit is not None:
        view.limit = view.limit.after(amount)
    view.totals = Totals(
        totals.granted,
        totals.reclaimed,
        totals.requested + amount,
        totals.revenue + issuance.estimated_revenue,
    )


def decide_requests(
    rows: Sequence[RequestRow],
    view: LedgerView,
    ctx: BatchContext,
    out: BatchOutcome,
    next_issuance_id: Callable[[], str],
) -> None:
    """Judge each row by the check lists above, in sheet order; an accepted row becomes a
    pending issuance and the next row sees the quota it took."""
    first_row: dict[str, int] = {}
    for row in rows:
        case = _request_case(row, view, ctx, first_row)
        out.decisions.append(_decide_request(case, out, next_issuance_id))
