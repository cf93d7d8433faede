"""Voucher validity (R11): from the approval date or the request date, for N days or months.

The end is inclusive: start + period - 1 day. A month step from the 29th-31st lands on the
last day of a shorter month (2027-01-31 + 1 month = 2027-02-28), then the day is taken off
(valid until 2027-02-27).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from .model import ValidityPeriod, ValidityStart


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until(start: date, period: ValidityPeriod) -> date:
    if period.unit == "months":
        end = add_months(start, period.count)
    else:
        end = start + timedelta(days=period.count)
    return end - timedelta(days=1)


def valid_from(start_rule: ValidityStart, decided_on: date, requested_on: date) -> date:
    return decided_on if start_rule is ValidityStart.VALIDITY_DATE else requested_on
