"""Checking the cells of each sheet: typed reading, then one pandera model per sheet.

Stage one reads every cell as its column's kind (`cells.py`) and flags blank required
cells. Stage two puts the typed columns in a DataFrame indexed by Excel row and runs the
sheet's pandera model with `lazy=True`, so every failing cell of the sheet is found in one
pass; each failure case maps back to (row, column) and a stable `Code` through the check's
name. The result is one `CheckedRow` per input row: typed values plus its problems.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from ..domain import fields
from ..domain.choices import CHOICES, SINGLE_VALUED, choice_key
from ..domain.fields import canonical_period, period_ok
from ..domain.identity import unsafe_character
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
    collapse_spaces,
)
from ..domain.problems import Code, Problem
from . import cells
from .reader import RawSheet
from .sheets import CHOICE, DATE, UIN, WHOLE, SheetSpec


def _text_ok(rule: Callable[[str], bool]) -> Callable[[object], bool]:
    """A domain rule on text, applied to a cell value (anything else is not text)."""
    return lambda v: isinstance(v, str) and rule(v)


def _isin(column: str) -> Callable[[object], bool]:
    allowed = set(CHOICES[column].values())
    return lambda v: v in allowed


class CustomersModel(pa.DataFrameModel):
    """Customers sheet: UIN required (read as 5-20 digits); Status Bound | Unbound."""

    uin: Series[object] = pa.Field(nullable=True, alias="Customer UIN")
    status: Series[object] = pa.Field(nullable=True, alias="Status")

    @pa.check("Status", name=Code.CUSTOMER_STATUS.value, element_wise=True)
    def _status(cls, v: object) -> bool:
        return _isin("Status")(v)

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

    @pa.check("Template Name", name=Code.TEMPLATE_NAME.value, element_wise=True)
    def _name(cls, v: object) -> bool:
        return _text_ok(fields.template_name_ok)(v)

    @pa.check("Cost Bearer", name="only:Cost Bearer", element_wise=True)
    def _bearer(cls, v: object) -> bool:
        return v == COST_BEARER

    @pa.check("Product Scope", name="only:Product Scope", element_wise=True)
    def _scope(cls, v: object) -> bool:
        return v == PRODUCT_SCOPE

    @pa.check("Voucher Type", name="only:Voucher Type", element_wise=True)
    def _type(cls, v: object) -> bool:
        return v == VOUCHER_TYPE

    @pa.check("Usage", name="choice:Usage", element_wise=True)
    def _usage(cls, v: object) -> bool:
        return _isin("Usage")(v)

    @pa.check("Payment Mode", name="choice:Payment Mode", element_wise=True)
    def _payment(cls, v: object) -> bool:
        return _isin("Payment Mode")(v)

    @pa.check("Validity Start", name="choice:Validity Start", element_wise=True)
    def _start(cls, v: object) -> bool:
        return _isin("Validity Start")(v)

    @pa.check("Amount", name=Code.AMOUNT_RANGE.value, element_wise=True)
    def _amount(cls, v: int) -> bool:
        return fields.amount_in_range(v)

    @pa.check("Validity Period", name=Code.VALIDITY_PERIOD.value, element_wise=True)
    def _period(cls, v: object) -> bool:
        return isinstance(v, str) and period_ok(v)

    @pa.check("Description", name=Code.TOO_LONG.value, element_wise=True)
    def _description(cls, v: object) -> bool:
        return _text_ok(fields.description_ok)(v)

    class Config:
        strict = False


class RequestsModel(pa.DataFrameModel):
    """Requests sheet: R7 field rules that need no ledger."""

    request_id: Series[object] = pa.Field(nullable=True, alias="Request ID")
    estimated_revenue: Series[pd.Int64Dtype] = pa.Field(nullable=True, alias="Estimated Revenue")
    reason: Series[object] = pa.Field(nullable=True, alias="Application Reason")

    @pa.check("Request ID", name=Code.REQUEST_ID.value, element_wise=True)
    def _request_id(cls, v: object) -> bool:
        return _text_ok(fields.request_id_ok)(v)

    @pa.check("Estimated Revenue", name=Code.NEGATIVE_REVENUE.value, element_wise=True)
    def _revenue(cls, v: int) -> bool:
        return fields.revenue_ok(v)

    @pa.check("Application Reason", name=Code.REASON_LENGTH.value, element_wise=True)
    def _reason(cls, v: object) -> bool:
        return _text_ok(fields.reason_ok)(v)

    class Config:
        strict = False


class ReviewModel(pa.DataFrameModel):
    """Review sheet: the decision is Approve or Reject (or pass / reject)."""

    decision: Series[object] = pa.Field(nullable=True, alias="Decision")
    comment: Series[object] = pa.Field(nullable=True, alias="Review Comment")

    @pa.check("Decision", name="choice:Decision", element_wise=True)
    def _decision(cls, v: object) -> bool:
        return _isin("Decision")(v)

    @pa.check("Review Comment", name=Code.REASON_LENGTH.value, element_wise=True)
    def _comment(cls, v: object) -> bool:
        return _text_ok(fields.comment_ok)(v)

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


def _message(check: str, column: str, value: object, sheet: str) -> tuple[Code, str]:
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


@dataclass
class CheckedRow:
    row: int
    values: dict[str, object]  # canonical column -> typed value (None when blank or refused)
    problems: list[Problem] = field(default_factory=list)


# Identities (R15): compared as people mean them, refused with invisible control characters.
IDENTITY_COLUMNS = frozenset({"Request ID", "Requested By", "Reviewer"})


def _read_cell(sheet: RawSheet, spec_name: str, kind: str, raw: object) -> object:
    if kind == WHOLE:
        return cells.read_whole(raw)
    if kind == DATE:
        return cells.read_date(raw)
    if kind == UIN:
        return cells.read_uin(raw)
    text = cells.read_text(raw)
    if spec_name in IDENTITY_COLUMNS:
        unsafe = unsafe_character(text)
        if unsafe is not None:
            raise cells.CellProblem(
                Code.UNSAFE_CHARACTER,
                f"contains the control or bidirectional character {unsafe}; identifiers must be "
                "plain text (R15)",
            )
    if kind == CHOICE:
        return CHOICES[spec_name].get(choice_key(text), text)
    if spec_name == "Template Name":
        return collapse_spaces(text)
    if spec_name == "Validity Period":
        return canonical_period(text)
    return text


def check_sheet(sheet: RawSheet) -> list[CheckedRow]:
    """Read, type and check every row of `sheet`; problems are collected, never raised."""
    spec: SheetSpec = sheet.spec
    checked: list[CheckedRow] = []
    known = set(sheet.mapping.values())
    # where each contract column is, found once a sheet (not once a cell)
    columns = [(column, sheet.position(column.name)) for column in spec.columns]
    for raw in sheet.rows:
        out = CheckedRow(raw.row, {})
        if raw.hidden:
            out.problems.append(
                Problem(
                    sheet.title,
                    raw.row,
                    None,
                    None,
                    Code.HIDDEN_ROW,
                    "the row is hidden in the workbook; unhide it to submit it (section 2)",
                )
            )
        for column, pos in columns:
            value = raw.values[pos] if pos is not None else None
            typed: object = None
            if pos is not None and pos in raw.issues:
                issue = raw.issues[pos]
                out.problems.append(
                    Problem(
                        sheet.title,
                        raw.row,
                        column.name,
                        value,
                        issue.code,
                        f"{column.name}: {issue.message} (section 2)",
                    )
                )
            elif cells.is_blank(value):
                if column.required and not column.blank_ok:
                    out.problems.append(
                        Problem(
                            sheet.title,
                            raw.row,
                            column.name,
                            None,
                            Code.REQUIRED,
                            f"{column.name} is required ({rule_of(spec.name, column.name)})",
                        )
                    )
                typed = SINGLE_VALUED.get(column.name)
            else:
                try:
                    typed = _read_cell(sheet, column.name, column.kind, value)
                except cells.CellProblem as exc:
                    out.problems.append(
                        Problem(
                            sheet.title,
                            raw.row,
                            column.name,
                            value,
                            exc.code,
                            f"{column.name}: {exc.message} ({rule_of(spec.name, column.name)})",
                        )
                    )
            out.values[column.name] = typed
        for pos, issue in raw.issues.items():
            # unknown columns are otherwise ignored, but one the decision sheet cannot echo
            # whole is refused rather than cut silently
            if pos not in known and issue.code is Code.TOO_LONG:
                key = sheet.column_key(pos)
                out.problems.append(
                    Problem(
                        sheet.title,
                        raw.row,
                        key,
                        raw.values[pos],
                        issue.code,
                        f"{key}: {issue.message} (section 2)",
                    )
                )
        checked.append(out)
    _run_model(sheet, checked)
    return checked


def _run_model(sheet: RawSheet, rows: list[CheckedRow]) -> None:
    if not rows:
        return
    model = MODELS[sheet.spec.name]
    index = [r.row for r in rows]
    data: dict[str, pd.Series] = {}
    for column in sheet.spec.columns:
        values = [r.values[column.name] for r in rows]
        # object Series keep Python values (pandas would infer a string dtype from arrays)
        dtype = "Int64" if column.kind == WHOLE else object
        data[column.name] = pd.Series(values, dtype=dtype, index=index)
    by_row = {r.row: r for r in rows}
    frame = pd.DataFrame(data, index=index)
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        for case in cases.itertuples(index=False):
            row_no = case.index
            if row_no is None or pd.isna(row_no):
                raise  # a schema-level failure is a bug in the model, not in the data
            target = by_row[int(row_no)]
            name = str(case.column)
            value = target.values[name]
            code, message = _message(str(case.check), name, value, sheet.spec.name)
            target.problems.append(Problem(sheet.title, target.row, name, value, code, message))
            target.values[name] = None
