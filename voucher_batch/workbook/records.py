"""Checked sheet rows as the domain engine's rows (typed values, problems attached)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ..domain.batch import CustomerRow, RequestRow, TemplateRow
from ..domain.model import (
    CustomerStatus,
    PaymentMode,
    Template,
    Usage,
    ValidityPeriod,
    ValidityStart,
)
from ..domain.review_checks import ReviewRow
from ..domain.row_check import PROTECTED
from .validation import CheckedRow


def _text(values: Mapping[str, object], key: str) -> str | None:
    value = values.get(key)
    return value if isinstance(value, str) and value else None


def _int(values: Mapping[str, object], key: str) -> int | None:
    value = values.get(key)
    return int(value) if isinstance(value, int) else None


def _date(values: Mapping[str, object], key: str) -> date | None:
    value = values.get(key)
    return value if isinstance(value, date) else None


def customer_row(sheet: str, row: CheckedRow) -> CustomerRow:
    v = row.values
    status = _text(v, "Status")
    return CustomerRow(
        sheet,
        row.row,
        _text(v, "Customer UIN"),
        _text(v, "Customer Name"),
        _date(v, "Bound Since"),
        CustomerStatus(status) if status else None,
        row.problems,
    )


def template_row(sheet: str, row: CheckedRow) -> TemplateRow:
    v = row.values
    if row.problems:
        return TemplateRow(sheet, row.row, None, row.problems)
    count, unit = str(v["Validity Period"]).split(" ")
    template = Template(
        name=str(v["Template Name"]),
        usage=Usage(str(v["Usage"])),
        payment_mode=PaymentMode(str(v["Payment Mode"])),
        amount=_int(v, "Amount") or 0,
        validity=ValidityPeriod(int(count), unit),
        validity_start=ValidityStart(str(v["Validity Start"])),
        description=_text(v, "Description") or "",
    )
    return TemplateRow(sheet, row.row, template, [])


def request_id(row: CheckedRow) -> str | None:
    """The Request ID of a Requests row, as its domain row holds it."""
    return _text(row.values, "Request ID")


def request_row(sheet: str, row: CheckedRow) -> RequestRow:
    v = row.values
    return RequestRow(
        sheet,
        row.row,
        _text(v, "Request ID"),
        _text(v, "Template Name"),
        _text(v, "Customer UIN"),
        _int(v, "Estimated Revenue"),
        _date(v, "Estimated Conversion Date"),
        _text(v, "Application Reason"),
        _text(v, "Requested By"),
        row.problems,
    )


def review_row(sheet: str, row: CheckedRow, present: set[str]) -> ReviewRow:
    """A Review sheet row; `present` names the columns the sheet has (protected cells of a
    column that was deleted cannot be compared, the row check still covers them)."""
    v = row.values
    return ReviewRow(
        sheet,
        row.row,
        _text(v, "Issuance ID"),
        _text(v, "Decision"),
        _text(v, "Review Comment"),
        _text(v, "Reviewer"),
        _date(v, "Decision Date"),
        row.problems,
        shown={c: v.get(c) for c in PROTECTED if c in present},
        row_check=_text(v, "Row Check"),
        voucher_id=_text(v, "Voucher ID"),
    )
