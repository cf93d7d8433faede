"""What one batch is made of and what deciding it produces: the rows of each sheet as the
engine receives them, the slice of the ledger they are judged against, and the outcome
(one decision per row, and the customers, templates and issuances to record).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .issuance import Issuance
from .model import Customer, CustomerStatus, ExistingRequest, Template, TemplateState
from .problems import Decided, Problem
from .quota import Balance, DayLimit, Totals


@dataclass(slots=True)
class CustomerRow:
    sheet: str
    row: int
    uin: str | None
    name: str | None
    bound_since: date | None
    status: CustomerStatus | None
    problems: list[Problem] = field(default_factory=list)


@dataclass(slots=True)
class TemplateRow:
    sheet: str
    row: int
    template: Template | None  # None when a cell problem prevented building it
    problems: list[Problem] = field(default_factory=list)


@dataclass(slots=True)
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


@dataclass(slots=True)
class RowDecision(Decided):
    issuance_id: str = ""
    amount: int | None = None
    remaining: int | None = None


@dataclass
class BatchOutcome:
    decisions: list[RowDecision] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    templates: list[Template] = field(default_factory=list)
    issuances: list[Issuance] = field(default_factory=list)  # accepted: pending

    @property
    def refused(self) -> int:
        return sum(d.refused for d in self.decisions)


@dataclass(frozen=True)
class BatchContext:
    operator: str
    business_date: date


def format_issuance_id(number: int) -> str:
    return f"ISS-{number:06d}"
