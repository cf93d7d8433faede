"""Checking the cells of each sheet: typed reading, then one pandera model per sheet.

Stage one reads every cell as its column's kind (`cells.py`) and flags blank required
cells. Stage two puts the typed columns in a DataFrame indexed by Excel row and runs the
sheet's pandera model with `lazy=True`, so every failing cell of the sheet is found in one
pass; each failure case maps back to (row, column) and a stable `Code` through the check's
name. The result is one `CheckedRow` per input row: typed values plus its problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa

from ..domain.choices import CHOICES, SINGLE_VALUED, choice_key
from ..domain.fields import canonical_period
from ..domain.identity import unsafe_character
from ..domain.model import (
    collapse_spaces,
)
from ..domain.problems import Code, Problem
from . import cells
from .reader import RawRow, RawSheet
from .sheet_models import MODELS, failure_message, rule_of
from .sheets import CHOICE, DATE, UIN, WHOLE, ColumnSpec, SheetSpec


@dataclass
class CheckedRow:
    row: int
    values: dict[str, object]  # canonical column -> typed value (None when blank or refused)
    problems: list[Problem] = field(default_factory=list)


# Identities (R15): compared as people mean them, refused with invisible control characters.
IDENTITY_COLUMNS = frozenset({"Request ID", "Requested By", "Reviewer"})


def hidden_row(sheet: str, row: int) -> Problem:
    """A hidden row is refused whole (section 2): nobody submits what they cannot see."""
    return Problem(
        sheet,
        row,
        None,
        None,
        Code.HIDDEN_ROW,
        "the row is hidden in the workbook; unhide it to submit it (section 2)",
    )


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
            out.problems.append(hidden_row(sheet.title, raw.row))
        for column, pos in columns:
            out.values[column.name] = _check_cell(sheet, raw, column, pos, out.problems)
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


def _check_cell(
    sheet: RawSheet, raw: RawRow, column: ColumnSpec, pos: int | None, problems: list[Problem]
) -> object:
    """The typed value of one contract column of a row (None when blank or refused); its
    problem, if any, is added to `problems`."""
    value = raw.values[pos] if pos is not None else None
    rule = rule_of(sheet.spec.name, column.name)
    if pos is not None and pos in raw.issues:
        issue = raw.issues[pos]
        problems.append(
            Problem(
                sheet.title,
                raw.row,
                column.name,
                value,
                issue.code,
                f"{column.name}: {issue.message} (section 2)",
            )
        )
        return None
    if cells.is_blank(value):
        if column.required and not column.blank_ok:
            problems.append(
                Problem(
                    sheet.title,
                    raw.row,
                    column.name,
                    None,
                    Code.REQUIRED,
                    f"{column.name} is required ({rule})",
                )
            )
        return SINGLE_VALUED.get(column.name)
    try:
        return _read_cell(sheet, column.name, column.kind, value)
    except cells.CellProblem as exc:
        problems.append(
            Problem(
                sheet.title,
                raw.row,
                column.name,
                value,
                exc.code,
                f"{column.name}: {exc.message} ({rule})",
            )
        )
        return None


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
            code, message = failure_message(str(case.check), name, value, sheet.spec.name)
            target.problems.append(Problem(sheet.title, target.row, name, value, code, message))
            target.values[name] = None
