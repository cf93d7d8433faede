"""Typing a sheet column by column gives exactly what reading it cell by cell gives.

`check_sheet` types the cells already of their column's kind over the whole column
(`workbook/columns.py`) and runs the sheet models as column operations; the reference below
is the reading as it was before, kept here: every cell through the per-cell path, then the
sheet's rules applied value by value (element-wise pandera checks). Both must agree on
every typed value, every problem and its order, for tricky values and arbitrary ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.workbooks import SheetData, write_workbook
from voucher_batch.domain import fields
from voucher_batch.domain.choices import CHOICES
from voucher_batch.domain.model import COST_BEARER, PRODUCT_SCOPE, VOUCHER_TYPE
from voucher_batch.domain.problems import Code, Problem
from voucher_batch.workbook import validation
from voucher_batch.workbook.cells import CellProblem, is_blank, read_cell
from voucher_batch.workbook.columns import SLOW, fast_column
from voucher_batch.workbook.reader import RawRow, RawSheet, read_workbook
from voucher_batch.workbook.sheet_models import failure_message
from voucher_batch.workbook.sheets import CUSTOMERS, REQUESTS, REVIEW, TEMPLATES, SheetSpec
from voucher_batch.workbook.validation import CheckedRow, check_sheet, hidden_row

SPECS = {spec.name: spec for spec in (CUSTOMERS, TEMPLATES, REQUESTS, REVIEW)}

# ---- the reference: the reading before the column pass, cell by cell ------------------------


def _text_ok(rule: Callable[[str], bool]) -> Callable[[object], bool]:
    return lambda v: isinstance(v, str) and rule(v)


def _one_of(column: str) -> Callable[[object], bool]:
    allowed = set(CHOICES[column].values())
    return lambda v: v in allowed


# sheet -> (column, check name, rule on one value), in the order of the sheet's model
RULES: dict[str, list[tuple[str, str, Callable[[object], bool]]]] = {
    "Customers": [("Status", Code.CUSTOMER_STATUS.value, _one_of("Status"))],
    "Templates": [
        ("Template Name", Code.TEMPLATE_NAME.value, _text_ok(fields.template_name_ok)),
        ("Cost Bearer", "only:Cost Bearer", lambda v: v == COST_BEARER),
        ("Usage", "choice:Usage", _one_of("Usage")),
        ("Product Scope", "only:Product Scope", lambda v: v == PRODUCT_SCOPE),
        ("Payment Mode", "choice:Payment Mode", _one_of("Payment Mode")),
        ("Voucher Type", "only:Voucher Type", lambda v: v == VOUCHER_TYPE),
        ("Amount", Code.AMOUNT_RANGE.value, lambda v: fields.amount_in_range(v)),  # type: ignore[arg-type]
        ("Validity Period", Code.VALIDITY_PERIOD.value, _text_ok(fields.period_ok)),
        ("Validity Start", "choice:Validity Start", _one_of("Validity Start")),
        ("Description", Code.TOO_LONG.value, _text_ok(fields.description_ok)),
    ],
    "Requests": [
        ("Request ID", Code.REQUEST_ID.value, _text_ok(fields.request_id_ok)),
        ("Estimated Revenue", Code.NEGATIVE_REVENUE.value, lambda v: fields.revenue_ok(v)),  # type: ignore[arg-type]
        ("Application Reason", Code.REASON_LENGTH.value, _text_ok(fields.reason_ok)),
    ],
    "Review": [
        ("Decision", "choice:Decision", _one_of("Decision")),
        ("Review Comment", Code.REASON_LENGTH.value, _text_ok(fields.comment_ok)),
    ],
}


def _reference_schema(spec: SheetSpec) -> pa.DataFrameSchema:
    checks: dict[str, list[pa.Check]] = {}
    for column, name, rule in RULES[spec.name]:
        checks.setdefault(column, []).append(pa.Check(rule, element_wise=True, name=name))
    return pa.DataFrameSchema(
        {
            c.name: pa.Column(
                "Int64" if c.kind == "whole number" else object,
                checks=checks.get(c.name, []),
                nullable=True,
            )
            for c in spec.columns
            if c.name in checks
        }
    )


def reference_check_sheet(sheet: RawSheet) -> list[CheckedRow]:
    """The reading as it was before the column pass: every cell read on its own."""
    checked: list[CheckedRow] = []
    known = set(sheet.mapping.values())
    columns = [(column, sheet.position(column.name)) for column in sheet.spec.columns]
    for raw in sheet.rows:
        out = CheckedRow(raw.row, {})
        if raw.hidden:
            out.problems.append(hidden_row(sheet.title, raw.row))
        for column, pos in columns:
            out.values[column.name] = validation._check_cell(sheet, raw, column, pos, out.problems)
        for pos, issue in raw.issues.items():
            if pos not in known and issue.code is Code.TOO_LONG:
                key = sheet.column_key(pos)
                message = f"{key}: {issue.message} (section 2)"
                out.problems.append(
                    Problem(sheet.title, raw.row, key, raw.values[pos], issue.code, message)
                )
        checked.append(out)
    if not checked:
        return checked
    index = [r.row for r in checked]
    frame = pd.DataFrame(
        {
            c.name: pd.Series(
                [r.values[c.name] for r in checked],
                dtype="Int64" if c.kind == "whole number" else object,
                index=index,
            )
            for c in sheet.spec.columns
        },
        index=index,
    )
    by_row = {r.row: r for r in checked}
    try:
        _reference_schema(sheet.spec).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        for case in exc.failure_cases.itertuples(index=False):
            target = by_row[int(case.index)]
            name = str(case.column)
            value = target.values[name]
            code, message = failure_message(str(case.check), name, value, sheet.spec.name)
            target.problems.append(Problem(sheet.title, target.row, name, value, code, message))
            target.values[name] = None
    return checked


def _same(ours: list[CheckedRow], reference: list[CheckedRow]) -> None:
    # repr: a NaN cell value is equal to itself only as text
    assert [repr(r) for r in ours] == [repr(r) for r in reference]
    for a, b in zip(ours, reference, strict=True):
        for name, value in a.values.items():
            assert type(value) is type(b.values[name]), (a.row, name, value)


def raw_sheet(
    spec: SheetSpec,
    rows: Sequence[Sequence[object]],
    hidden: Sequence[bool] = (),
    issues: Sequence[dict[int, CellProblem]] = (),
    extra: str | None = "Notes",
) -> RawSheet:
    """A sheet as the reader gives it: the spec's columns (and an unknown one), row 2 on."""
    headers = [c.name for c in spec.columns] + ([extra] if extra else [])
    mapping = {c.name: i for i, c in enumerate(spec.columns)}
    raw_rows = [
        RawRow(
            row=i + 2,
            values=list(values) + [None] * (len(headers) - len(values)),
            hidden=hidden[i] if i < len(hidden) else False,
            issues=issues[i] if i < len(issues) else {},
        )
        for i, values in enumerate(rows)
    ]
    return RawSheet(
        spec.name, spec, 1, headers, list(range(1, len(headers) + 1)), mapping, raw_rows
    )


