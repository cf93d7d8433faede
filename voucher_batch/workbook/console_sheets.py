"""The console's exports as input sheets: the voucher list and the usage details.

Headers are the console's field names (`VoucherId`, `CustomerUin`, ...) or readable forms
(`Voucher ID`, `Customer UIN`, ...); the usual reading rules of contract section 2 apply
(header search, hidden and merged cells, formulas, UINs, whole numbers). Times are
`YYYY-MM-DD HH:MM:SS` (or `YYYY-MM-DD`) text or date cells. Statuses are the API codes or
their labels. Each sheet is checked cell by cell, then by its pandera model (`lazy=True`),
so every problem of a file is found in one pass; rows come out as domain values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from ..domain.identity import unsafe_identity_message
from ..domain.problems import Code, Problem
from ..domain.vouchers import ConsoleVoucher, Deal, VoucherStatus
from . import cells
from .reader import RawBook, RawSheet, read_workbook
from .sheets import TEXT, UIN, WHOLE, ColumnSpec, SheetSpec
from .validation import CheckedRow, hidden_row

TIME = "time"
IDENTIFIERS = frozenset({"Voucher ID", "Bill ID", "Issuance ID"})  # one line of plain text (R15)
AMOUNT_MAX = 1_000_000  # console voucher amounts are in [0, 1000000]
ID_MAX = 64

VOUCHERS = SheetSpec(
    "Vouchers",
    (
        ColumnSpec("Voucher ID", TEXT, True, ("VoucherId",)),
        ColumnSpec("Customer UIN", UIN, True, ("CustomerUin", "UIN")),
        ColumnSpec("Voucher Status", TEXT, True, ("VoucherStatus", "Status")),
        ColumnSpec("Total Amount", WHOLE, True, ("TotalAmount", "Amount")),
        ColumnSpec("Remaining Amount", WHOLE, True, ("RemainingAmount", "Balance")),
        ColumnSpec("Effective Time", TIME, True, ("EffectiveTime", "Effective Date")),
        ColumnSpec("Expire Time", TIME, True, ("ExpireTime", "Expiry Time", "Expiry Date")),
        ColumnSpec("Usage"),
        ColumnSpec("Payment Mode", TEXT, False, ("PaymentMode",)),
        ColumnSpec("Product Scope", TEXT, False, ("ProductScope",)),
        ColumnSpec("Apply Reason", TEXT, False, ("ApplyReason",)),
        ColumnSpec("Issuance ID", TEXT, False, ("IssuanceId",)),
    ),
)

USAGE = SheetSpec(
    "Usage",
    (
        ColumnSpec("Voucher ID", TEXT, True, ("VoucherId",)),
        ColumnSpec("Deal Name", TEXT, False, ("DealName",)),
        ColumnSpec("Bill ID", TEXT, True, ("BillId",)),
        ColumnSpec("Amount", WHOLE, True),
        ColumnSpec("Pay Mode", TEXT, False, ("PayMode",)),
        ColumnSpec("Product Code", TEXT, False, ("ProductCode",)),
        ColumnSpec("Product Name", TEXT, False, ("ProductCodeName", "Product Code Name")),
        ColumnSpec("Pay Time", TIME, False, ("PayTime",)),
        ColumnSpec("Owner UIN", UIN, False, ("OwnerUin",)),
    ),
)

STATUS_LABELS = {
    "issued": VoucherStatus.ISSUED,
    "not used": VoucherStatus.ISSUED,
    "unused": VoucherStatus.ISSUED,
    "used": VoucherStatus.USED,
    "used up": VoucherStatus.USED,
    "expired": VoucherStatus.EXPIRED,
    "invalidated": VoucherStatus.INVALIDATED,
    "invalid": VoucherStatus.INVALIDATED,
    "voided": VoucherStatus.INVALIDATED,
}

_TIME_TEXT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2}))?$")


def read_time(value: object) -> datetime:
    """A console time: a date cell, or `YYYY-MM-DD HH:MM:SS` / `YYYY-MM-DD` text."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, (int, float)):
        raise cells.CellProblem(
            Code.NOT_A_TIME, f"{value!r} is a number, not a time; format the cell as a date"
        )
    text = cells.clean_text(str(value))
    found = _TIME_TEXT.match(text)
    if found:
        try:
            y, mo, d, h, mi, sec = (int(p) for p in found.groups(default="0"))
            return datetime(y, mo, d, h, mi, sec)
        except ValueError:
            pass
    raise cells.CellProblem(
        Code.NOT_A_TIME, f"'{text}' is not a time (YYYY-MM-DD HH:MM:SS or a date cell)"
    )


