"""The decision engine: applies R4-R9 to the rows of one batch against a view of the ledger.

The engine is a pure function of its inputs. It receives rows whose cells were already read
and checked (with any cell problems attached), a `LedgerView` holding just the part of the
ledger the batch touches, and returns one `RowDecision` per row plus the new ledger entries
to record. Rows are decided in sheet order and each decision sees the ones before it, so a
template created on the Templates sheet can be used on the Requests sheet (R8 first fit).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from .identity import identity_key
from .model import (
    Customer,
    CustomerStatus,
    ExistingRequest,
    IssuanceStatus,
    RequestContent,
    Template,
    TemplateState,
    name_key,
)
from .problems import Code, Decided, Problem
from .quota import SUM_MAX, SUM_MAX_TEXT, Balance, DayLimit, Totals
from .vocabulary import CustomerDecision, RequestDecision, TemplateDecision


@dataclass
class CustomerRow:
    sheet: str
    row: int
    uin: str | None
    name: str | None
    bound_since: date | None
    status: CustomerStatus | None
    problems: list[Problem] = field(default_factory=list)


@dataclass
class TemplateRow:
    sheet: str
    row: int
    template: Template | None  # None when a cell problem prevented building it
    problems: list[Problem] = field(default_factory=list)


@dataclass
class RequestRow:
    sheet: str
    row: int
    request_id: str | None
    template_name: str | None
    customer_uin: str | None
    estimated_revenue: int | None
    estimated_conversion_date: date | None
    reason: str | None
    requested_by: str | None  # None when the cell was blank: the operator is the requester
    problems: list[Problem] = field(default_factory=list)


@dataclass
class LedgerView:
    """The slice of the ledger a batch needs; the engine updates it as rows are accepted."""

    balance: Balance
    customers: dict[str, Customer]
    templates: dict[str, TemplateState]  # by name_key
    requests: dict[str, ExistingRequest]  # by identity_key of the Request ID (R9, R15)
    limit: DayLimit | None = None  # R14 on the batch's business date; None: the balance only
    totals: Totals = field(default_factory=Totals)  # R16


@dataclass(frozen=True)
class NewIssuance:
    issuance_id: str
    request_id: str
    template: Template
    content: RequestContent
    amount: int


@dataclass
class RowDecision(Decided):
    issuance_id: str = ""
    amount: int | None = None
    remaining: int | None = None


@dataclass
class BatchOutcome:
    decisions: list[RowDecision] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    templates: list[Template] = field(default_factory=list)
    issuances: list[NewIssuance] = field(default_factory=list)

    @property
    def refused(self) -> int:
        return sum(d.refused for d in self.decisions)


@dataclass(frozen=True)
class BatchContext:
    operator: str
    business_date: date


def format_issuance_id(number: int) -> str:
    return f"ISS-{number:06d}"


def decide_customers(rows: Sequence[CustomerRow], view: LedgerView, out: BatchOutcome) -> None:
    for row in rows:
        if row.problems or row.uin is None:
            out.decisions.append(
                RowDecision(row.sheet, row.row, CustomerDecision.REFUSED, list(row.problems))
            )
            continue
        current = view.customers.get(row.uin)
        if current is None:
            new = Customer(
                row.uin, row.name or "", row.bound_since, row.status or CustomerStatus.BOUND
            )
            verdict = CustomerDecision.ADDED
        else:
            # blank optional cells keep what the ledger has
            new = Customer(
                row.uin,
                row.name if row.name is not None else current.name,
                row.bound_since if row.bound_since is not None else current.bound_since,
                row.status if row.status is not None else current.status,
            )
            verdict = CustomerDecision.UNCHANGED if new == current else CustomerDecision.UPDATED
        if verdict != CustomerDecision.UNCHANGED:
            view.customers[row.uin] = new
            out.customers.append(new)
        out.decisions.append(RowDecision(row.sheet, row.row, verdict, []))


def _same_template(a: Template, b: Template) -> bool:
    return replace(a, name=b.name) == b and a.key == b.key


def decide_templates(rows: Sequence[TemplateRow], view: LedgerView, out: BatchOutcome) -> None:
    for row in rows:
        if row.problems or row.template is None:
            out.decisions.append(
                RowDecision(row.sheet, row.row, TemplateDecision.REFUSED, list(row.problems))
            )
            continue
        tpl = row.template
        state = view.templates.get(tpl.key)
        if state is None:
            verdict = TemplateDecision.CREATED
        elif _same_template(tpl, state.template):
            verdict = TemplateDecision.UNCHANGED
        elif state.locked:
            problem = Problem(
                row.sheet,
                row.row,
                "Template Name",
                tpl.name,
                Code.TEMPLATE_LOCKED,
                f"template '{state.template.name}' cannot be changed because vouchers were "
                f"already issued from it ({state.issued_count}); create a new template with "
                "another name instead (R6)",
            )
            out.decisions.append(
                RowDecision(row.sheet, row.row, TemplateDecision.REFUSED, [problem])
            )
            continue
        else:
            verdict = TemplateDecision.UPDATED
        if verdict != TemplateDecision.UNCHANGED:
            view.templates[tpl.key] = TemplateState(tpl, state.issued_count if state else 0)
            out.templates.append(tpl)
        out.decisions.append(RowDecision(row.sheet, row.row, verdict, []))


_CONTENT_LABELS = {
    "template_key": "Template Name",
    "customer_uin": "Customer UIN",
    "estimated_revenue": "Estimated Revenue",
    "estimated_conversion_date": "Estimated Conversion Date",
    "reason": "Application Reason",
    "requested_by": "Requested By",
}


def _content_differences(old: RequestContent, new: RequestContent, by_given: bool) -> list[str]:
    diffs = []
    for attr, label in _CONTENT_LABELS.items():
        if attr == "requested_by":
            if by_given and identity_key(old.requested_by) != identity_key(new.requested_by):
                diffs.append(label)
            continue
        if getattr(old, attr) != getattr(new, attr):
            diffs.append(label)
    return diffs


@dataclass(frozen=True)
class RequestCase:
    """One Requests row with what the checks need to judge it: the ledger as decided so far,
    the batch, the row's content (None while a cell problem leaves it incomplete), the request
    already submitted under its Request ID, and the template it names, if they exist."""

    row: RequestRow
    view: LedgerView
    ctx: BatchContext
    first_row: dict[
        str, int
    ]  # Request ID (as compared) -> the row of this sheet that used it first
    content: RequestContent | None = None
    existing: ExistingRequest | None = None
    state: TemplateState | None = None

    def problem(self, column: str, value: object, code: Code, message: str) -> Problem:
        return Problem(self.row.sheet, self.row.row, column, value, code, message)


RequestCheck = Callable[[RequestCase], list[Problem]]


def duplicate_in_file(case: RequestCase) -> list[Problem]:
    """R9: a Request ID used on an earlier row of the same sheet."""
    row = case.row
    if row.request_id is None:
        return []
    first = case.first_row.get(identity_key(row.request_id), row.row)
    if first == row.row:
        return []
    return [
        case.problem(
            "Request ID",
            row.request_id,
            Code.DUPLICATE_IN_FILE,
            f"Request ID {row.request_id} is used on row {first} and again on row "
            f"{row.row} of this sheet; each request needs its own ID (R9)",
        )
    ]


def same_as_submitted(case: RequestCase) -> list[Problem]:
    """R9: a Request ID already recorded may come again only with the same content."""
    row, existing, content = case.row, case.existing, case.content
    if existing is None or content is None:
        return []
    diffs = _content_differences(existing.content, content, by_given=row.requested_by is not None)
    if not diffs:
        return []
    return [
        case.problem(
            "Request ID",
            row.request_id,
            Code.REQUEST_CONFLICT,
            f"Request ID {row.request_id} conflicts with the request already submitted as "
            f"{existing.issuance_id}: {', '.join(diffs)} differ(s); use a new Request ID "
            "for a new request (R9)",
        )
    ]


def known_customer(case: RequestCase) -> list[Problem]:
    """R7: the customer is known and bound."""
    uin = case.row.customer_uin
    if uin is None:
        return []
    customer = case.view.customers.get(uin)
    if customer is None:
        return [
            case.problem(
                "Customer UIN",
                uin,
                Code.UNKNOWN_CUSTOMER,
                f"customer UIN {uin} is not a known bound customer; add it on the "
                "Customers sheet first (R7)",
            )
        ]
    if customer.status is CustomerStatus.UNBOUND:
        return [
            case.problem(
                "Customer UIN",
                uin,
                Code.CUSTOMER_UNBOUND,
                f"customer UIN {uin} is unbound and cannot receive new vouchers (R7)",
            )
        ]
    return []


def known_template(case: RequestCase) -> list[Problem]:
    """R7: the template exists (in the ledger or created above in this workbook)."""
    name = case.row.template_name
    if name is None or case.state is not None:
        return []
    return [
        case.problem(
            "Template Name",
            name,
            Code.UNKNOWN_TEMPLATE,
            f"no template named '{name}' exists (R7)",
        )
    ]


def conversion_date_not_past(case: RequestCase) -> list[Problem]:
    """R7: the estimated conversion date is not before the processing date."""
    when, today = case.row.estimated_conversion_date, case.ctx.business_date
    if when is None or when >= today:
        return []
    return [
        case.problem(
            "Estimated Conversion Date",
            when,
            Code.CONVERSION_DATE_PAST,
            f"the estimated conversion date {when.isoformat()} is before "
            f"the processing date {today.isoformat()} (R7)",
        )
    ]


def fits_quota(case: RequestCase) -> list[Problem]:
    """R2/R8 and R14: the amount fits the remaining quota on the business date and on every
    later recorded date."""
    if case.state is None:
        return []
    amount, view = case.state.template.amount, case.view
    limit = view.limit
    if amount <= view.balance.remaining and (limit is None or amount <= limit.available):
        return []
    if limit is None or limit.available >= view.balance.remaining:
        why = f"the remaining quota {view.balance.remaining:,} (R2, R8)"
    else:
        why = f"what is left: {limit.shortfall(case.ctx.business_date)} (R2, R8, R14)"
    return [
        case.problem(
            "Template Name",
            case.row.template_name,
            Code.QUOTA_EXCEEDED,
            f"the voucher amount {amount:,} exceeds {why}",
        )
    ]


def revenue_sum_fits(case: RequestCase) -> list[Problem]:
    """R16: the ledger's total estimated revenue stays below its ceiling."""
    revenue = case.row.estimated_revenue or 0
    if case.view.totals.revenue + revenue <= SUM_MAX:
        return []
    return [
        case.problem(
            "Estimated Revenue",
            case.row.estimated_revenue,
            Code.SUM_LIMIT,
            f"the ledger's total estimated revenue would pass {SUM_MAX_TEXT}, the most it "
            "holds (R16)",
        )
    ]


