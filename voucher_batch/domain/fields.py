"""Field rules that need nothing but the value itself (R4, R5, R7, R10): each one small
function, so the workbook checks, and anything else that takes these values, apply the
same rule.

The workbook adapter calls them from its sheet checks and turns a `False` into a problem
with the rule's code; the words of that problem live there, next to the cell it names.
"""

from __future__ import annotations

import re

from .model import (
    AMOUNT_MAX,
    AMOUNT_MIN,
    DESCRIPTION_MAX,
    REASON_MAX,
    REQUEST_ID_MAX,
    TEMPLATE_NAME_MAX,
)

VALIDITY_MAX = {"days": 366, "months": 12}


def template_name_ok(name: str) -> bool:
    """R4: 1-20 letters and spaces."""
    return 1 <= len(name) <= TEMPLATE_NAME_MAX and all(c.isalpha() or c == " " for c in name)


def amount_in_range(amount: int) -> bool:
    """R5: a voucher amount from 1 to 1,000,000."""
    return AMOUNT_MIN <= amount <= AMOUNT_MAX


def validity_ok(count: int, unit: str) -> bool:
    """R5: 1-366 days or 1-12 months."""
    return 1 <= count <= VALIDITY_MAX[unit]


def description_ok(text: str) -> bool:
    """R5: a template description of at most 200 characters (blank allowed)."""
    return len(text) <= DESCRIPTION_MAX


def request_id_ok(text: str) -> bool:
    """R7: a Request ID of 1-40 characters."""
    return 1 <= len(text) <= REQUEST_ID_MAX


def revenue_ok(revenue: int) -> bool:
    """R7: an estimated revenue of zero or more."""
    return revenue >= 0


def reason_ok(text: str) -> bool:
    """R7: an application reason of 1-500 characters."""
    return 1 <= len(text) <= REASON_MAX


def comment_ok(text: str) -> bool:
    """R10: a review comment of at most 500 characters (blank allowed)."""
    return len(text) <= REASON_MAX


_PERIOD = re.compile(r"^(\d+)\s*(day|days|month|months)$", re.IGNORECASE)


def canonical_period(text: str) -> str:
    """`30 Days` -> `30 days`; other text is returned unchanged for the model to refuse."""
    found = _PERIOD.match(text.strip())
    if not found:
        return text
    unit = "months" if found[2].lower().startswith("month") else "days"
    return f"{int(found[1])} {unit}"


def period_ok(text: str) -> bool:
    """R5: a validity period as written in a cell, `N days` or `N months`, within bounds."""
    found = _PERIOD.match(text)
    if not found:
        return False
    return validity_ok(int(found[1]), "months" if found[2].startswith("month") else "days")
