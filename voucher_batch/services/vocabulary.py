"""What the command line shows and accepts before any data stack loads: the values of the
enumerated options (for help, completion and checking) and text made safe to print.

Light on purpose (the domain and the pandas-free choice table only): `--help` and shell
completion import this module, never the use cases themselves.
"""

from __future__ import annotations

from ..domain.choices import code_of
from ..domain.identity import printable as escape_controls
from ..domain.model import IssuanceStatus, PaymentMode, Usage
from ..domain.vocabulary import QuotaChangeKind, RequestDecision, ReviewVerdict

__all__ = ["LABELS", "QuotaChangeKind", "choice_code", "choice_labels", "printable"]

# The options' columns and the words people see for them (the first spelling of each code).
_LABELS: dict[str, list[str]] = {
    "Usage": [u.label for u in Usage],
    "Payment Mode": [m.label for m in PaymentMode],
}


def choice_labels(column: str) -> list[str]:
    """The values of `column` as the console shows them (e.g. `Product trial`)."""
    return list(_LABELS[column])


def choice_code(column: str, text: str) -> str | None:
    """The API code of a value as people write it (`Product trial`, `ProductTrial`,
    `pay-as-you-go`), or None when `text` is not one of the column's values."""
    return code_of(column, text)


def printable(text: str) -> str:
    """Ledger or cell text as the command line may show it (control characters escaped)."""
    return escape_controls(text)


# The words people see for the codes the ledger and the JSON keep (the input workbook's
# dropdown labels, the decision words of the Requests and Review sheets).
LABELS: dict[str, dict[str, str]] = {
    "usage": {u.value: u.label for u in Usage},
    "payment_mode": {m.value: m.label for m in PaymentMode},
    "status": {
        IssuanceStatus.PENDING.value: RequestDecision.PENDING_APPROVAL.value,
        IssuanceStatus.APPROVED.value: ReviewVerdict.APPROVED.value,
        IssuanceStatus.REJECTED.value: ReviewVerdict.REJECTED.value,
    },
    "kind": {k.value: k.value.capitalize() for k in QuotaChangeKind},
}
