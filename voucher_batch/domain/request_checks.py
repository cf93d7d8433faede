"""The checks a Requests row must pass (R2, R7-R9, R14, R16): small named functions over a
`RequestCase`, kept in the lists `requests.decide_requests` runs. A new rule is one function
here, one entry in its list and one unit test.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .batch import BatchContext, LedgerView, RequestRow
from .identity import identity_key
from .model import CustomerStatus, ExistingRequest, RequestContent, TemplateState
from .problems import Code, Problem
from .quota import SUM_MAX, SUM_MAX_TEXT

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
    # the row's Request ID as compared (R15), worked out once; from the row when not given
    request_key: str | None = None

    def __post_init__(self) -> None:
        if self.request_key is None and self.row.request_id is not None:
            object.__setattr__(self, "request_key", identity_key(self.row.request_id))

    def problem(self, column: str, value: object, code: Code, message: str) -> Problem:
        return Problem(self.row.sheet, self.row.row, column, value, code, message)


RequestCheck = Callable[[RequestCase], list[Problem]]


def duplicate_in_file(case: RequestCase) -> list[Problem]:
    """R9: a Request ID used on an earlier row of the same sheet."""
    row, key = case.row, case.request_key
    if key is None:
        return []
    first = case.first_row.get(key, row.row)
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
