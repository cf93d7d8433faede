"""Calendar months as the monthly report names them: `2026-11` is (2026, 11)."""

from __future__ import annotations

import calendar
from datetime import date

Month = tuple[int, int]


def parse_month(text: str) -> Month:
    """`2026-11` -> (2026, 11); raises ValueError for anything else."""
    year, _, month = text.partition("-")
    if len(year) != 4 or len(month) != 2 or not (year + month).isdigit():
        raise ValueError(f"'{text}' is not a month (YYYY-MM)")
    value = (int(year), int(month))
    if not 1 <= value[1] <= 12:
        raise ValueError(f"'{text}' is not a month (YYYY-MM)")
    return value


def month_bounds(month: Month) -> tuple[date, date]:
    first = date(month[0], month[1], 1)
    return first, date(month[0], month[1], calendar.monthrange(*month)[1])


def previous_months(month: Month, count: int) -> list[Month]:
    """The `count` months ending with `month`, oldest first."""
    index = month[0] * 12 + month[1] - 1
    return [((i // 12), i % 12 + 1) for i in range(index - count + 1, index + 1)]


def month_of(day: date) -> Month:
    """The month a business date falls in."""
    return (day.year, day.month)
