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


def _fit_problems(
    row: RequestRow, amount: int, view: LedgerView, ctx: BatchContext
) -> list[Problem]:
    """R2/R8 and R14: the amount fits the remaining quota on the business date and on every
    later recorded date; R16: the ledger's sums stay below their ceiling."""

    def problem(column: str, value: object, code: Code, message: str) -> Problem:
        return Problem(row.sheet, row.row, column, value, code, message)

    limit = view.limit
    if amount > view.balance.remaining or (limit is not None and amount > limit.available):
        if limit is None or limit.available >= view.balance.remaining:
            why = f"the remaining quota {view.balance.remaining:,} (R2, R8)"
        else:
            why = f"what is left: {limit.shortfall(ctx.business_date)} (R2, R8, R14)"
        return [
            problem(
                "Template Name",
                row.template_name,
                Code.QUOTA_EXCEEDED,
                f"the voucher amount {amount:,} exceeds {why}",
            )
        ]
    revenue = row.estimated_revenue or 0
    if view.totals.revenue + revenue > SUM_MAX:
        return [
            problem(
                "Estimated Revenue",
                row.estimated_revenue,
                Code.SUM_LIMIT,
                f"the ledger's total estimated revenue would pass {SUM_MAX_TEXT}, the most it "
                "holds (R16)",
            )
        ]
    if view.totals.requested + amount > SUM_MAX:
        return [
            problem(
                "Template Name",
                row.template_name,
                Code.SUM_LIMIT,
                f"the total amount ever requested would pass {SUM_MAX_TEXT}, the most the "
                "ledger holds (R16)",
            )
        ]
    return []


def _request_problems(
    row: RequestRow, view: LedgerView, ctx: BatchContext
) -> tuple[list[Problem], TemplateState | None]:
    problems = list(row.problems)

    def add(column: str, value: object, code: Code, message: str) -> None:
        problems.append(Problem(row.sheet, row.row, column, value, code, message))

    if row.customer_uin is not None:
        customer = view.customers.get(row.customer_uin)
        if customer is None:
            add(
                "Customer UIN",
                row.customer_uin,
                Code.UNKNOWN_CUSTOMER,
                f"customer UIN {row.customer_uin} is not a known bound customer; add it on the "
                "Customers sheet first (R7)",
            )
        elif customer.status is CustomerStatus.UNBOUND:
            add(
                "Customer UIN",
                row.customer_uin,
                Code.CUSTOMER_UNBOUND,
                f"customer UIN {row.customer_uin} is unbound and cannot receive new vouchers (R7)",
            )
    state = None
    if row.template_name is not None:
        state = view.templates.get(name_key(row.template_name))
        if state is None:
            add(
                "Template Name",
                row.template_name,
                Code.UNKNOWN_TEMPLATE,
                f"no template named '{row.template_name}' exists (R7)",
            )
    if (
        row.estimated_conversion_date is not None
        and row.estimated_conversion_date < ctx.business_date
    ):
        add(
            "Estimated Conversion Date",
            row.estimated_conversion_date,
            Code.CONVERSION_DATE_PAST,
            f"the estimated conversion date {row.estimated_conversion_date.isoformat()} is before "
            f"the processing date {ctx.business_date.isoformat()} (R7)",
        )
    return problems, state


def decide_requests(
    rows: Sequence[RequestRow],
    view: LedgerView,
    ctx: BatchContext,
    out: BatchOutcome,
    next_issuance_id: Callable[[], str],
) -> None:
    first_row: dict[str, int] = {}  # Request ID (as compared) -> the row that used it first
    for row in rows:
        balance = view.balance
        if row.request_id is not None:
            first = first_row.setdefault(identity_key(row.request_id), row.row)
            if first != row.row:
                problem = Problem(
                    row.sheet,
                    row.row,
                    "Request ID",
                    row.request_id,
                    Code.DUPLICATE_IN_FILE,
                    f"Request ID {row.request_id} is used on row {first} and again on row "
                    f"{row.row} of this sheet; each request needs its own ID (R9)",
                )
                out.decisions.append(
                    RowDecision(
                        row.sheet,
                        row.row,
                        RequestDecision.REFUSED,
                        [*row.problems, problem],
                        remaining=balance.remaining,
                    )
                )
                continue
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
        if existing is not None and content is not None:
            diffs = _content_differences(
                existing.content, content, by_given=row.requested_by is not None
            )
            if not diffs:
                out.decisions.append(
                    RowDecision(
                        row.sheet,
                        row.row,
                        RequestDecision.ALREADY_SUBMITTED,
                        [],
                        existing.issuance_id,
                        existing.amount,
                        balance.remaining,
                    )
                )
                continue
            problem = Problem(
                row.sheet,
                row.row,
                "Request ID",
                row.request_id,
                Code.REQUEST_CONFLICT,
                f"Request ID {row.request_id} conflicts with the request already submitted as "
                f"{existing.issuance_id}: {', '.join(diffs)} differ(s); use a new Request ID "
                "for a new request (R9)",
            )
            out.decisions.append(
                RowDecision(
                    row.sheet,
                    row.row,
                    RequestDecision.REFUSED,
                    [problem],
                    remaining=balance.remaining,
                )
            )
            continue

        problems, state = _request_problems(row, view, ctx)
        amount = state.template.amount if state is not None else None
        if not problems and content is not None and state is not None and amount is not None:
            problems = _fit_problems(row, amount, view, ctx)
            if not problems:
                assert row.request_id is not None  # guaranteed by the cell checks
                issuance_id = next_issuance_id()
                view.balance = Balance(
                    balance.quota, balance.pending + amount, balance.approved, balance.rejected
                )
                view.templates[state.template.key] = TemplateState(
                    state.template, state.issued_count + 1
                )
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
                out.issuances.append(
                    NewIssuance(issuance_id, row.request_id, state.template, content, amount)
                )
                out.decisions.append(
                    RowDecision(
                        row.sheet,
                        row.row,
                        RequestDecision.PENDING_APPROVAL,
                        [],
                        issuance_id,
                        amount,
                        view.balance.remaining,
                    )
                )
                continue
        out.decisions.append(
            RowDecision(
                row.sheet, row.row, RequestDecision.REFUSED, problems, "", amount, balance.remaining
            )
        )


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