def requested_sum_fits(case: RequestCase) -> list[Problem]:
    """R16: the total amount ever requested stays below its ceiling."""
    if case.state is None:
        return []
    if case.view.totals.requested + case.state.template.amount <= SUM_MAX:
        return []
    return [
        case.problem(
            "Template Name",
            case.row.template_name,
            Code.SUM_LIMIT,
            f"the total amount ever requested would pass {SUM_MAX_TEXT}, the most the "
            "ledger holds (R16)",
        )
    ]


# R9, first: a repeated Request ID is refused for that alone, before anything else is judged.
IDENTITY_CHECKS: tuple[RequestCheck, ...] = (duplicate_in_file,)
# R7: what the row names must exist and make sense; every problem found is reported.
REQUEST_CHECKS: tuple[RequestCheck, ...] = (
    known_customer,
    known_template,
    conversion_date_not_past,
)
# R2/R8, R14, R16: judged only for an otherwise sound row; the first that fails is reported.
FIT_CHECKS: tuple[RequestCheck, ...] = (fits_quota, revenue_sum_fits, requested_sum_fits)


def every_problem(checks: Sequence[RequestCheck], case: RequestCase) -> list[Problem]:
    """The problems of every check, in order."""
    return [problem for check in checks for problem in check(case)]


def first_problems(checks: Sequence[RequestCheck], case: RequestCase) -> list[Problem]:
    """The problems of the first check that finds any."""
    for check in checks:
        if problems := check(case):
            return problems
    return []


