"""The things partner ops work with, in the console's words: customers, templates, issuances.

Enumerations carry the public API codes (`ProductTrial`, `AllPayment`, ...) as their values
and a human label for workbooks and reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache


class Usage(StrEnum):
    PRODUCT_TRIAL = "ProductTrial"
    CUSTOMER_OFFER = "CustomerOffer"

    @property
    def label(self) -> str:
        return {"ProductTrial": "Product trial", "CustomerOffer": "Customer offer"}[self.value]

    @property
    def spellings(self) -> tuple[str, ...]:
        """Accepted in a cell besides the label (compared by `choices.choice_key`)."""
        return (self.value,)


class PaymentMode(StrEnum):
    ALL = "AllPayment"
    PREPAID = "Prepaid"
    POSTPAID = "Postpaid"

    @property
    def label(self) -> str:
        return {"AllPayment": "All", "Prepaid": "Prepaid", "Postpaid": "Postpaid"}[self.value]

    @property
    def spellings(self) -> tuple[str, ...]:
        """Accepted in a cell besides the label (compared by `choices.choice_key`)."""
        return (self.value, "Pay as you go") if self is PaymentMode.POSTPAID else (self.value,)


class ValidityStart(StrEnum):
    VALIDITY_DATE = "FromValidityDate"
    ISSUANCE_DATE = "FromIssuanceDate"

    @property
    def label(self) -> str:
        return {
            "FromValidityDate": "From the validity date",
            "FromIssuanceDate": "From the issuance date",
        }[self.value]

    @property
    def spellings(self) -> tuple[str, ...]:
        """Only the label is accepted in a cell: the codes are not offered to people."""
        return ()


class CustomerStatus(StrEnum):
    BOUND = "Bound"
    UNBOUND = "Unbound"

    @property
    def label(self) -> str:
        return self.value

    @property
    def spellings(self) -> tuple[str, ...]:
        return ()


class IssuanceStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


# The single values R5 allows today; blank cells take them.
COST_BEARER = "Tencent"
PRODUCT_SCOPE = "AllProducts"
VOUCHER_TYPE = "Balance deduction"

AMOUNT_MIN = 1
AMOUNT_MAX = 1_000_000
TEMPLATE_NAME_MAX = 20
DESCRIPTION_MAX = 200
REQUEST_ID_MAX = 40
REASON_MAX = 500

_SPACES = re.compile(r" +")


def collapse_spaces(text: str) -> str:
    """Trim and collapse runs of spaces, the way template names are written (R4)."""
    return _SPACES.sub(" ", text.strip())


@lru_cache(maxsize=4096)  # a batch names a few templates on every one of its rows
def name_key(name: str) -> str:
    """How template names are compared: spaces collapsed, case-insensitive (R4, R7)."""
    return collapse_spaces(name).casefold()


@dataclass(frozen=True)
class ValidityPeriod:
    count: int
    unit: str  # "days" | "months"

    def __str__(self) -> str:
        return f"{self.count} {self.unit}"


@dataclass(frozen=True)
class Customer:
    uin: str
    name: str
    bound_since: date | None
    status: CustomerStatus


@dataclass(frozen=True)
class Template:
    name: str
    usage: Usage
    payment_mode: PaymentMode
    amount: int
    validity: ValidityPeriod
    validity_start: ValidityStart
    description: str

    @property
    def key(self) -> str:
        return name_key(self.name)


@dataclass(frozen=True)
class TemplateState:
    """A template as stored, with whether any issuance was ever recorded against it (R6)."""

    template: Template
    issued_count: int

    @property
    def locked(self) -> bool:
        return self.issued_count > 0


@dataclass(frozen=True, slots=True)
class RequestContent:
    """What identifies a request's content for R9 idempotency."""

    template_key: str
    customer_uin: str
    estimated_revenue: int
    estimated_conversion_date: date
    reason: str
    requested_by: str


@dataclass(frozen=True, slots=True)
class ExistingRequest:
    """A request already recorded under a Request ID, as R9 compares a repeat against it:
    its content and outcome only. A projection of `issuance.Issuance`, read without its
    template version, for every Request ID a batch names."""

    request_id: str
    issuance_id: str
    content: RequestContent
    amount: int
    status: IssuanceStatus
