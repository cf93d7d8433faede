"""What a reviewer must not change on a review row, and the keyed row check that proves it
was not (R10). The key never leaves the ledger.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

from .issuance import Issuance

# The columns a reviewer must not change, in the order the row check covers them.
PROTECTED = (
    "Request ID",
    "Template Name",
    "Customer UIN",
    "Amount",
    "Estimated Revenue",
    "Estimated Conversion Date",
    "Application Reason",
    "Requested By",
    "Requested On",
)


def protected_cells(issuance: Issuance) -> dict[str, object]:
    """What the ledger has in each protected column of `issuance`'s review row."""
    values: tuple[object, ...] = (
        issuance.request_id,
        issuance.template.name,
        issuance.customer_uin,
        issuance.amount,
        issuance.estimated_revenue,
        issuance.estimated_conversion_date,
        issuance.reason,
        issuance.requested_by,
        issuance.requested_on,
    )
    return dict(zip(PROTECTED, values, strict=True))


def row_check(secret: bytes, issuance: Issuance) -> str:
    """A keyed digest over what the reviewer must not change; the key never leaves the
    ledger, so a row check cannot be forged, and one copied from another row fails."""
    parts = [issuance.issuance_id] + [canonical(v) for v in protected_cells(issuance).values()]
    digest = hmac.new(secret, "\x1f".join(parts).encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:32]


def sign(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()


def canonical(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)