def _request_case(
    row: RequestRow, view: LedgerView, ctx: BatchContext, first_row: dict[str, int]
) -> RequestCase:
    content = None
    if (
        not row.problems
        and row.template_name is not None
        and row.customer_uin is not None
        and row.estimated_revenue is not None
        and row.estimated_conversion_date is not None
        and row.reason is not None
    ):
        content = RequestContent(
            name_key(row.template_name),
            row.customer_uin,
            row.estimated_revenue,
            row.estimated_conversion_date,
            row.reason,
            row.requested_by or ctx.operator,
        )
    existing = view.requests.get(identity_key(row.request_id)) if row.request_id else None
    state = (
        view.templates.get(name_key(row.template_name)) if row.template_name is not None else None
    )
    return RequestCase(row, view, ctx, first_row, content, existing, state)


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
    if row.request_id is not None:
        case.first_row[identity_key(row.request_id)] = row.row
    # R9: a Request ID already recorded is judged only against what it recorded
    if case.existing is not None and case.content is not None:
        if problems := same_as_submitted(case):
            return refused(problems)
        existing = case.existing
        return RowDecision(
            row.sheet,
            row.row,
            RequestDecision.ALREADY_SUBMITTED,
            [],
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
    assert row.request_id is not None  # guaranteed by the cell checks
    issuance_id = next_issuance_id()
    balance = view.balance
    view.balance = Balance(
        balance.quota, balance.pending + amount, balance.approved, balance.rejected
    )
    view.templates[state.template.key] = TemplateState(state.template, state.issued_count + 1)
    view.requests[identity_key(row.request_id)] = ExistingRequest(
        row.request_id, issuance_id, content, amount, IssuanceStatus.PENDING
    )
    if view.limit is not None:
        view.limit = view.limit.after(amount)
    view.totals = replace(
        view.totals,
        requested=view.totals.requested + amount,
        revenue=view.totals.revenue + content.estimated_revenue,
    )
    out.issuances.append(NewIssuance(issuance_id, row.request_id, state.template, content, amount))
    return RowDecision(
        row.sheet,
        row.row,
        RequestDecision.PENDING_APPROVAL,
        [],
        issuance_id,
        amount,
        view.balance.remaining,
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


def decide_batch(
    customers: Sequence[CustomerRow],
    templates: Sequence[TemplateRow],
    requests: Sequence[RequestRow],
    view: LedgerView,
    ctx: BatchContext,
    next_issuance_id: Callable[[], str],
) -> BatchOutcome:
    """Decide every row of a workbook: Customers, then Templates, then Requests."""
    out = BatchOutcome()
    decide_customers(customers, view, out)
    decide_templates(templates, view, out)
    decide_requests(requests, view, ctx, out, next_issuance_id)
    return out
