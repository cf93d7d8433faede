"""Checking the cells of each sheet: typed reading, then one pandera model per sheet.

Stage one types each contract column as its kind: the raw values of the column are taken
once and the cells already of the right kind are typed in one pass (`columns.py`); the
others (blank, refused, of an unexpected type) go through the per-cell reading of
`cells.py`, which flags blank required cells and words every problem, so messages and
codes do not depend on which path typed a cell. Stage two puts the typed columns in a
DataFrame and runs the sheet's pandera model with `lazy=True`, so every failing cell of the
sheet is found in one pass; each failure case maps back to (row, column) and a stable
`Code` through the check's name. The result is one `CheckedRow` per input row: typed values
plus its problems.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field
from itertools import compress, count, repeat
from operator import attrgetter

import pandas as pd
import pandera.pandas as pa

from ..domain.choices import SINGLE_VALUED
from ..domain.problems import Code, Problem
from . import cells
from .columns import SLOW, fast_column
from .reader import RawRow, RawSheet
from .sheet_models import MODELS, failure_message, rule_of
from .sheets import WHOLE, ColumnSpec


@dataclass(slots=True)
class CheckedRow:
    row: int
    # canonical column -> typed value (None when blank or refused)
    values: MutableMapping[str, object]
    problems: list[Problem] = field(default_factory=list)


class RowValues(MutableMapping[str, object]):
    """The typed values of one checked row, by canonical column: a view of its sheet's typed
    columns (one list a column, held once a sheet), read and written in place, so that a
    sheet of a million rows holds no million dicts. It reads, compares and prints as the
    dict of the same items; its columns are those of the sheet's contract, no others."""

    __slots__ = ("_at", "_columns")

    def __init__(self, columns: dict[str, list[object]], at: int) -> None:
        self._columns = columns
        self._at = at

    def __getitem__(self, name: str) -> object:
        return self._columns[name][self._at]

    def get(self, name: str, default: object = None) -> object:
        column = self._columns.get(name)
        return default if column is None else column[self._at]

    def __setitem__(self, name: str, value: object) -> None:
        self._columns[name][self._at] = value  # KeyError: not a column of the sheet

    def __delitem__(self, name: str) -> None:
        raise TypeError("a checked row keeps every column of its sheet")

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    def __repr__(self) -> str:
        return repr(dict(self.items()))


_ROW, _VALUES, _HIDDEN, _ISSUES = map(attrgetter, ("row", "values", "hidden", "issues"))


def _where(flags: Iterable[object]) -> list[int]:
    """The positions of the true flags."""
    return list(compress(count(), flags))


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


def check_sheet(sheet: RawSheet) -> list[CheckedRow]:
    """Read, type and check every row of `sheet`; problems are collected, never raised."""
    if not sheet.rows:
        return []
    return _check_rows(sheet)  # the runner holds the collector off (services/collection.py)


def _check_rows(sheet: RawSheet) -> list[CheckedRow]:
    rows = sheet.rows
    # the problems of each row (by index in `rows`), in the order the row's cells are read:
    # hidden row, then each contract column, then the unknown columns, then the model
    problems: dict[int, list[Problem]] = {}
    for i in _where(map(_HIDDEN, rows)):
        problems[i] = [hidden_row(sheet.title, rows[i].row)]
    with_issues = _where(map(_ISSUES, rows))
    raw_columns = _raw_columns(rows)
    typed = [
        _typed_column(sheet, column, raw_columns, with_issues, problems)
        for column in sheet.spec.columns
    ]
    _unknown_columns(sheet, with_issues, problems)
    columns = {c.name: values for c, values in zip(sheet.spec.columns, typed, strict=True)}
    checked = list(map(CheckedRow, map(_ROW, rows), map(RowValues, repeat(columns), count())))
    for i, found in problems.items():
        checked[i].problems.extend(found)
    _run_model(sheet, checked, typed)
    return checked


def _unknown_columns(
    sheet: RawSheet, with_issues: list[int], problems: dict[int, list[Problem]]
) -> None:
    """Unknown columns are otherwise ignored, but one the decision sheet cannot echo whole
    is refused rather than cut silently."""
    known = set(sheet.mapping.values())
    for i in with_issues:
        raw = sheet.rows[i]
        for pos, issue in raw.issues.items():
            if pos not in known and issue.code is Code.TOO_LONG:
                key = sheet.column_key(pos)
                problems.setdefault(i, []).append(
                    Problem(
                        sheet.title,
                        raw.row,
                        key,
                        raw.values[pos],
                        issue.code,
                        f"{key}: {issue.message} (section 2)",
                    )
                )


def _raw_columns(rows: list[RawRow]) -> Sequence[Sequence[object]] | None:
    """The raw values of the sheet column by column, when every row holds every read
    column (as the reader gives them); None otherwise."""
    try:
        return list(zip(*map(_VALUES, rows), strict=True))
    except ValueError:
        return None


def _typed_column(
    sheet: RawSheet,
    column: ColumnSpec,
    raw_columns: Sequence[Sequence[object]] | None,
    with_issues: list[int],
    problems: dict[int, list[Problem]],
) -> list[object]:
    """The typed value of `column` in each row: the column in one pass, then the cells that
    pass left (and those the reader flagged) one by one, adding their problems."""
    rows = sheet.rows
    pos = sheet.position(column.name)
    values: Sequence[object]
    if pos is None:
        values = [None] * len(rows)
    elif raw_columns is not None:
        values = raw_columns[pos]
    else:
        values = [raw.values[pos] for raw in rows]
    blank = SLOW if column.required and not column.blank_ok else SINGLE_VALUED.get(column.name)
    typed = fast_column(column.name, column.kind, values, blank)
    if pos is not None:
        for i in with_issues:
            if pos in rows[i].issues:
                typed[i] = SLOW
    for i, value in enumerate(typed):
        if value is SLOW:
            typed[i] = _check_cell(sheet, rows[i], column, pos, problems.setdefault(i, []))
    return typed


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
        return cells.read_cell(column.name, column.kind, value)
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


def _run_model(sheet: RawSheet, rows: list[CheckedRow], typed: list[list[object]]) -> None:
    """Run the sheet's model over the typed columns (`typed`, one list a column of the
    spec, in the order of `rows`); each failure becomes a problem of its row."""
    model = MODELS[sheet.spec.name]
    declared = model.to_schema().columns
    data: dict[str, pd.Series] = {}
    for column, values in zip(sheet.spec.columns, typed, strict=True):
        if column.name not in declared:
            continue
        # object Series keep Python values (pandas would infer a string dtype from arrays)
        dtype = "Int64" if column.kind == WHOLE else object
        data[column.name] = pd.Series(values, dtype=dtype)
    frame = pd.DataFrame(data, copy=False)  # indexed by position in `rows`
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        for case in cases.itertuples(index=False):
            at = case.index
            if at is None or pd.isna(at):
                raise  # a schema-level failure is a bug in the model, not in the data
            target = rows[int(at)]
            name = str(case.column)
            value = target.values[name]
            code, message = failure_message(str(case.check), name, value, sheet.spec.name)
            target.problems.append(Problem(sheet.title, target.row, name, value, code, message))
            target.values[name] = None
