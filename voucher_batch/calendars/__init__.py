"""Country calendars for R12 from the `holidays` package (`--calendar CC`)."""

from __future__ import annotations

import holidays

from ..domain.business_days import BusinessCalendar
from ..errors import VoucherBatchError


class CalendarError(VoucherBatchError):
    """An unknown country code for --calendar."""


def business_calendar(country: str | None, years: range) -> BusinessCalendar:
    """Mon-Fri when `country` is None; else that country's weekend, holidays and working
    weekend days for `years`."""
    if not country:
        return BusinessCalendar()
    code = country.strip().upper()
    try:
        table = holidays.country_holidays(code, years=list(years))
    except NotImplementedError:
        raise CalendarError(
            f"--calendar {country}: no public-holiday calendar for that country code "
            "(use an ISO code such as CN, SG, HK)"
        ) from None
    return BusinessCalendar(
        name=code,
        weekend=frozenset(table.weekend),
        holidays=frozenset(table.keys()),
        workdays=frozenset(d for d in table.weekend_workdays if d.year in years),
    )