def read_status(value: object) -> str:
    text = cells.read_text(value)
    found = STATUS_LABELS.get(re.sub(r"\s+", " ", text).casefold())
    return found.value if found is not None else text


class VouchersModel(pa.DataFrameModel):
    voucher_id: Series[object] = pa.Field(alias="Voucher ID", nullable=True)
    status: Series[object] = pa.Field(alias="Voucher Status", nullable=True)
    total: Series[pd.Int64Dtype] = pa.Field(alias="Total Amount", nullable=True)
    remaining: Series[pd.Int64Dtype] = pa.Field(alias="Remaining Amount", nullable=True)

    @pa.check("Voucher ID", name="identifier", element_wise=True)
    def _voucher_id(cls, v: object) -> bool:
        return v is None or (isinstance(v, str) and 0 < len(v) <= ID_MAX)

    @pa.check("Voucher Status", name=Code.NOT_A_STATUS.value, element_wise=True)
    def _status(cls, v: object) -> bool:
        return v is None or v in {s.value for s in VoucherStatus}

    @pa.check("Total Amount", "Remaining Amount", name=Code.AMOUNT_RANGE.value, element_wise=True)
    def _amount(cls, v: object) -> bool:
        return v is pd.NA or v is None or 0 <= int(v) <= AMOUNT_MAX  # type: ignore[call-overload]

    class Config:
        strict = False


class UsageModel(pa.DataFrameModel):
    voucher_id: Series[object] = pa.Field(alias="Voucher ID", nullable=True)
    bill_id: Series[object] = pa.Field(alias="Bill ID", nullable=True)
    amount: Series[pd.Int64Dtype] = pa.Field(alias="Amount", nullable=True)

    @pa.check("Voucher ID", "Bill ID", name="identifier", element_wise=True)
    def _ids(cls, v: object) -> bool:
        return v is None or (isinstance(v, str) and 0 < len(v) <= ID_MAX)

    @pa.check("Amount", name=Code.AMOUNT_RANGE.value, element_wise=True)
    def _amount(cls, v: object) -> bool:
        return v is pd.NA or v is None or 0 <= int(v) <= AMOUNT_MAX  # type: ignore[call-overload]

    class Config:
        strict = False


MODELS: dict[str, type[pa.DataFrameModel]] = {"Vouchers": VouchersModel, "Usage": UsageModel}
MESSAGES = {
    "identifier": f"must be 1-{ID_MAX} characters",
    Code.NOT_A_STATUS.value: "is not a voucher status; use Issued, Used, Expired or Invalidated",
    Code.AMOUNT_RANGE.value: f"is outside the console amount range 0 to {AMOUNT_MAX:,}",
}


def read_identifier(value: object) -> str:
    """A console identifier: text without control or bidirectional characters (R15)."""
    text = cells.read_text(value)
    unsafe = unsafe_identity_message("the identifier", text)
    if unsafe is not None:
        raise cells.CellProblem(Code.UNSAFE_CHARACTER, unsafe)
    return text


def _reader(column: ColumnSpec) -> Callable[[object], object]:
    if column.kind == WHOLE:
        return cells.read_whole
    if column.kind == UIN:
        return cells.read_uin
    if column.kind == TIME:
        return read_time
    if column.name == "Voucher Status":
        return read_status
    if column.name in IDENTIFIERS:
        return read_identifier
    return cells.read_text


def check_console_sheet(sheet: RawSheet) -> list[CheckedRow]:
    """Type and check every row of a console sheet; problems are collected, never raised."""
    checked = []
    for raw in sheet.rows:
        out = CheckedRow(raw.row, {})
        if raw.hidden:
            out.problems.append(hidden_row(sheet.title, raw.row))
        for column in sheet.spec.columns:
            out.values[column.name] = _typed(sheet, raw.row, raw.values, raw.issues, column, out)
        checked.append(out)
    _run_model(sheet, checked)
    return checked


