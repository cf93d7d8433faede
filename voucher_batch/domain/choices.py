"""The enumerated columns' vocabulary, once: for each column, the codes it stores, the label
its dropdown offers, and every spelling accepted when a cell is read (case, spaces, `_` and
`-` aside). The enums carry their own labels and spellings; the single-valued fields of R5
are listed here. Sheet contracts, dropdowns, help texts and the cell checks derive from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from .model import (
    COST_BEARER,
    PRODUCT_SCOPE,
    VOUCHER_TYPE,
    CustomerStatus,
    PaymentMode,
    Usage,
    ValidityStart,
)
from .vocabulary import ReviewAction


def choice_key(text: str) -> str:
    """How a cell's text is compared with the accepted spellings."""
    return re.sub(r"[\s_\-]+", " ", text).strip().casefold()


@dataclass(frozen=True)
class Choice:
    code: str  # what the ledger stores
    label: str  # what a dropdown offers
    spellings: tuple[str, ...] = ()  # also accepted in a cell

    @property
    def accepted(self) -> tuple[str, ...]:
        return (self.label, *self.spellings)


class _Labelled(Protocol):
    @property
    def value(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def spellings(self) -> tuple[str, ...]: ...


def _of(members: Iterable[_Labelled]) -> tuple[Choice, ...]:
    return tuple(Choice(m.value, m.label, m.spellings) for m in members)


# Each enumerated column, its choices in the order dropdowns offer them.
COLUMN_CHOICES: Mapping[str, tuple[Choice, ...]] = {
    "Usage": _of(Usage),
    "Payment Mode": _of(PaymentMode),
    "Validity Start": _of(ValidityStart),
    "Status": _of(CustomerStatus),
    "Decision": _of(ReviewAction),
    # R5: one value allowed today; a blank cell takes it
    "Cost Bearer": (Choice(COST_BEARER, COST_BEARER),),
    "Product Scope": (
        Choice(
            PRODUCT_SCOPE,
            "General products",
            (PRODUCT_SCOPE, "General product", "General product vouchers"),
        ),
    ),
    "Voucher Type": (
        Choice(
            VOUCHER_TYPE, VOUCHER_TYPE, ("Balance deduction voucher", "Balance deduction vouchers")
        ),
    ),
}

# Accepted spellings (as compared by `choice_key`) -> the stored code, per column.
CHOICES: Mapping[str, Mapping[str, str]] = {
    column: {choice_key(text): c.code for c in choices for text in c.accepted}
    for column, choices in COLUMN_CHOICES.items()
}

# Single-valued fields (R5): blank takes the only value.
SINGLE_VALUED: Mapping[str, str] = {
    column: choices[0].code for column, choices in COLUMN_CHOICES.items() if len(choices) == 1
}


def labels(column: str) -> tuple[str, ...]:
    """The labels a column's dropdown offers, in order."""
    return tuple(c.label for c in COLUMN_CHOICES[column])


def code_of(column: str, text: str) -> str | None:
    """The stored code of a value as people write it (`Product trial`, `ProductTrial`), or
    None when `text` is not one of the column's values."""
    return CHOICES[column].get(choice_key(text))
