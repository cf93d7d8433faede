"""Voucher validity (R11): from the approval date or the request date, for N days or months.

The end is inclusive: start + period - 1 day. A month step from the 29th-31st lands on the
last day of a shorter month (2027-01-31 + 1 month = 2027-02-28), then the day is taken off
(valid until 2027-02-27).

Dates end at 9999-12-31 (Python, the ledger's date columns and Excel all stop there): a
validity that would end later has no end date to record, so `valid_until` says so with
None and the caller refuses the approval with a reason.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from .model import ValidityPeriod, ValidityStart

LAST_DAY = date.max  # 9999-12-31


def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months; raises OverflowError past 9999-12-31."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if not date.min.year <= year <= date.max.year:
        raise OverflowError(f"{day} + {months} months is past {LAST_DAY}")
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until(start: date, period: ValidityPeriod) -> date | None:
    """The last valid day (inclusive), or None when it would fall after 9999-12-31."""
    try:
        if period.unit == "months":
            end = add_months(start, period.count)
        else:
            end = start + timedelta(days=period.count)
    except OverflowError:
        # start + period is past the calendar; the day before may still be 9999-12-31
        return LAST_DAY if _day_before_end_is_last(start, period) else None
    return end - timedelta(days=1)


def _day_before_end_is_last(start: date, period: ValidityPeriod) -> bool:
    """Whether start + period lands exactly on 10000-01-01 (so the validity ends on the
    last representable day)."""
    if period.unit == "months":
        index = start.month - 1 + period.count
        year, month = start.year + index // 12, index % 12 + 1
        return (year, month, start.day) == (LAST_DAY.year + 1, 1, 1)
    return (LAST_DAY - start).days + 1 == period.count


def valid_from(start_rule: ValidityStart, decided_on: date, requested_on: date) -> date:
    return decided_on if start_rule is ValidityStart.VALIDITY_DATE else requested_on
