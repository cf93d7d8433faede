"""The pandera model of each input sheet and the sentences of its failed checks.

One `DataFrameModel` a sheet, its checks named by the stable `Code` they report (or
`choice:`/`only:` for the choices vocabulary); `failure_message` turns a failed check into
that code and the sentence the user reads, naming the contract rule (`rule_of`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandas.api.types import infer_dtype
from pandera.typing import Series

from ..domain import fields
from ..domain.choices import CHOICES
from ..domain.fields import period_ok
from ..domain.model import (
    AMOUNT_MAX,
    AMOUNT_MIN,
    COST_BEARER,
    DESCRIPTION_MAX,
    PRODUCT_SCOPE,
    REASON_MAX,
    REQUEST_ID_MAX,
    TEMPLATE_NAME_MAX,
    VOUCHER_TYPE,
)
from ..domain.problems import Code


def _lengths(column: pd.Series) -> pd.Series:
    """The length of each value of a text column; -1 for a value that is not text."""
    if infer_dtype(column, skipna=False) == "string":
        lengths = np.fromiter(map(len, column.to_numpy()), dtype=np.int64, count=len(column))
        return pd.Series(lengths, index=column.index)
    return column.map(lambda v: len(v) if isinstance(v, str) else -1)


def _length_within(low: int, high: int) -> Callable[[pd.Series], pd.Series]:
    """A length rule as a column operation: text of `low` to `high` characters."""
    return lambda column: _lengths(column).between(low, high)


def _each_distinct(rule: Callable[[str], bool]) -> Callable[[pd.Series], pd.Series]:
    """A domain rule on text applied once per distinct value of a column (anything else is
    not text); the columns it checks hold a few distinct values (names, periods)."""

    def check(column: pd.Series) -> pd.Series:
        verdicts = {v: isinstance(v, str) and rule(v) for v in column.unique()}
        return column.map(verdicts).astype(bool)

    return check


def _isin(column: str) -> Callable[[pd.Series], pd.Series]:
    allowed = sorted(set(CHOICES[column].values()))
    return lambda values: values.isin(allowed)


# The checks run on the cells that hold a value (pandera leaves out the nulls); each one is
# a column operation, and agrees value for value with the domain rule it names
# (tests/unit/test_column_reading.py).


class CustomersModel(pa.DataFrameModel):
    """Customers sheet: UIN required (read as 5-20 digits); Status Bound | Unbound."""

    uin: Series[object] = pa.Field(nullable=True, alias="Customer UIN")
    status: Series[object] = pa.Field(nullable=True, alias="Status")

    @pa.check("Status", name=Code.CUSTOMER_STATUS.value)
    def _status(cls, s: pd.Series) -> pd.Series:
        return _isin("Status")(s)

    class Config:
        strict = False


class TemplatesModel(pa.DataFrameModel):
    """Templates sheet: R4 name, R5 fields."""

    template_name: Series[object] = pa.Field(nullable=True, alias="Template Name")
    cost_bearer: Series[object] = pa.Field(nullable=True, alias="Cost Bearer")
    usage: Series[object] = pa.Field(nullable=True, alias="Usage")
    product_scope: Series[object] = pa.Field(nullable=True, alias="Product Scope")
    payment_mode: Series[object] = pa.Field(nullable=True, alias="Payment Mode")
    voucher_type: Series[object] = pa.Field(nullable=True, alias="Voucher Type")
    amount: Series[pd.Int64Dtype] = pa.Field(nullable=True, alias="Amount")
    validity_period: Series[object] = pa.Field(nullable=True, alias="Validity Period")
    validity_start: Series[object] = pa.Field(nullable=True, alias="Validity Start")
    description: Series[object] = pa.Field(nullable=True, alias="Description")

    @pa.check("Template Name", name=Code.TEMPLATE_NAME.value)
    def _name(cls, s: pd.Series) -> pd.Series:
        return _each_distinct(fields.template_name_ok)(s)

    @pa.check("Cost Bearer", name="only:Cost Bearer")
    def _bearer(cls, s: pd.Series) -> pd.Series:
        return s.eq(COST_BEARER)

    @pa.check("Product Scope", name="only:Product Scope")
    def _scope(cls, s: pd.Series) -> pd.Series:
        return s.eq(PRODUCT_SCOPE)

    @pa.check("Voucher Type", name="only:Voucher Type")
    def _type(cls, s: pd.Series) -> pd.Series:
        return s.eq(VOUCHER_TYPE)

    @pa.check("Usage", name="choice:Usage")
    def _usage(cls, s: pd.Series) -> pd.Series:
        return _isin("Usage")(s)

    @pa.check("Payment Mode", name="choice:Payment Mode")
    def _payment(cls, s: pd.Series) -> pd.Series:
        return _isin("Payment Mode")(s)

    @pa.check("Validity Start", name="choice:Validity Start")
    def _start(cls, s: pd.Series) -> pd.Series:
        return _isin("Validity Start")(s)

    @pa.check("Amount", name=Code.AMOUNT_RANGE.value)
    def _amount(cls, s: pd.Series) -> pd.Series:
        return s.between(AMOUNT_MIN, AMOUNT_MAX)  # fields.amount_in_range

    @pa.check("Validity Period", name=Code.VALIDITY_PERIOD.value)
    def _period(cls, s: pd.Series) -> pd.Series:
        return _each_distinct(period_ok)(s)

    @pa.check("Description", name=Code.TOO_LONG.value)
    def _description(cls, s: pd.Series) -> pd.Series:
        return _length_within(0, DESCRIPTION_MAX)(s)  # fields.description_ok

    class Config:
        strict = False


class RequestsModel(pa.DataFrameModel):
    """Requests sheet: R7 field rules that need no ledger."""

    request_id: Series[object] = pa.Field(nullable=True, alias="Request ID")
    estimated_revenue: Series[pd.Int64Dtype] = pa.Field(nullable=True, alias="Estimated Revenue")
    reason: Series[object] = pa.Field(nullable=True, alias="Application Reason")

    @pa.check("Request ID", name=Code.REQUEST_ID.value)
    def _request_id(cls, s: pd.Series) -> pd.Series:
        return _length_within(1, REQUEST_ID_MAX)(s)  # fields.request_id_ok

    @pa.check("Estimated Revenue", name=Code.NEGATIVE_REVENUE.value)
    def _revenue(cls, s: pd.Series) -> pd.Series:
        return s.ge(0)  # fields.revenue_ok

    @pa.check("Application Reason", name=Code.REASON_LENGTH.value)
    def _reason(cls, s: pd.Series) -> pd.Series:
        return _length_within(1, REASON_MAX)(s)  # fields.reason_ok

    class Config:
        strict = False


class ReviewModel(pa.DataFrameModel):
    """Review sheet: the decision is Approve or Reject (or pass / reject)."""

    decision: Series[object] = pa.Field(nullable=True, alias="Decision")
    comment: Series[object] = pa.Field(nullable=True, alias="Review Comment")

    @pa.check("Decision", name="choice:Decision")
    def _decision(cls, s: pd.Series) -> pd.Series:
        return _isin("Decision")(s)

    @pa.check("Review Comment", name=Code.REASON_LENGTH.value)
    def _comment(cls, s: pd.Series) -> pd.Series:
        return _length_within(0, REASON_MAX)(s)  # fields.comment_ok

    class Config:
        strict = False


MODELS: dict[str, type[pa.DataFrameModel]] = {
    "Customers": CustomersModel,
    "Templates": TemplatesModel,
    "Requests": RequestsModel,
    "Review": ReviewModel,
}


def _accepted(column: str) -> str:
    labels = {
        "Usage": "Product trial, Customer offer (or ProductTrial, CustomerOffer)",
        "Payment Mode": "All, Prepaid, Postpaid (or AllPayment, Pay-as-you-go)",
        "Validity Start": "From the validity date, From the issuance date",
        "Decision": "Approve or Reject (or pass, reject), or leave it blank",
    }
    return labels[column]


def failure_message(check: str, column: str, value: object, sheet: str) -> tuple[Code, str]:
    """The stable code and the sentence for a failed pandera check."""
    shown = f"'{value}'"
    if check.startswith("only:"):
        return Code.ONLY_VALUE_SUPPORTED, (
            f"{shown} is not supported: only {SINGLE_LABELS[column]} is supported as {column} (R5)"
        )
    if check.startswith("choice:"):
        code = Code.NOT_A_DECISION if column == "Decision" else Code.NOT_ALLOWED_VALUE
        rule = rule_of(sheet, column)
        return code, f"{shown} is not a {column}; use {_accepted(column)} ({rule})"
    code = Code(check)
    if column == "Review Comment":
        return code, f"the review comment must be at most {REASON_MAX} characters (R10)"
    text = {
        Code.CUSTOMER_STATUS: f"{shown} is not a customer status; use Bound or Unbound",
        Code.TEMPLATE_NAME: f"{shown} is not a valid template name: 1-{TEMPLATE_NAME_MAX} "
        "letters and spaces (R4)",
        Code.AMOUNT_RANGE: f"{shown} is outside the amount range {AMOUNT_MIN:,} to "
        f"{AMOUNT_MAX:,} (R5)",
        Code.VALIDITY_PERIOD: f"{shown} is not a validity period: 'N days' (1-366) or "
        "'N months' (1-12) (R5)",
        Code.TOO_LONG: f"the description is longer than {DESCRIPTION_MAX} characters (R5)",
        Code.REQUEST_ID: f"the Request ID must be 1-{REQUEST_ID_MAX} characters (R9)",
        Code.NEGATIVE_REVENUE: f"{shown} is negative; the estimated revenue is a whole "
        "number >= 0 (R7)",
        Code.REASON_LENGTH: f"the application reason must be 1-{REASON_MAX} characters (R7)",
    }[code]
    return code, text


SINGLE_LABELS = {
    "Cost Bearer": "Tencent",
    "Product Scope": "General products (AllProducts)",
    "Voucher Type": "Balance deduction",
}


def rule_of(sheet: str, column: str) -> str:
    """The contract rule a column's values answer to, for messages."""
    if sheet == "Templates":
        return "R4" if column == "Template Name" else "R5"
    if sheet == "Requests":
        return "R9" if column == "Request ID" else "R7"
    if sheet == "Review":
        return "R10"
    return "section 2"
