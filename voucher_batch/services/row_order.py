"""Each row of a batch's sheets with its decision, in the sheets' order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

from ..domain.problems import Decided

if TYPE_CHECKING:
    from ..workbook.reader import RawSheet

D = TypeVar("D", bound=Decided)


def decisions_in_order(sheets: Sequence[RawSheet], decisions: Sequence[D]) -> list[list[D]]:
    """For each of `sheets`, the decision of each of its rows, in order: the decision of a
    row is the last one given for its sheet (by title) and row. The engine decides the rows
    in the sheets' order, one decision each, so the decisions are usually taken as they come
    (no table of a million rows); any other order is looked up row by row (KeyError for a
    row without a decision)."""
    total = sum(len(sheet.rows) for sheet in sheets)
    if len(decisions) == total:
        out: list[list[D]] = []
        start = 0
        for sheet in sheets:
            part = list(decisions[start : start + len(sheet.rows)])
            title = sheet.title
            if not all(
                d.sheet == title and d.row == raw.row
                for d, raw in zip(part, sheet.rows, strict=True)
            ):
                break
            out.append(part)
            start += len(sheet.rows)
        else:
            return out
    by_sheet: dict[str, dict[int, D]] = {}
    for d in decisions:
        by_sheet.setdefault(d.sheet, {})[d.row] = d
    return [[by_sheet.get(sheet.title, {})[raw.row] for raw in sheet.rows] for sheet in sheets]