# ---- the tricky values ---------------------------------------------------------------------

BLANKS: list[object] = [None, "", " ", "\t", "\u00a0", "\u200b", "\u3000 \ufeff"]
NUMBERS: list[object] = [True, False, 0, 1, -1, 5, 5.0, -0.0, 12.5, float("nan"), float("inf")]
LARGE: list[object] = [10_000, 10_000.0, 9_999, 2**53, 2**53 + 1, -(2**53) - 1, float(2**53)]
NUMBER_TEXT: list[object] = ["12,000", " 42 ", "42 ", "0042", "١٢٣", "１２３", "-5", "1 000", "1e5"]
NAN_LIKE: list[object] = ["NaN", "nan", "None", "NULL", "N/A", 2**63]
DIGITS: list[object] = ["9" * 18, "9" * 19, "9" * 20, "9" * 21, "00012", "012345"]
DATES: list[object] = [
    *(datetime(2027, 3, 4), datetime(2027, 3, 4, 12, 30), datetime(2027, 3, 4, 0, 0, 0, 1)),
    *(date(2027, 3, 4), time(12, 30), "2027-03-04", "2027/3/4", "03/04/2027", "2027-02-30"),
    "２０２７-０３-０４",
]
UINS: list[object] = [
    *("100012340001", 100012340001, 100012340001.0, "1.00012E+11", "100012340001 "),
    "１０００１２３４０００１",
]
CHOICE_TEXT: list[object] = [
    *("Bound", " bound ", "UNBOUND", "product_trial", "Product  trial", "ProductTrial"),
    *("customer-offer", "All", "allpayment", "Pay-as-you-go", "from the issuance date"),
    *("pass", "APPROVE", " reject ", "Tencent", "tencent", "General products", "allproducts"),
    "Balance deduction voucher",
]
NAMES: list[object] = [
    *("Starter Trial", "starter   TRIAL", " Starter Trial ", "Trial 2", "x" * 20, "x" * 21),
    *("30 days", "30 Days", " 12 MONTHS", "13 months", "367 days", "0 days", "30days"),
]
IDENTITIES: list[object] = [
    *("REQ-001", "ＲＥＱ－００１", "REQ\u202e100", "REQ\u200b1", "ops\tanalyst", "ops.analyst\n"),
    *("ops analyst", "René", "张伟"),
]
LENGTHS: list[object] = ["R" * 40, "R" * 41, "x" * 200, "x" * 201, "w" * 500, "w" * 501]
TRICKY: list[object] = [
    *(BLANKS + NUMBERS + LARGE + NUMBER_TEXT + NAN_LIKE + DIGITS + DATES + UINS),
    *(CHOICE_TEXT + NAMES + IDENTITIES + LENGTHS),
]


