"""R12: business days on Mon-Fri and on country calendars (China's working weekends)."""

from __future__ import annotations

from datetime import date

import pytest

from voucher_batch.calendars import CalendarError, business_calendar
from voucher_batch.domain.business_days import BusinessCalendar

MON = date(2026, 11, 2)


@pytest.mark.parametrize(
    ("as_of", "waiting", "overdue"),
    [
        (MON, 0, False),
        (date(2026, 11, 5), 3, False),
        (date(2026, 11, 6), 4, True),
        (date(2026, 11, 8), 4, True),
        (date(2026, 11, 9), 5, True),
    ],
)
def test_mon_fri(as_of: date, waiting: int, overdue: bool) -> None:
    cal = BusinessCalendar()
    assert cal.days_between(MON, as_of) == waiting
    assert cal.overdue(MON, as_of) is overdue


def test_a_friday_request_is_not_overdue_before_the_next_thursday() -> None:
    cal = BusinessCalendar()
    assert cal.days_between(date(2026, 11, 6), date(2026, 11, 11)) == 3
    assert not cal.overdue(date(2026, 11, 6), date(2026, 11, 11))


def test_china_holidays_and_working_weekends() -> None:
    cn = business_calendar("cn", range(2026, 2028))
    # Spring Festival 2026: Feb 16-23 off; Saturday Feb 14 and Feb 28 are working days
    assert not cn.is_business_day(date(2026, 2, 17))
    assert cn.is_business_day(date(2026, 2, 14))
    assert cn.is_business_day(date(2026, 2, 28))
    plain = BusinessCalendar()
    assert cn.days_between(date(2026, 2, 13), date(2026, 2, 25)) != plain.days_between(
        date(2026, 2, 13), date(2026, 2, 25)
    )


def test_unknown_country_is_a_clear_error() -> None:
    with pytest.raises(CalendarError, match="XX"):
        business_calendar("XX", range(2026, 2027))
