"""Typing a whole column at once: the cells already of their column's kind, in one pass.

`check_sheet` takes the raw values of each contract column once and types here the cells
that need no judgement: in a whole-number column the ints (and integral floats, and short
digit text) that a spreadsheet number holds exactly; in a date column the date cells at
midnight; in a UIN column digit text and exact integral numbers of 5-20 digits; in a text
column the text (an identifier only when it is printable); and in a column whose text is
mapped (choices, template names, validity periods) each distinct text once, through
`cells.read_cell` itself. Every other cell (blank, of an unexpected type, anything that may
be refused) comes back as `SLOW` and goes through the per-cell reading of `cells.py`, which
alone words problems. For each cell it takes, a fast path gives exactly what
`cells.read_cell` gives; `tests/unit/test_column_reading.py` holds the two together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from itertools import repeat
from typing import Final

from .cells import (
    EXACT_FLOAT,
    IDENTITY_COLUMNS,
    INT64_MAX,
    CellProblem,
    clean_text,
    is_blank,
    read_cell,
)
from .sheets import CHOICE, DATE, TEXT, UIN, WHOLE


class _Slow:
    def __repr__(self) -> str:
        return "SLOW"


SLOW: Final = _Slow()  # a cell the per-cell path must read

_MIDNIGHT = time()
# digit text this short is within the amount limit of `cells.read_whole`
_SHORT_DIGITS = len(str(INT64_MAX)) - 1
# text columns whose text is mapped after reading: read once per distinct text
_MAPPED_TEXT = frozenset({"Template Name", "Validity Period"})


def fast_column(column: str, kind: str, values: Sequence[object], blank: object) -> list[object]:
    """The typed value of each of `values` (the cells of `column`, of kind `kind`), or
    `SLOW`; `blank` is what an empty cell (None) becomes, `SLOW` when it is a problem."""
    if kind == WHOLE:
        return _whole(values, blank)
    if kind == DATE:
        return _date(values, blank)
    if kind == UIN:
        return _uin(values, blank)
    if kind == CHOICE or column in _MAPPED_TEXT:
        return _by_distinct_text(column, kind, values, blank)
    if kind == TEXT:
        return _text(values, blank, identity=column in IDENTITY_COLUMNS)
    return [SLOW] * len(values)  # a kind without a reading in one pass: cell by cell


def _whole(values: Sequence[object], blank: object) -> list[object]:
    """Ints and integral floats a double holds exactly (up to 2**53), and digit text short
    enough to be within the amount limit."""
    return [
        v
        if type(v) is int and -EXACT_FLOAT <= v <= EXACT_FLOAT
        else int(v)
        if type(v) is float and v.is_integer() and -EXACT_FLOAT <= v <= EXACT_FLOAT
        else int(v)
        if type(v) is str and len(v) <= _SHORT_DIGITS and v.isascii() and v.isdigit()
        else blank
        if v is None
        else SLOW
        for v in values
    ]


def _date(values: Sequence[object], blank: object) -> list[object]:
    """Date cells at midnight, and dates; the cells of one day share one date object (a
    column repeats its days)."""
    days: dict[datetime, date] = {}
    return [
        days.get(v) or days.setdefault(v, v.date())
        if type(v) is datetime and v.time() == _MIDNIGHT
        else v
        if type(v) is date
        else blank
        if v is None
        else SLOW
        for v in values
    ]


def _uin(values: Sequence[object], blank: object) -> list[object]:
    """Text of 5-20 ASCII digits; ints and integral floats of 5 digits or more that a
    double holds exactly (below 2**53), written as their digits."""
    return [
        v
        if type(v) is str and 5 <= len(v) <= 20 and v.isascii() and v.isdigit()
        else str(v)
        if type(v) is int and 10_000 <= v < EXACT_FLOAT
        else str(int(v))
        if type(v) is float and v.is_integer() and 10_000 <= v < EXACT_FLOAT
        else blank
        if v is None
        else SLOW
        for v in values
    ]


def _text(values: Sequence[object], blank: object, identity: bool) -> list[object]:
    """Text as `cells.read_text` cleans it. An identifier takes this path only when it is
    printable: printable text holds no control, format (bidirectional, zero-width) or
    non-breaking space character, so cleaning it is trimming it and R15 finds nothing to
    refuse. Blank text is left to the per-cell path, which knows whether it is required."""
    if identity:
        return [
            text
            if type(v) is str and v.isprintable() and (text := v.strip())
            else blank
            if v is None
            else SLOW
            for v in values
        ]
    return [
        text
        if type(v) is str and (text := v.strip() if v.isascii() else clean_text(v))
        else blank
        if v is None
        else SLOW
        for v in values
    ]


def _by_distinct_text(
    column: str, kind: str, values: Sequence[object], blank: object
) -> list[object]:
    """Each distinct text read once by `cells.read_cell`, then looked up cell by cell; the
    text it refuses, blank text and other values are left to the per-cell path. Only text
    and None are keys, and no other value a cell holds (number, boolean, date) is equal to
    a text, so no other value can take a text's reading."""
    table: dict[object, object] = {None: blank}
    for text in dict.fromkeys(values):
        if type(text) is not str or is_blank(text):
            continue
        try:
            table[text] = read_cell(column, kind, text)
        except CellProblem:
            continue
    return list(map(table.get, values, repeat(SLOW)))
