"""Accepted spellings of enumerated cells and validity periods, mapped to stored codes.

Kept free of pandas so that the command line can use it without loading the checking stack.
"""

from __future__ import annotations

import re

from ..domain.fields import validity_ok
from ..domain.model import (
    COST_BEARER,
    PRODUCT_SCOPE,
    VOUCHER_TYPE,
    CustomerStatus,
    PaymentMode,
    Usage,
    ValidityStart,
)


def choice_key(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text).strip().casefold()


# Accepted spellings of enumerated cells -> the stored code (compared by `_choice_key`).
CHOICES: dict[str, dict[str, str]] = {
    "Usage": {
        "product trial": Usage.PRODUCT_TRIAL.value,
        "producttrial": Usage.PRODUCT_TRIAL.value,
        "customer offer": Usage.CUSTOMER_OFFER.value,
        "customeroffer": Usage.CUSTOMER_OFFER.value,
    },
    "Payment Mode": {
        "all": PaymentMode.ALL.value,
        "allpayment": PaymentMode.ALL.value,
        "prepaid": PaymentMode.PREPAID.value,
        "postpaid": PaymentMode.POSTPAID.value,
        "pay as you go": PaymentMode.POSTPAID.value,
    },
    "Validity Start": {
        "from the validity date": ValidityStart.VALIDITY_DATE.value,
        "from the issuance date": ValidityStart.ISSUANCE_DATE.value,
    },
    "Status": {"bound": CustomerStatus.BOUND.value, "unbound": CustomerStatus.UNBOUND.value},
    # review decisions; `pass` and `reject` are the words of the partner API
    "Decision": {"approve": "approve", "pass": "approve", "reject": "reject"},
    "Cost Bearer": {"tencent": COST_BEARER},
    "Product Scope": {
        "allproducts": PRODUCT_SCOPE,
        "general products": PRODUCT_SCOPE,
        "general product": PRODUCT_SCOPE,
        "general product vouchers": PRODUCT_SCOPE,
    },
    "Voucher Type": {
        "balance deduction": VOUCHER_TYPE,
        "balance deduction voucher": VOUCHER_TYPE,
        "balance deduction vouchers": VOUCHER_TYPE,
    },
}
# Single-valued fields (R5): blank takes the only value.
SINGLE_VALUED = {
    "Cost Bearer": COST_BEARER,
    "Product Scope": PRODUCT_SCOPE,
    "Voucher Type": VOUCHER_TYPE,
}
_PERIOD = re.compile(r"^(\d+)\s*(day|days|month|months)$", re.IGNORECASE)


def canonical_period(text: str) -> str:
    """`30 Days` -> `30 days`; other text is returned unchanged for the model to refuse."""
    found = _PERIOD.match(text.strip())
    if not found:
        return text
    unit = "months" if found[2].lower().startswith("month") else "days"
    return f"{int(found[1])} {unit}"


def period_ok(text: str) -> bool:
    found = _PERIOD.match(text)
    if not found:
        return False
    return validity_ok(int(found[1]), "months" if found[2].startswith("month") else "days")