def _typed(
    sheet: RawSheet,
    row: int,
    values: list[object],
    issues: Mapping[int, cells.CellProblem],
    column: ColumnSpec,
    out: CheckedRow,
) -> object:
    pos = sheet.position(column.name)
    value = values[pos] if pos is not None else None
    problem: tuple[Code, str] | None = None
    typed: object = None
    if pos is not None and pos in issues:
        problem = (issues[pos].code, issues[pos].message)
    elif cells.is_blank(value):
        if column.required:
            problem = (Code.REQUIRED, "is required")
    else:
        try:
            typed = _reader(column)(value)
        except cells.CellProblem as exc:
            problem = (exc.code, exc.message)
    if problem is not None:
        out.problems.append(
            Problem(
                sheet.title, row, column.name, value, problem[0], f"{column.name}: {problem[1]}"
            )
        )
    return typed


def _run_model(sheet: RawSheet, rows: list[CheckedRow]) -> None:
    if not rows:
        return
    index = [r.row for r in rows]
    data = {
        c.name: pd.Series(
            [r.values[c.name] for r in rows],
            dtype="Int64" if c.kind == WHOLE else object,
            index=index,
        )
        for c in sheet.spec.columns
    }
    by_row = {r.row: r for r in rows}
    try:
        MODELS[sheet.spec.name].validate(pd.DataFrame(data, index=index), lazy=True)
    except pa.errors.SchemaErrors as exc:
        for case in exc.failure_cases.itertuples(index=False):
            if case.index is None or pd.isna(case.index):
                raise
            target = by_row[int(case.index)]
            name, check = str(case.column), str(case.check)
            value = target.values[name]
            code = (
                Code.NOT_A_STATUS
                if check == Code.NOT_A_STATUS.value
                else (Code.AMOUNT_RANGE if check == Code.AMOUNT_RANGE.value else Code.NOT_TEXT)
            )
            text = f"{name}: '{value}' {MESSAGES[check]}"
            target.problems.append(Problem(sheet.title, target.row, name, value, code, text))
            target.values[name] = None


def read_console(path: Path, spec: SheetSpec) -> tuple[RawBook, RawSheet, list[CheckedRow]]:
    """Read and check the one sheet `spec` names; InputFileError if the file is unusable."""
    book = read_workbook(path, (spec,))
    [sheet] = book.sheets
    return book, sheet, check_console_sheet(sheet)


def to_voucher(row: CheckedRow) -> ConsoleVoucher | None:
    """A checked voucher-list row as a domain value; None when a cell was refused."""
    if row.problems:
        return None
    v = row.values
    effective, expires = v["Effective Time"], v["Expire Time"]
    assert isinstance(effective, datetime) and isinstance(expires, datetime)
    issuance = v["Issuance ID"]
    return ConsoleVoucher(
        row=row.row,
        voucher_id=str(v["Voucher ID"]),
        customer_uin=str(v["Customer UIN"]),
        status=VoucherStatus(str(v["Voucher Status"])),
        total=int(v["Total Amount"]),  # type: ignore[call-overload]
        remaining=int(v["Remaining Amount"]),  # type: ignore[call-overload]
        effective_on=effective.date(),
        expires_on=expires.date(),
        issuance_id=str(issuance) if issuance else None,
    )


def to_deal(row: CheckedRow) -> Deal | None:
    """A checked usage row as a domain value; None when a cell was refused."""
    if row.problems:
        return None
    v = row.values
    pay_time = v["Pay Time"]
    return Deal(
        row=row.row,
        voucher_id=str(v["Voucher ID"]),
        bill_id=str(v["Bill ID"]),
        deal_name=str(v["Deal Name"] or ""),
        amount=int(v["Amount"]),  # type: ignore[call-overload]
        pay_mode=str(v["Pay Mode"] or ""),
        product_code=str(v["Product Code"] or ""),
        product_name=str(v["Product Name"] or ""),
        pay_time=pay_time if isinstance(pay_time, datetime) else None,
        owner_uin=str(v["Owner UIN"] or ""),
    )