@pytest.mark.parametrize("spec", SPECS.values(), ids=list(SPECS))
def test_each_fast_path_gives_what_the_per_cell_reading_gives(spec: SheetSpec) -> None:
    for column in spec.columns:
        for blank in (SLOW, "blank"):
            typed = fast_column(column.name, column.kind, TRICKY, blank)
            for raw, fast in zip(TRICKY, typed, strict=True):
                if fast is SLOW:
                    continue
                if raw is None:
                    assert fast == blank
                    continue
                assert not is_blank(raw)
                expected = read_cell(column.name, column.kind, raw)
                assert (type(fast), fast) == (type(expected), expected), (column.name, raw)


def test_the_common_cells_take_the_fast_path() -> None:
    row: list[object] = [
        "REQ-001",
        "Starter Trial",
        "100012340001",
        12_000,
        datetime(2027, 3, 4),
        "Trial for the benchmark",
        "ops.analyst",
    ]
    for column, value in zip(REQUESTS.columns, row, strict=True):
        assert fast_column(column.name, column.kind, [value], SLOW) != [SLOW], column.name


def test_a_kind_without_a_reading_in_one_pass_is_read_cell_by_cell() -> None:
    assert fast_column("Effective Time", "time", ["2027-03-04 10:00", None], None) == [SLOW] * 2


@pytest.mark.parametrize("spec", SPECS.values(), ids=list(SPECS))
def test_a_sheet_of_tricky_values_reads_as_cell_by_cell(spec: SheetSpec) -> None:
    width = len(spec.columns)
    # every tricky value in every column, shifted so each row mixes them
    rows = [[TRICKY[(i + c * 7) % len(TRICKY)] for c in range(width)] for i in range(len(TRICKY))]
    hidden = [i % 11 == 5 for i in range(len(rows))]
    issues: list[dict[int, CellProblem]] = [
        {i % width: CellProblem(Code.ERROR_VALUE, "the cell holds the Excel error #N/A")}
        if i % 13 == 2
        else {width: CellProblem(Code.TOO_LONG, "the cell holds 40,000 characters")}
        if i % 17 == 3
        else {}
        for i in range(len(rows))
    ]
    sheet = raw_sheet(spec, rows, hidden, issues)
    _same(check_sheet(sheet), reference_check_sheet(sheet))


