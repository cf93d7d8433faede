"""One issuance: a voucher requested for a customer from a template, and where its review
stands. The engine makes them (pending), the ledger keeps them, reviews decide them.

This is the one entity for "an issuance". The other issuance-shaped classes are projections
that say why they exist: `model.ExistingRequest` (a Request ID's recorded content, R9),
`report.IssuanceFact` (a row of the monthly figures), `verify.IssuanceEntry` (a raw ledger
row replayed by `ledger verify`) and the ledger's `VoucherRecord` (a row of `vouchers list`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .model import IssuanceStatus, RequestContent, Template


@dataclass(kw_only=True, slots=True)
class Issuance:
    """An issuance with its request's content. Mutable only where a review decides it:
    `status` and `decided_on` (R10)."""

    issuance_id: str
    request_id: str
    template: Template
    customer_uin: str
    amount: int
    status: IssuanceStatus
    requested_on: date
    requested_by: str
    operator: str  # who ingested the request
    estimated_revenue: int
    estimated_conversion_date: date
    reason: str
    decided_on: date | None = None

    @property
    def content(self) -> RequestContent:
        """What identifies this request's content (R9)."""
        return RequestContent(
            template_key=self.template.key,
            customer_uin=self.customer_uin,
            estimated_revenue=self.estimated_revenue,
            estimated_conversion_date=self.estimated_conversion_date,
            reason=self.reason,
            requested_by=self.requested_by,
        )