def test_a_missing_column_and_an_empty_sheet() -> None:
    """A sheet without its optional Description (blank everywhere) nor its required Amount
    (required in every row)."""
    kept = [c.name for c in TEMPLATES.columns if c.name not in ("Description", "Amount")]
    values = ["Starter Trial", None, "Product trial", None, "All", None, "30 days", "From"]
    row = RawRow(2, values)
    sheet = RawSheet(
        "Templates",
        TEMPLATES,
        1,
        kept,
        list(range(1, len(kept) + 1)),
        {name: i for i, name in enumerate(kept)},
        [row, RawRow(3, values, hidden=True)],
    )
    _same(check_sheet(sheet), reference_check_sheet(sheet))
    assert check_sheet(raw_sheet(TEMPLATES, [])) == []


def test_tricky_cells_written_to_a_workbook_read_back_as_cell_by_cell(tmp_path: Path) -> None:
    """Through a real .xlsx: the reader decides the cell types (numbers, booleans, dates)."""
    writable = [
        v
        for v in TRICKY
        if not (isinstance(v, float) and not math.isfinite(v))
        and not isinstance(v, time)
        and not (isinstance(v, int) and abs(v) > 2**53)
    ]
    sheets: dict[str, SheetData | list[Sequence[object]]] = {}
    for spec in (CUSTOMERS, TEMPLATES, REQUESTS):
        width = len(spec.columns)
        rows = [
            [writable[(i + c * 5) % len(writable)] for c in range(width)]
            for i in range(len(writable))
        ]
        sheets[spec.name] = SheetData(rows, header=[c.name for c in spec.columns])
    book = read_workbook(write_workbook(tmp_path / "tricky.xlsx", sheets))
    assert len(book.sheets) == 3
    for sheet in book.sheets:
        _same(check_sheet(sheet), reference_check_sheet(sheet))


# ---- arbitrary sheets ----------------------------------------------------------------------

# letters, digits and signs, white space and invisible characters, look-alike digits
CHARACTERS = st.sampled_from(
    [*"aZ09 -_,./:eE+#", *"\t\n\u00a0\u200b\ufeff\u202e\u3000", *"Ａ１٤é中"]
)
CELL = (
    st.sampled_from(TRICKY)
    | st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64)
    | st.integers(0, 10**6)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.datetimes(datetime(1900, 1, 1), datetime(9999, 12, 31))
    | st.dates(date(1900, 1, 1), date(9999, 12, 31))
    | st.text(CHARACTERS, max_size=45)
    | st.integers(0, 10**12).map(str)
)


@st.composite
def sheets(draw: st.DrawFn) -> RawSheet:
    spec = draw(st.sampled_from(list(SPECS.values())))
    width = len(spec.columns) + 1
    count = draw(st.integers(1, 12))
    rows = [draw(st.lists(CELL, min_size=width, max_size=width)) for _ in range(count)]
    hidden = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    issue = st.sampled_from(
        [
            CellProblem(Code.ERROR_VALUE, "the cell holds the Excel error #DIV/0!"),
            CellProblem(Code.TOO_LONG, "the cell holds 40,000 characters"),
            CellProblem(Code.MERGED_CELL, "the cell is under a merged range"),
        ]
    )
    issues = [
        draw(st.dictionaries(st.integers(0, width - 1), issue, max_size=2)) for _ in range(count)
    ]
    return raw_sheet(spec, rows, hidden, issues)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheet=sheets())
def test_an_arbitrary_sheet_reads_as_cell_by_cell(sheet: RawSheet) -> None:
    _same(check_sheet(sheet), reference_check_sheet(sheet))


def test_checked_values_read_as_the_dict_of_their_row() -> None:
    """A checked row's values are a view of the sheet's typed columns: equal to, printed as
    and read like the dict of the same items; a change is the row's own."""
    sheet = raw_sheet(REQUESTS, [["R-1", "Starter Trial"], ["R-2", "Other"]])
    first, second = check_sheet(sheet)
    as_dict = dict(first.values)
    assert first.values == as_dict and as_dict == first.values
    assert repr(first.values) == repr(as_dict)
    assert list(first.values) == [c.name for c in REQUESTS.columns]
    assert first.values.get("Request ID") == "R-1" and first.values.get("Nope", 7) == 7
    first.values["Request ID"] = None
    assert first.values["Request ID"] is None and second.values["Request ID"] == "R-2"
    with pytest.raises(KeyError):
        first.values["Nope"] = 1
    with pytest.raises(TypeError):
        del first.values["Request ID"]
